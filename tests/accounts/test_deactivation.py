"""Leaving: access removed at once, open requests back to the structure's pool, profile hidden."""

import pytest
from django.contrib.sessions.models import Session

from referrals.enums import Outcome, RequestStatus, TargetKind
from referrals.models import ContactRequest
from structures.enums import PromeneurStatus
from structures.models import Promeneur
from structures.services import promeneur_deactivate
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import PromeneurFactory

pytestmark = pytest.mark.django_db


def test_deactivation_flow(client):
    promeneur = PromeneurFactory()
    client.force_login(promeneur.user)
    assert client.get("/tableau-de-bord/").status_code == 200
    claimed = ContactRequestFactory(
        structure=promeneur.structure,
        assignee=promeneur,
        status=RequestStatus.CLAIMED,
        claimed_at="2026-01-01T10:00Z",
        target_kind=TargetKind.PROMENEUR,
    )
    in_contact = ContactRequestFactory(
        structure=promeneur.structure,
        assignee=promeneur,
        status=RequestStatus.IN_CONTACT,
        claimed_at="2026-01-01T10:00Z",
        target_kind=TargetKind.PROMENEUR,
    )
    closed = ContactRequestFactory(
        structure=promeneur.structure,
        assignee=promeneur,
        status=RequestStatus.CLOSED,
        outcome=Outcome.OUT_OF_SCOPE,
        target_kind=TargetKind.PROMENEUR,
    )
    staff = UserFactory(caf_staff=True)
    assert client.get(promeneur.get_absolute_url()).status_code == 200

    returned = promeneur_deactivate(promeneur=promeneur, by=staff)

    assert returned == 2
    promeneur.refresh_from_db()
    assert promeneur.status == PromeneurStatus.LEFT
    assert not promeneur.user.is_active
    assert not Session.objects.exists()
    # The same browser is signed out at once.
    assert client.get("/tableau-de-bord/").status_code == 302
    for request in (claimed, in_contact):
        request.refresh_from_db()
        assert (request.status, request.assignee) == (RequestStatus.NEW, None)
        change = request.history.latest("at")
        assert (change.to_status, change.by) == (RequestStatus.NEW, staff)
    assert ContactRequest.objects.get(pk=closed.pk).assignee == promeneur
    assert promeneur not in Promeneur.objects.public()
    assert client.get(promeneur.get_absolute_url()).status_code == 404


def test_admin_action_deactivates(client):
    promeneur = PromeneurFactory()
    client.force_login(UserFactory(caf_staff=True))

    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate_accounts", "_selected_action": [promeneur.user.pk]}
    )

    assert response.status_code == 302
    promeneur.refresh_from_db()
    assert promeneur.status == PromeneurStatus.LEFT and not promeneur.user.is_active
