"""Orientation expiry: 30 days without an answer, through the periodic task and the service."""

import datetime

import pytest
from freezegun import freeze_time

from notifications.models import Notification, NotificationKind
from referrals.enums import DeclineReason, OrientationStatus, RequestStatus
from referrals.models import Orientation
from referrals.services import orientation_answer, orientation_create, orientations_expire
from referrals.tasks import expire_orientations
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import PromeneurFactory, StructureFactory, StructureMembershipFactory

pytestmark = pytest.mark.django_db

SENT_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def orientation():
    """An orientation sent through the service on SENT_AT."""
    contact_request = ContactRequestFactory(claimed=True, status=RequestStatus.IN_CONTACT)
    receiving = StructureFactory()
    StructureMembershipFactory(structure=receiving)
    with freeze_time(SENT_AT):
        return orientation_create(
            request=contact_request,
            by=contact_request.assignee.user,
            to_structure=receiving,
            summary="Accompagnement vers l’emploi.",
            young_person_agreed=True,
            data_protection_commitment=True,
        )


def expired_notifications():
    return Notification.objects.filter(kind=NotificationKind.ORIENTATION_EXPIRED)


def test_task_expires_after_30_days_and_tells_the_sender(orientation):
    with freeze_time(SENT_AT + datetime.timedelta(days=29, hours=23)):
        assert expire_orientations.apply().get() == 0
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.PROPOSED
    assert not expired_notifications().exists()

    with freeze_time(SENT_AT + datetime.timedelta(days=30, minutes=1)):
        assert expire_orientations.apply().get() == 1

    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.EXPIRED
    row = expired_notifications().get()
    assert row.recipient == orientation.created_by
    assert row.context == {"orientation_id": orientation.pk, "reference": orientation.request.reference}


def test_task_is_idempotent(orientation):
    with freeze_time(SENT_AT + datetime.timedelta(days=31)):
        assert expire_orientations.apply().get() == 1
        assert expire_orientations.apply().get() == 0
    assert expired_notifications().count() == 1


def test_service_expires_after_30_days(orientation):
    assert orientations_expire(now=SENT_AT + datetime.timedelta(days=29)) == []

    expired = orientations_expire(now=SENT_AT + datetime.timedelta(days=30))

    assert [o.pk for o in expired] == [orientation.pk]
    assert Orientation.objects.get(pk=orientation.pk).status == OrientationStatus.EXPIRED
    assert expired_notifications().get().recipient == orientation.created_by


@pytest.mark.parametrize("accept", [True, False])
def test_an_answered_orientation_does_not_expire(orientation, accept):
    answerer = PromeneurFactory(structure=orientation.to_structure).user
    with freeze_time(SENT_AT + datetime.timedelta(days=3)):
        orientation_answer(
            orientation=orientation, by=answerer, accept=accept, reason="" if accept else DeclineReason.AGE
        )

    with freeze_time(SENT_AT + datetime.timedelta(days=90)):
        assert expire_orientations.apply().get() == 0

    orientation.refresh_from_db()
    assert orientation.status == (OrientationStatus.ACCEPTED if accept else OrientationStatus.DECLINED)
    assert not expired_notifications().exists()


def test_task_is_registered_under_its_module_name():
    assert expire_orientations.name == "referrals.tasks.expire_orientations"
