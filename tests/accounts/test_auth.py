"""Accounts through allauth under /comptes/: e-mail login, no public sign-up, password reset, logout."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.structures.factories import CoordinationFactory, PromeneurFactory, StructureMembershipFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/comptes/login/"
DASHBOARD_URL = "/tableau-de-bord/"


def is_authenticated(client):
    return "_auth_user_id" in client.session


def test_login_with_email_lands_on_the_dashboard(client):
    user = UserFactory(email="animatrice@structure.test")

    response = client.post(
        LOGIN_URL, {"login": "animatrice@structure.test", "password": DEFAULT_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == DASHBOARD_URL
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "<h1>Tableau de bord</h1>" in response.content.decode()


def test_login_ignores_the_case_of_the_email(client):
    UserFactory(email="animatrice@structure.test")

    response = client.post(LOGIN_URL, {"login": "Animatrice@Structure.TEST", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL


def test_wrong_password_shows_an_error_and_keeps_the_email(client):
    UserFactory(email="animatrice@structure.test")

    response = client.post(
        LOGIN_URL, {"login": "animatrice@structure.test", "password": "pas-le-bon-mot-de-passe"}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "incorrect" in text
    assert 'value="animatrice@structure.test"' in text
    assert not is_authenticated(client)


def test_inactive_account_cannot_log_in(client):
    UserFactory(email="parti@structure.test", is_active=False)

    client.post(LOGIN_URL, {"login": "parti@structure.test", "password": DEFAULT_PASSWORD})

    assert not is_authenticated(client)


def test_there_is_no_public_sign_up(client):
    User = get_user_model()
    before = User.objects.count()

    page = client.get("/comptes/signup/")
    response = client.post(
        "/comptes/signup/",
        {
            "email": "inconnu@exemple.test",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )

    # allauth answers its "sign-up closed" page (200), to a GET as to a POST: no form, nobody created.
    for answer in (page, response):
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "Inscriptions fermées" in text
        assert 'name="password1"' not in text
    assert User.objects.count() == before
    assert not User.objects.filter(email="inconnu@exemple.test").exists()
    assert not is_authenticated(client)


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="animatrice@structure.test")

    page = client.get("/comptes/password/reset/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()

    response = client.post("/comptes/password/reset/", {"email": "animatrice@structure.test"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["animatrice@structure.test"]
    assert message.subject.startswith("[Promeneurs du Net]")
    link = re.search(r"https?://[^/\s]+(/comptes/password/reset/key/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "un-nouveau-mot-de-passe-42"
    done = client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_page_is_public(client):
    response = client.get("/comptes/password/reset/")

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_logout_by_post(client):
    user = UserFactory()
    client.force_login(user)

    # A GET only asks for confirmation: a link or an image cannot log someone out.
    client.get("/comptes/logout/")
    assert is_authenticated(client)

    response = client.post("/comptes/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_authenticated(client)


def test_dashboard_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(DASHBOARD_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={DASHBOARD_URL}"


def test_dashboard_shows_a_promeneur_their_role_and_public_profile(client):
    promeneur = PromeneurFactory(first_name="Inès")
    client.force_login(promeneur.user)

    text = client.get(DASHBOARD_URL).content.decode()

    assert "promeneur·se" in text
    assert f'href="{promeneur.get_absolute_url()}"' in text
    assert 'href="/admin/"' not in text


def test_dashboard_hides_the_profile_link_of_a_promeneur_not_yet_labelled(client):
    promeneur = PromeneurFactory(candidate=True)
    client.force_login(promeneur.user)

    text = client.get(DASHBOARD_URL).content.decode()

    assert "promeneur·se" in text
    assert promeneur.get_absolute_url() not in text


def test_dashboard_shows_referent_structures_and_coordinated_departments(client):
    user = UserFactory()
    membership = StructureMembershipFactory(user=user, structure__name="Espace socioculturel Ruban Vert")
    coordination = CoordinationFactory(user=user)
    client.force_login(user)

    text = client.get(DASHBOARD_URL).content.decode()

    assert "référent·e de structure" in text
    assert "coordination départementale" in text
    assert "Espace socioculturel Ruban Vert" in text
    assert str(coordination.department) in text
    assert membership.structure.get_absolute_url() in text


def test_dashboard_links_staff_to_the_admin(client):
    client.force_login(UserFactory(caf_staff=True))

    text = client.get(DASHBOARD_URL).content.decode()

    assert "personnel CAF" in text
    assert 'href="/admin/"' in text
