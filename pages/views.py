import datetime
import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from news.models import Article
from promeneurs.celery import app as celery_app
from promeneurs.public_cache import public_page
from promeneurs.typography import day_and_month
from structures.forms import DirectorySearchForm

logger = logging.getLogger(__name__)

# When the accessibility statement was last written: change it with the statement.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 1)


@login_not_required
@public_page
def home(request):
    context = {"search_form": DirectorySearchForm(), "latest_articles": Article.objects.latest_published(3)}
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
            "statement_date_text": f"{day_and_month(ACCESSIBILITY_STATEMENT_DATE)} {ACCESSIBILITY_STATEMENT_DATE.year}",
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


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("healthz: database unreachable")
        return "indisponible"
    return "ok"


def broker_state():
    if celery_app.conf.task_always_eager:
        return "sans broker (tâches exécutées immédiatement)"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception:  # kombu raises several kinds of errors for an unreachable broker
        logger.warning("healthz: broker unreachable", exc_info=True)
        return "indisponible"
    return "ok"


@login_not_required
@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers, 503 when it does not; the broker's state is reported."""
    database = database_state()
    payload = {"database": database, "broker": broker_state()}
    return JsonResponse(payload, status=200 if database == "ok" else 503)
