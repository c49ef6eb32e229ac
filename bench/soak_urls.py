"""The portal's URLs and a bare view: what Django alone costs, served by the same gunicorn."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from promeneurs.urls import urlpatterns as portal


# Outside ATOMIC_REQUESTS' transaction: it takes no database connection (bench/pages.py's likewise).
@login_not_required
@transaction.non_atomic_requests
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bare__/", bare), *portal]
