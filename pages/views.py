import datetime
import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from news.kept import latest_articles
from promeneurs import public_cache
from promeneurs.public_cache import public_page
from promeneurs.typography import french_date
from structures.forms import DirectorySearchForm

from .emergency import EMERGENCY_NUMBERS
from .health import health

logger = logging.getLogger(__name__)

# When the accessibility statement was last written: change it with the statement.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 1)

# The database cannot be reached, timed out, or its connection broke: a 503, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


@login_not_required
@public_page
def home(request):
    """The home page. Its search form (the same for everyone) and the latest articles are kept
    apart, under their own versions: the page rendered again at the next minute reads nothing."""
    search_form_html = public_cache.kept_fragment(
        "home-search",
        [public_cache.REFERENCE_VERSION_KEY, public_cache.bulk_version_key("annuaire")],
        lambda: loader.render_to_string("pages/_home_search.html", {"search_form": DirectorySearchForm()}),
    )
    context = {"search_form_html": search_form_html, "latest_articles": latest_articles(timezone.now())}
    return render(request, "pages/home.html", context)


@login_not_required
@public_page
def privacy(request):
    return render(request, "pages/privacy.html")


@login_not_required
@public_page
def accessibility(request):
    return render(
        request,
        "pages/accessibility.html",
        {
            "statement_date": ACCESSIBILITY_STATEMENT_DATE,
            "statement_date_text": french_date(ACCESSIBILITY_STATEMENT_DATE),
        },
    )


@login_not_required
@public_page
def accessibility_plan(request):
    return render(request, "pages/accessibility_plan.html")


@login_not_required
@public_page
def legal(request):
    return render(request, "pages/legal.html")


@login_not_required
@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers, 503 when it does not, within 2 s whatever hangs.

    Also reported: the broker, the outbox (backlog, age of the oldest waiting row, failures, time
    since the sweep last ran) and the alerts an operator's monitor should raise (pages/health.py).
    """
    payload, status = health()
    return JsonResponse(payload, status=status)


def server_error(request):
    """The 500 handler; a database that cannot be reached gets the 503 page instead.

    Called by Django while it handles the exception, hence `sys.exc_info()`. Both pages are
    rendered without a request nor the context processors: nothing that needs the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        content = loader.render_to_string("503.html", {"emergency_numbers": EMERGENCY_NUMBERS})
        response = HttpResponse(content, status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
