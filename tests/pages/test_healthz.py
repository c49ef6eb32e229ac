"""`/healthz`: what a load balancer or an operator asks the portal — the database, the broker, the outbox.

The checks run in threads of their own (pages/health.py); the faults of hung services, with real
processes, are in tests/test_faults.py.
"""

import contextlib
import datetime

import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Heartbeat, Notification
from pages.health import alerts, outbox_figures
from promeneurs.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.ports import free_port
from tests.test_celery import throwaway_redis

URL = "/healthz"
# The checks run in another thread, with a connection of its own: it sees committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)

BROKER_STATES = {"ok", "indisponible", "sans broker (tâches exécutées immédiatement)"}


@contextlib.contextmanager
def celery_broker(url):
    """Point the portal's Celery app at `url`, not eager; restore its configuration afterwards.

    Changing Django's CELERY_* settings at run time does not reach an already configured Celery
    app, so the test changes the app's own configuration.
    """
    saved = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        celery_app.conf.update(saved)


def test_anonymous_visitor_gets_the_state_of_database_and_broker(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert payload["database"] == "ok"
    assert payload["broker"] in BROKER_STATES
    assert "no-cache" in response["Cache-Control"]


def test_without_broker_the_embedded_default_is_reported(client):
    with celery_broker("memory://"):
        celery_app.conf.task_always_eager = True
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["broker"] == "sans broker (tâches exécutées immédiatement)"


def test_unreachable_database_answers_503(client, monkeypatch):
    # The test database cannot be stopped under a running test session (tests/test_faults.py puts
    # a proxy in front of it instead). Every connection's cursor raising OperationalError is what
    # Django gives when the server is gone: psycopg's "connection refused" and SQLite's "unable to
    # open database" both surface as django.db.OperationalError.
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused (simulated by the test)")

    with monkeypatch.context() as patch:
        patch.setattr(type(connections["default"]), "cursor", unreachable)
        response = client.get(URL)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "indisponible"


def test_unreachable_broker_is_reported_but_the_site_is_up(client):
    closed_port = free_port()  # bound then released: nothing listens there
    with celery_broker(f"redis://127.0.0.1:{closed_port}/0"):
        response = client.get(URL)

    assert response.status_code == 200
    assert (response.json()["database"], response.json()["broker"]) == ("ok", "indisponible")


def test_running_broker_is_reported_ok(client, tmp_path):
    with throwaway_redis(tmp_path) as redis_url, celery_broker(redis_url):
        response = client.get(URL)

    assert response.status_code == 200
    assert (response.json()["database"], response.json()["broker"]) == ("ok", "ok")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_is_allowed(client, method):
    assert getattr(client, method)(URL).status_code == 405


def notification(status, created_at, **fields):
    return Notification.objects.create(
        recipient=UserFactory(),
        kind=NotificationKind.REQUEST_NEW,
        status=status,
        created_at=created_at,
        next_attempt_at=created_at,
        **fields,
    )


def test_the_outbox_backlog_its_oldest_row_failures_and_the_sweep_are_reported(client):
    now = timezone.now()
    notification(NotificationStatus.PENDING, now - datetime.timedelta(hours=3))
    notification(NotificationStatus.SENDING, now - datetime.timedelta(minutes=5))
    notification(NotificationStatus.FAILED, now - datetime.timedelta(days=4))
    notification(NotificationStatus.SENT, now - datetime.timedelta(days=9))
    Heartbeat.beat(Heartbeat.SWEEP, now - datetime.timedelta(seconds=30))

    response = client.get(URL)

    assert response.status_code == 200
    outbox = response.json()["outbox"]
    assert outbox["backlog"] == 2
    assert 3 * 3600 <= outbox["oldest_pending_seconds"] < 3 * 3600 + 60
    assert outbox["failed"] == 1
    assert 30 <= outbox["sweep_last_ran_seconds"] < 90
    assert response.json()["alerts"] == ["1 notification(s) en échec après la période d’essais."]


def test_a_sweep_that_stopped_running_is_an_alert(client, settings):
    settings.NOTIFICATION_SWEEP_ALERT_SECONDS = 300
    Heartbeat.beat(Heartbeat.SWEEP, timezone.now() - datetime.timedelta(minutes=6))

    alerts = client.get(URL).json()["alerts"]

    assert alerts == ["Le balayage de la boîte d’envoi ne tourne plus : vérifier beat et le worker."]


def test_a_sweep_that_never_ran_is_an_alert_and_an_empty_outbox_has_no_age():
    figures = outbox_figures()

    assert figures == {
        "backlog": 0,
        "oldest_pending_seconds": None,
        "failed": 0,
        "sweep_last_ran_seconds": None,
    }
    assert alerts(figures) == ["Le balayage de la boîte d’envoi ne tourne plus : vérifier beat et le worker."]


def test_the_sweep_records_when_it_ran(client):
    from notifications.services import outbox_sweep

    assert Heartbeat.last(Heartbeat.SWEEP) is None
    outbox_sweep()
    assert (timezone.now() - Heartbeat.last(Heartbeat.SWEEP)).total_seconds() < 60
    assert client.get(URL).json()["alerts"] == []
