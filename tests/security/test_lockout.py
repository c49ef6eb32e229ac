"""allauth's rate limits: an account is locked out after repeated failures."""

import pytest

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.helpers import give_totp

pytestmark = pytest.mark.django_db


def test_login_locked_out_after_repeated_failures(client, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_ATTEMPTS_LIMIT):
        response = client.post("/comptes/login/", {"login": user.email, "password": "pas-le-bon"})
        assert response.status_code == 200

    response = client.post("/comptes/login/", {"login": user.email, "password": DEFAULT_PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()


def test_totp_code_locked_out_after_repeated_failures(client, settings):
    user = UserFactory()
    give_totp(user)
    client.post("/comptes/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    for _ in range(settings.LOGIN_ATTEMPTS_LIMIT):
        client.post("/comptes/2fa/authenticate/", {"code": "000000"})

    from tests.security.helpers import totp_code

    response = client.post("/comptes/2fa/authenticate/", {"code": totp_code()})

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_rate_limits_use_the_default_cache(settings):
    # Redis in production (REDIS_URL): shared by every process.
    from allauth.account import app_settings

    assert app_settings.RATE_LIMITS["login_failed"].endswith(
        f"{settings.LOGIN_ATTEMPTS_LIMIT}/{settings.LOGIN_ATTEMPTS_TIMEOUT}s/key"
    )
    assert "reset_password" in app_settings.RATE_LIMITS
