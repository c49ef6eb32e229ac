"""The second factor is mandatory for every signed-in account (accounts/middleware.py)."""

import pytest
from allauth.mfa.models import Authenticator

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.helpers import give_totp, login_with_totp, totp_code

pytestmark = pytest.mark.django_db

DASHBOARD = "/tableau-de-bord/"
ADMIN = "/admin/"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.mark.parametrize(
    "url", [DASHBOARD, "/tableau-de-bord/notifications/", ADMIN, "/admin/accounts/user/"]
)
def test_user_without_authenticator_is_sent_to_set_up_totp(client, url):
    client.force_login(UserFactory(caf_staff=True))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/comptes/2fa/totp/activate/"


def test_user_without_authenticator_may_open_public_and_account_pages(client):
    client.force_login(UserFactory())

    assert client.get("/").status_code == 200
    assert client.get("/annuaire/").status_code == 200
    # The set-up page asks for the password again first (allauth's reauthentication): still allauth.
    assert client.get("/comptes/2fa/totp/activate/")["Location"].startswith("/comptes/reauthenticate/")
    assert client.post("/comptes/logout/").status_code == 302


def test_setting_off_lets_force_login_through(client, settings):
    settings.MFA_REQUIRED = False
    client.force_login(UserFactory())

    assert client.get(DASHBOARD).status_code == 200


def test_session_that_did_not_pass_the_second_factor_is_refused(client):
    user = UserFactory(caf_staff=True)
    give_totp(user)
    client.force_login(user)

    for url in (DASHBOARD, ADMIN):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/2fa/reauthenticate/?next=")


def test_real_login_with_totp_opens_dashboard_and_admin(client):
    user = UserFactory(caf_staff=True)
    give_totp(user)

    login_with_totp(client, user, DEFAULT_PASSWORD)

    assert client.get(DASHBOARD).status_code == 200
    assert client.get(ADMIN).status_code == 200


def test_password_alone_does_not_sign_in_a_user_with_totp(client):
    user = UserFactory()
    give_totp(user)

    client.post("/comptes/login/", {"login": user.email, "password": DEFAULT_PASSWORD})

    assert "_auth_user_id" not in client.session
    assert client.get(DASHBOARD).status_code == 302


def test_setting_up_totp_in_the_session_passes_the_second_factor(client):
    user = UserFactory()
    client.post("/comptes/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert client.get(DASHBOARD)["Location"] == "/comptes/2fa/totp/activate/"

    # allauth asks for the password again before adding an authenticator.
    client.post("/comptes/reauthenticate/", {"password": DEFAULT_PASSWORD})
    page = client.get("/comptes/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    secret = page.context["form"].secret
    response = client.post("/comptes/2fa/totp/activate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(DASHBOARD).status_code == 200


def test_last_authenticator_cannot_be_removed(client):
    user = UserFactory()
    give_totp(user)
    login_with_totp(client, user, DEFAULT_PASSWORD)
    client.post("/comptes/reauthenticate/", {"password": DEFAULT_PASSWORD})

    response = client.post("/comptes/2fa/totp/deactivate/")

    assert response.status_code == 200

    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert "dernière double authentification" in response.content.decode()


def test_second_factor_page_renders(client):
    user = UserFactory()
    give_totp(user)
    login_with_totp(client, user, DEFAULT_PASSWORD)

    response = client.get("/comptes/2fa/")

    assert response.status_code == 200
    assert "Codes de secours" in response.content.decode()
