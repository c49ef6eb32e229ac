import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.structures.factories import (
    CoordinationFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)
from tests.structures.test_admin import admin_form_data, messages_of

# WhiteNoise warns when STATIC_ROOT has not been collected yet, which is not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

USERS = reverse("admin:accounts_user_changelist")
ADD_USER = reverse("admin:accounts_user_add")
STRONG_PASSWORD = "une-phrase-de-passe-vraiment-solide-2026"


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


@pytest.fixture
def caf_staff(db):
    return UserFactory(caf_staff=True, email="agent.caf@example.test")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin@example.test", STRONG_PASSWORD)


@pytest.fixture
def coordinator(dordogne):
    return CoordinationFactory(department=dordogne, user__email="coordination24@example.test").user


@pytest.fixture
def structure_24(dordogne):
    return StructureFactory(name="Centre social La Périgourdine", department=dordogne)


@pytest.fixture
def structure_33(gironde):
    return StructureFactory(name="Maison de quartier Bordelaise", department=gironde, postcode="33000")


@pytest.fixture
def promeneur_24(structure_24):
    return PromeneurFactory(structure=structure_24, user__email="promeneuse24@example.test").user


@pytest.fixture
def referent_24(structure_24):
    return StructureMembershipFactory(structure=structure_24, user__email="referent24@example.test").user


@pytest.fixture
def promeneur_33(structure_33):
    return PromeneurFactory(structure=structure_33, user__email="promeneur33@example.test").user


# --- CAF national staff manage the accounts --------------------------------------------------


def test_caf_staff_lists_every_account(client, caf_staff, coordinator, promeneur_24, promeneur_33):
    client.force_login(caf_staff)
    content = client.get(USERS).content.decode()
    for email in ("coordination24@example.test", "promeneuse24@example.test", "promeneur33@example.test"):
        assert email in content


def test_role_filter_lists_the_coordinators(client, caf_staff, coordinator, promeneur_24):
    client.force_login(caf_staff)
    content = client.get(USERS, {"role": "coordination"}).content.decode()
    assert "coordination24@example.test" in content
    assert "promeneuse24@example.test" not in content


def test_caf_staff_creates_an_account_with_a_password(client, caf_staff):
    client.force_login(caf_staff)
    data = admin_form_data(client.get(ADD_USER))
    data.update(
        email="Nouvelle.Coordination@Example.TEST",
        first_name="Nadia",
        usable_password="true",
        password1=STRONG_PASSWORD,
        password2=STRONG_PASSWORD,
    )
    response = client.post(ADD_USER, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="nouvelle.coordination@example.test")
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_caf_staff and not user.is_superuser


def test_caf_staff_creates_an_account_without_a_usable_password(client, caf_staff):
    client.force_login(caf_staff)
    data = admin_form_data(client.get(ADD_USER))
    data.update(email="invitee@example.test", usable_password="false", password1="", password2="")
    assert client.post(ADD_USER, data).status_code == 302
    assert not User.objects.get(email="invitee@example.test").has_usable_password()


def test_add_form_refuses_an_email_already_used_whatever_its_case(client, caf_staff, promeneur_24):
    client.force_login(caf_staff)
    data = admin_form_data(client.get(ADD_USER))
    data.update(email="PROMENEUSE24@example.test", usable_password="false")
    response = client.post(ADD_USER, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "Un compte existe déjà avec cette adresse e-mail."
    ]


def test_change_page_never_shows_the_password_hash(client, caf_staff, promeneur_24):
    client.force_login(caf_staff)
    response = client.get(change_url(promeneur_24))
    assert response.status_code == 200
    content = response.content.decode()
    algorithm, salt, hashed = promeneur_24.password.split("$")
    assert salt not in content
    assert hashed not in content
    # Django's read-only summary is there, with its link to set another password.
    assert "md5" in content
    assert 'href="../password/"' in content


def test_caf_staff_grants_national_roles(client, caf_staff, referent_24):
    client.force_login(caf_staff)
    url = change_url(referent_24)
    data = admin_form_data(client.get(url))
    data.update(is_moderator="on", is_caf_staff="on")
    assert client.post(url, data).status_code == 302
    referent_24.refresh_from_db()
    assert referent_24.is_moderator and referent_24.is_caf_staff


def test_a_promeneur_account_gets_no_national_role(client, caf_staff, promeneur_24):
    client.force_login(caf_staff)
    url = change_url(promeneur_24)
    data = admin_form_data(client.get(url))
    data.update(is_moderator="on", is_caf_staff="on")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "ne peut pas recevoir un rôle national" in response.content.decode()
    promeneur_24.refresh_from_db()
    assert not (promeneur_24.is_moderator or promeneur_24.is_caf_staff)


def test_only_a_superuser_sees_and_sets_the_superuser_flag(client, caf_staff, superuser, promeneur_24):
    client.force_login(caf_staff)
    url = change_url(promeneur_24)
    response = client.get(url)
    assert "is_superuser" not in response.context["adminform"].form.fields
    data = admin_form_data(response)
    data["is_superuser"] = "on"
    assert client.post(url, data).status_code == 302
    promeneur_24.refresh_from_db()
    assert not promeneur_24.is_superuser

    client.force_login(superuser)
    assert "is_superuser" in client.get(url).context["adminform"].form.fields


def test_caf_staff_cannot_change_a_superuser_nor_their_password(client, caf_staff, superuser):
    client.force_login(caf_staff)
    response = client.get(change_url(superuser))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(change_url(superuser), {"email": "pirate@example.test"}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password_url).status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "admin@example.test"


def test_accounts_are_deleted_by_superusers_only(client, caf_staff, superuser, promeneur_24):
    delete_url = reverse("admin:accounts_user_delete", args=[promeneur_24.pk])
    client.force_login(caf_staff)
    assert client.get(delete_url).status_code == 403
    client.force_login(superuser)
    assert client.get(delete_url).status_code == 200


# --- Coordinators only look at their départements' people -----------------------------------


def test_coordinator_lists_only_promeneurs_and_referents_of_their_departements(
    client, coordinator, caf_staff, promeneur_24, referent_24, promeneur_33
):
    UserFactory(email="sans-role@example.test")
    client.force_login(coordinator)
    response = client.get(USERS)
    assert response.status_code == 200
    content = response.content.decode()
    assert "promeneuse24@example.test" in content
    assert "referent24@example.test" in content
    for email in ("promeneur33@example.test", "agent.caf@example.test", "sans-role@example.test"):
        assert email not in content
    assert ADD_USER not in content


def test_coordinator_cannot_open_the_account_of_another_departements_promeneur(
    client, coordinator, promeneur_33
):
    client.force_login(coordinator)
    response = client.get(change_url(promeneur_33))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert any("n’existe pas" in message for message in messages_of(response))


def test_coordinator_views_an_account_read_only_without_any_password_information(
    client, coordinator, promeneur_24
):
    client.force_login(coordinator)
    url = change_url(promeneur_24)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    content = response.content.decode()
    assert "promeneuse24@example.test" in content
    assert promeneur_24.password.split("$")[1] not in content
    assert 'href="../password/"' not in content
    assert "md5" not in content
    assert "is_caf_staff" not in content
    assert client.post(url, {"email": "autre@example.test"}).status_code == 403
    assert client.get(reverse("admin:auth_user_password_change", args=[promeneur_24.pk])).status_code == 403
    assert client.get(ADD_USER).status_code == 403


def test_coordinator_sees_only_their_departements_roles_of_an_account(
    client, coordinator, referent_24, structure_33
):
    StructureMembershipFactory(user=referent_24, structure=structure_33)
    client.force_login(coordinator)
    content = client.get(change_url(referent_24)).content.decode()
    assert "Centre social La Périgourdine" in content
    assert "Maison de quartier Bordelaise" not in content


def test_coordinator_user_autocomplete_only_returns_people_of_their_departements(
    client, coordinator, promeneur_24, promeneur_33
):
    client.force_login(coordinator)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "structures",
            "model_name": "structuremembership",
            "field_name": "user",
            "term": "example",
        },
    )
    assert [row["text"] for row in response.json()["results"]] == [str(promeneur_24)]


@pytest.mark.parametrize("role", ["caf_staff", "coordinator"])
def test_user_changelist_query_count_does_not_grow_with_rows(
    client, request, structure_24, role, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(role))
    PromeneurFactory(structure=structure_24)
    with django_assert_max_num_queries(40) as few:
        response = client.get(USERS)
    shown = response.context["cl"].result_count
    PromeneurFactory.create_batch(19, structure=structure_24)
    StructureMembershipFactory.create_batch(5, structure=structure_24)
    with django_assert_num_queries(len(few)):
        response = client.get(USERS)
    assert response.context["cl"].result_count == shown + 24


def test_groups_are_not_offered_in_the_admin(client, superuser):
    client.force_login(superuser)
    content = client.get(reverse("admin:index")).content.decode()
    assert "/admin/auth/group/" not in content
    assert client.get("/admin/auth/group/").status_code == 404
