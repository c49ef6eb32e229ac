"""Requests left waiting: a reminder at 48 h, an escalation at 96 h, each once; orientations about to
expire. With a frozen clock, through the periodic tasks as beat runs them."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from freezegun import freeze_time

from notifications.enums import NotificationFrequency, NotificationKind, NotificationStatus
from notifications.models import Notification, NotificationEvent, NotificationPreference
from notifications.services import notification_send
from referrals.enums import Outcome, RequestStatus, TargetKind
from referrals.services import contact_request_claim
from referrals.tasks import remind_unclaimed_requests, warn_expiring_orientations
from tests.referrals.factories import OrientationFactory
from tests.structures.factories import CoordinationFactory, PromeneurFactory

from .conftest import NOW, assert_no_secret, email_texts

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def run_at(moment):
    with freeze_time(moment):
        return remind_unclaimed_requests.apply().get()


def rows(kind):
    return Notification.objects.filter(kind=kind).select_related("recipient")


def recipients(kind):
    return {row.recipient for row in rows(kind)}


def send_all():
    for row in Notification.objects.filter(status=NotificationStatus.PENDING):
        notification_send(notification_id=row.pk)


def test_a_pool_request_is_reminded_at_48_hours_then_escalated_at_96_each_once(world, make_request):
    contact_request = make_request(created_at=NOW)
    structure_team = {world["promeneur"].user, world["colleague"].user, world["referent"]}

    assert run_at(NOW + 47 * HOUR) == {"reminders": 0, "escalations": 0}
    assert run_at(NOW + 48 * HOUR) == {"reminders": 1, "escalations": 0}
    assert run_at(NOW + 60 * HOUR) == {"reminders": 0, "escalations": 0}  # once
    assert recipients(NotificationKind.REQUEST_REMINDER) == structure_team
    assert not rows(NotificationKind.REQUEST_ESCALATED).exists()

    assert run_at(NOW + 95 * HOUR) == {"reminders": 0, "escalations": 0}
    assert run_at(NOW + 96 * HOUR) == {"reminders": 0, "escalations": 1}
    assert run_at(NOW + 200 * HOUR) == {"reminders": 0, "escalations": 0}  # once
    assert recipients(NotificationKind.REQUEST_ESCALATED) == {world["coordinator"]}
    assert rows(NotificationKind.REQUEST_REMINDER).count() == len(structure_team)
    assert set(NotificationEvent.objects.values_list("key", flat=True)) == {
        f"request_reminder:{contact_request.pk}",
        f"request_escalated:{contact_request.pk}",
    }

    send_all()
    assert len(mail.outbox) == len(structure_team) + 1
    escalation = next(m for m in mail.outbox if m.to == [world["coordinator"].email])
    assert f"Demande {contact_request.reference} sans prise en charge depuis 96 h" in escalation.subject
    for message in mail.outbox:
        assert contact_request.reference in message.subject
        assert_no_secret(*email_texts(message))


def test_a_request_taken_in_charge_is_neither_reminded_nor_escalated(world, make_request):
    contact_request = make_request(created_at=NOW)
    with freeze_time(NOW + 50 * HOUR):
        assert remind_unclaimed_requests.apply().get()["reminders"] == 1
        contact_request_claim(
            request=contact_request, promeneur=world["promeneur"], by=world["promeneur"].user
        )

    assert run_at(NOW + 100 * HOUR) == {"reminders": 0, "escalations": 0}
    assert not rows(NotificationKind.REQUEST_ESCALATED).exists()


@pytest.mark.parametrize("status", [RequestStatus.WITHDRAWN, RequestStatus.SPAM, RequestStatus.CLOSED])
def test_a_request_no_longer_new_gets_nothing(world, make_request, status):
    extra = (
        {"outcome": Outcome.NO_ANSWER, "assignee": world["promeneur"]}
        if status == RequestStatus.CLOSED
        else {}
    )
    make_request(created_at=NOW, status=status, **extra)

    assert run_at(NOW + 100 * HOUR) == {"reminders": 0, "escalations": 0}
    assert not Notification.objects.exists()


def test_a_request_sent_to_a_promeneur_reminds_them_and_their_structure(world, make_request):
    make_request(created_at=NOW, assignee=world["promeneur"], target_kind=TargetKind.PROMENEUR)

    run_at(NOW + (settings.REQUEST_REMINDER_HOURS + 1) * HOUR)

    assert recipients(NotificationKind.REQUEST_REMINDER) == {
        world["promeneur"].user,
        world["colleague"].user,
        world["referent"],
    }


def test_a_department_pool_request_is_reminded_to_the_coordination(world, make_request):
    make_request(created_at=NOW, structure=None, target_kind=TargetKind.DEPARTMENT)

    run_at(NOW + (settings.REQUEST_REMINDER_HOURS + 1) * HOUR)

    assert recipients(NotificationKind.REQUEST_REMINDER) == {world["coordinator"]}


def test_a_request_first_seen_after_96_hours_gets_the_escalation_only(world, make_request):
    make_request(created_at=NOW)

    assert run_at(NOW + 120 * HOUR) == {"reminders": 0, "escalations": 1}
    assert run_at(NOW + 121 * HOUR) == {"reminders": 0, "escalations": 0}
    assert not rows(NotificationKind.REQUEST_REMINDER).exists()


def test_with_no_coordinator_yet_the_escalation_waits_for_one(world, make_request):
    world["coordinator"].coordinations.all().delete()
    make_request(created_at=NOW)

    assert run_at(NOW + 97 * HOUR)["escalations"] == 0
    new_coordinator = CoordinationFactory(department=world["department"]).user
    assert run_at(NOW + 98 * HOUR)["escalations"] == 1
    assert recipients(NotificationKind.REQUEST_ESCALATED) == {new_coordinator}


def test_the_escalation_goes_out_whatever_the_coordinators_preference(world, make_request):
    NotificationPreference.objects.create(user=world["coordinator"], frequency=NotificationFrequency.OFF)
    make_request(created_at=NOW)
    run_at(NOW + (settings.REQUEST_ESCALATION_HOURS + 1) * HOUR)

    send_all()

    assert [m.to for m in mail.outbox] == [[world["coordinator"].email]]


def test_an_orientation_expiring_within_three_days_warns_its_receiving_structure_once(world, make_request):
    receiving = PromeneurFactory(first_name="Capucine", structure__name="Mission locale du Périgord")
    with freeze_time(NOW):
        orientation = OrientationFactory(
            request=make_request(assignee=world["promeneur"], status=RequestStatus.IN_CONTACT),
            from_structure=world["structure"],
            to_structure=receiving.structure,
            created_by=world["promeneur"].user,
        )  # expires 30 days later

    with freeze_time(NOW + datetime.timedelta(days=26, hours=23)):
        assert warn_expiring_orientations.apply().get() == 0
    with freeze_time(NOW + datetime.timedelta(days=27, hours=1)):
        assert warn_expiring_orientations.apply().get() == 1
        assert warn_expiring_orientations.apply().get() == 0
    with freeze_time(NOW + datetime.timedelta(days=31)):
        assert warn_expiring_orientations.apply().get() == 0  # expired: nothing to warn about

    [row] = rows(NotificationKind.ORIENTATION_EXPIRING)
    assert row.recipient == receiving.user
    assert row.context == {
        "orientation_id": orientation.pk,
        "reference": orientation.request.reference,
        "expires_on": "2026-04-03",
    }
    send_all()
    [message] = mail.outbox
    assert "avant le 03/04/2026" in message.subject
    assert_no_secret(*email_texts(message))
