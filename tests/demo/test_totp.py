import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured

from demo.totp import DEMO_TOTP_SECRET, give_demo_accounts_totp
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.helpers import login_with_totp

pytestmark = pytest.mark.django_db


def test_demo_secret_is_refused_without_debug(settings):
    settings.DEBUG = False
    user = UserFactory()

    with pytest.raises(ImproperlyConfigured):
        give_demo_accounts_totp([user])
    assert not Authenticator.objects.exists()


def test_demo_accounts_log_in_with_the_readme_secret(settings, client):
    settings.DEBUG = True
    settings.MFA_REQUIRED = True
    user = UserFactory()

    give_demo_accounts_totp([user])
    give_demo_accounts_totp([user])  # idempotent

    assert sorted(Authenticator.objects.values_list("type", flat=True)) == ["recovery_codes", "totp"]
    login_with_totp(client, user, DEFAULT_PASSWORD, secret=DEMO_TOTP_SECRET)
    assert client.get("/tableau-de-bord/").status_code == 200


def test_readme_gives_the_demo_secret():
    from pathlib import Path

    assert DEMO_TOTP_SECRET in (Path(__file__).resolve().parents[2] / "README.md").read_text()
