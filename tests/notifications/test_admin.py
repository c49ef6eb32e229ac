"""The outbox in the admin: CAF staff only, read-only, a "Réessayer" action for failed rows."""

import pytest
from django.core import mail
from django.db import transaction

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from tests.accounts.factories import UserFactory

from .conftest import YOUNG_EMAIL, assert_no_secret

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

CHANGELIST = "/admin/notifications/notification/"


@pytest.fixture
def outbox(world, make_request):
    contact_request = make_request()
    context = {"request_id": contact_request.pk, "reference": contact_request.reference}
    failed = Notification.objects.create(
        recipient=world["promeneur"].user,
        kind=NotificationKind.REQUEST_NEW,
        context=context,
        status=NotificationStatus.FAILED,
        attempts=8,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    sent = Notification.objects.create(
        recipient=world["colleague"].user,
        kind=NotificationKind.REQUEST_NEW,
        context=context,
        status=NotificationStatus.SENT,
    )
    to_young_person = Notification.objects.create(
        recipient_request=contact_request, kind=NotificationKind.REQUEST_CLAIMED, context=context
    )
    return {"request": contact_request, "failed": failed, "sent": sent, "young": to_young_person}


def test_staff_see_the_young_persons_notice_by_reference_never_by_address(client, outbox):
    client.force_login(UserFactory(caf_staff=True))

    listing = client.get(CHANGELIST)
    page = client.get(f"{CHANGELIST}{outbox['young'].pk}/change/")

    assert listing.status_code == page.status_code == 200
    reference = outbox["request"].reference
    assert f"Le ou la jeune (demande {reference})" in listing.content.decode()
    assert f"Le ou la jeune (demande {reference})" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    for response in (listing, page):
        assert YOUNG_EMAIL not in response.content.decode()
        assert_no_secret(response.content.decode())


@pytest.mark.parametrize(
    "lookup",
    ["recipient_request__email__icontains", "recipient_request__message__contains", "recipient_request__id"],
)
def test_no_lookup_reaches_the_request(client, outbox, lookup):
    client.force_login(UserFactory(caf_staff=True))

    response = client.get(CHANGELIST, {lookup: "z"})

    assert response.status_code == 400


def test_retry_puts_failed_notifications_back_in_the_queue(
    client, outbox, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(caf_staff=True))
    selected = [outbox["failed"].pk, outbox["sent"].pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHANGELIST, {"action": "retry", "_selected_action": selected}, follow=True)

    assert response.status_code == 200
    assert "1 notification(s) remise(s) en file d’envoi." in response.content.decode()
    failed = Notification.objects.get(pk=outbox["failed"].pk)
    assert (failed.status, failed.attempts) == (NotificationStatus.SENT, 1)  # sent at once (eager here)
    assert [m.to for m in mail.outbox] == [[outbox["failed"].recipient.email]]
    assert Notification.objects.get(pk=outbox["sent"].pk).sent_at is None  # untouched


def test_retry_within_a_transaction_waits_for_its_commit(outbox):
    from notifications.services import notifications_retry

    with transaction.atomic():
        assert notifications_retry(queryset=Notification.objects.all()) == 1
    assert Notification.objects.get(pk=outbox["failed"].pk).status == NotificationStatus.PENDING
    assert mail.outbox == []  # in this test's transaction, nothing is committed, nothing is sent


@pytest.mark.parametrize("role", ["coordinator", "moderator", "promeneur"])
def test_other_roles_do_not_see_the_outbox(client, world, outbox, role):
    user = {
        "coordinator": world["coordinator"],
        "moderator": UserFactory(moderator=True),
        "promeneur": world["promeneur"].user,
    }[role]
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code in (302, 403)
    assert client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [outbox["failed"].pk]}
    ).status_code in (
        302,
        403,
    )
    assert Notification.objects.get(pk=outbox["failed"].pk).status == NotificationStatus.FAILED
