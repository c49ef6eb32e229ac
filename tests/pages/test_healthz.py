"""`/healthz`: what a load balancer or an operator asks the portal — the database, and the broker."""

import contextlib

import pytest
from django.db import OperationalError, connection

from promeneurs.celery import app as celery_app
from tests.test_celery import free_port, throwaway_redis

URL = "/healthz"
pytestmark = pytest.mark.django_db

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
    # The test database cannot be stopped under a running test session, and pointing the settings at
    # a closed port would not reach the connection Django already holds. A connection whose cursor
    # raises OperationalError is what Django gives when the server is gone: psycopg's "connection
    # refused" and SQLite's "unable to open database" both surface as django.db.OperationalError.
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused (simulated by the test)")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unreachable)
        response = client.get(URL)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "indisponible"


def test_unreachable_broker_is_reported_but_the_site_is_up(client):
    closed_port = free_port()  # bound then released: nothing listens there
    with celery_broker(f"redis://127.0.0.1:{closed_port}/0"):
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "indisponible"}


def test_running_broker_is_reported_ok(client, tmp_path):
    with throwaway_redis(tmp_path) as redis_url, celery_broker(redis_url):
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_is_allowed(client, method):
    assert getattr(client, method)(URL).status_code == 405
