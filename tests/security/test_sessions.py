"""Signed-in sessions: 30 minutes idle, 12 hours at most (accounts/middleware.py)."""

import datetime

import pytest
from freezegun import freeze_time

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/tableau-de-bord/"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_session_ends_after_thirty_idle_minutes(client):
    with freeze_time(START) as frozen:
        client.force_login(UserFactory())
        frozen.tick(datetime.timedelta(minutes=29))
        assert client.get(DASHBOARD).status_code == 200
        frozen.tick(datetime.timedelta(minutes=29))
        assert client.get(DASHBOARD).status_code == 200  # activity renewed the idle delay
        frozen.tick(datetime.timedelta(minutes=31))

        response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")
    assert "_auth_user_id" not in client.session


def test_session_ends_after_the_maximum_even_when_active(client, settings):
    settings.SESSION_MAX_SECONDS = 3600  # the stored session (12 h) would otherwise end first
    with freeze_time(START) as frozen:
        client.force_login(UserFactory())
        for _ in range(3):
            frozen.tick(datetime.timedelta(minutes=19))
            assert client.get(DASHBOARD).status_code == 200
        frozen.tick(datetime.timedelta(minutes=19))

        response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_default_limits(settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_MAX_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_AGE <= settings.SESSION_MAX_SECONDS
