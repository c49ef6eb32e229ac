"""The portal's URLs and a bare view: what Django alone costs, served by the same gunicorn."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from promeneurs.urls import urlpatterns as portal


@login_not_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bare__/", bare), *portal]
