"""Accounts by invitation: who may invite whom, and the single-use, expiring link."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Invitation, InvitationRole, User
from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import notification_send
from structures.enums import PromeneurStatus
from structures.invitations import invitation_create
from structures.models import Coordination, StructureMembership
from tests.accounts.factories import UserFactory
from tests.structures.factories import (
    CoordinationFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/tableau-de-bord/invitations/"
PASSWORD = "un-long-mot-de-passe-tout-neuf"


@pytest.fixture
def structure(dordogne):
    return StructureFactory(department=dordogne)


@pytest.fixture
def other_structure(dordogne):
    return StructureFactory(department=dordogne)


@pytest.fixture
def coordinator(dordogne):
    return CoordinationFactory(department=dordogne).user


@pytest.fixture
def referent(structure):
    return StructureMembershipFactory(structure=structure).user


def invite(by, **kwargs):
    defaults = {"email": "nouvelle@example.test", "first_name": "Nora"}
    return invitation_create(by=by, **{**defaults, **kwargs})


def test_caf_staff_invites_a_coordinator(client, dordogne):
    client.force_login(UserFactory(caf_staff=True))

    response = client.post(
        LIST,
        {
            "email": "Coord@Example.test",
            "first_name": "Claire",
            "role": "coordinator",
            "department": dordogne.pk,
        },
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.department) == (
        "coord@example.test",
        "coordinator",
        dordogne,
    )
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    assert invitation.token not in invitation.token_hash  # only a hash is stored


def test_coordinator_invites_referents_only_in_their_departements(coordinator, structure, gironde):
    assert invite(coordinator, role=InvitationRole.REFERENT, structure=structure).structure == structure
    with pytest.raises(PermissionDenied):
        invite(coordinator, role=InvitationRole.REFERENT, structure=StructureFactory(department=gironde))
    with pytest.raises(PermissionDenied):
        invite(coordinator, role=InvitationRole.COORDINATOR, department=gironde)


def test_referent_cannot_invite_into_another_structure(client, referent, structure, other_structure):
    client.force_login(referent)

    response = client.post(
        LIST,
        {
            "email": "p@example.test",
            "first_name": "Paul",
            "role": "promeneur",
            "structure": other_structure.pk,
        },
    )

    assert response.status_code == 200
    assert not Invitation.objects.exists()
    with pytest.raises(PermissionDenied):
        invite(referent, role=InvitationRole.PROMENEUR, structure=other_structure)
    with pytest.raises(PermissionDenied):
        invite(referent, role=InvitationRole.REFERENT, structure=structure)


def test_referent_form_offers_only_their_structure(client, referent, structure, other_structure):
    client.force_login(referent)

    form = client.get(LIST).context["form"]

    assert list(form.fields["structure"].queryset) == [structure]
    assert [value for value, _ in form.fields["role"].choices] == ["promeneur"]


@pytest.mark.parametrize("kind", ["promeneur", "nobody", "moderator"])
def test_those_who_may_not_invite_get_404(client, kind, structure):
    user = {
        "promeneur": lambda: PromeneurFactory(structure=structure).user,
        "nobody": UserFactory,
        "moderator": lambda: UserFactory(moderator=True),
    }[kind]()
    client.force_login(user)

    assert client.get(LIST).status_code == 404
    assert client.post(LIST, {"email": "x@example.test"}).status_code == 404


def test_invitation_e_mail_goes_through_the_outbox_with_a_working_single_use_link(
    client, referent, structure, mailoutbox
):
    invitation = invite(referent, role=InvitationRole.PROMENEUR, structure=structure)

    row = Notification.objects.get(recipient_invitation=invitation)
    assert row.kind == NotificationKind.INVITATION and row.recipient is None
    # No address and no token in the outbox row: both are read from the invitation when sending.
    assert invitation.email not in str(row.context) and invitation.token not in str(row.context)
    # What the worker runs (the tests' transaction holds back the after-commit enqueueing).
    assert notification_send(notification_id=row.pk).status == "sent"
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    (message,) = mailoutbox
    assert message.to == ["nouvelle@example.test"]
    link = next(line for line in message.body.splitlines() if "/comptes/invitation/" in line).strip()
    assert link.endswith(invitation.get_accept_url())
    html = message.alternatives[0][0]
    assert invitation.get_accept_url() in html
    path = link.removeprefix(settings.SITE_URL)
    assert client.post(path, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    assert client.get(path).status_code == 410


def test_a_used_invitation_is_not_sent_again(referent, structure, mailoutbox):
    invitation = invite(referent, role=InvitationRole.PROMENEUR, structure=structure)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    row = Notification.objects.get(recipient_invitation=invitation)

    notification_send(notification_id=row.pk)

    row.refresh_from_db()
    assert row.status == NotificationStatus.SKIPPED and mailoutbox == []


def test_accepting_creates_the_account_with_the_role_once(client, referent, structure):
    invitation = invite(referent, role=InvitationRole.PROMENEUR, structure=structure, job="Animatrice")
    url = invitation.get_accept_url()

    assert client.get(url).status_code == 200
    response = client.post(url, {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.test")
    assert user.check_password(PASSWORD)
    assert user.promeneur.structure == structure
    assert user.promeneur.status == PromeneurStatus.CANDIDATE
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.user == user
    # Single use.
    again = client.get(url)
    assert again.status_code == 410
    assert "déjà été utilisée" in again.content.decode()


def test_accepting_checks_the_password(client, coordinator, structure):
    invitation = invite(coordinator, role=InvitationRole.REFERENT, structure=structure)

    response = client.post(invitation.get_accept_url(), {"password1": "123", "password2": "123"})

    assert response.status_code == 200
    assert not User.objects.filter(email="nouvelle@example.test").exists()
    client.post(invitation.get_accept_url(), {"password1": PASSWORD, "password2": PASSWORD})
    assert StructureMembership.objects.filter(
        user__email="nouvelle@example.test", structure=structure
    ).exists()


def test_coordinator_invitation_gives_the_departement(client, dordogne):
    invitation = invite(UserFactory(caf_staff=True), role=InvitationRole.COORDINATOR, department=dordogne)

    client.post(invitation.get_accept_url(), {"password1": PASSWORD, "password2": PASSWORD})

    assert Coordination.objects.filter(user__email="nouvelle@example.test", department=dordogne).exists()


def test_expired_link_is_refused(client, referent, structure):
    invitation = invite(referent, role=InvitationRole.PROMENEUR, structure=structure)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.post(invitation.get_accept_url(), {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 410
    assert "a expiré" in response.content.decode()
    assert not User.objects.filter(email="nouvelle@example.test").exists()


def test_unknown_link_is_a_clear_404(client):
    response = client.get("/comptes/invitation/pas-un-jeton/")

    assert response.status_code == 404
    assert "n’est pas valide" in response.content.decode()


def test_existing_account_must_sign_in_to_accept(client, coordinator, structure):
    existing = UserFactory(email="nouvelle@example.test")
    invitation = invite(coordinator, role=InvitationRole.REFERENT, structure=structure)

    anonymous = client.post(invitation.get_accept_url(), {"password1": PASSWORD, "password2": PASSWORD})
    assert "Connectez-vous" in anonymous.content.decode()
    existing.refresh_from_db()
    assert not existing.check_password(PASSWORD)

    client.force_login(existing)
    client.post(invitation.get_accept_url())
    assert StructureMembership.objects.filter(user=existing, structure=structure).exists()
