"""Label, training and charter renewals, conventions ending, the coordinators' weekly digest."""

import datetime

import pytest
from django.core import mail
from freezegun import freeze_time

from notifications.enums import NotificationKind
from notifications.models import Notification
from notifications.services import notification_send
from referrals.enums import Outcome, RequestStatus
from referrals.tasks import send_weekly_digests
from structures.enums import ConventionStatus, PromeneurStatus
from structures.models import Charter, CharterAcceptance, Training, TrainingAttendance
from structures.tasks import remind_network_renewals
from tests.structures.factories import (
    ConventionFactory,
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
)

from .conftest import NOW, assert_no_secret, email_texts

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 4)


def run(day=TODAY):
    with freeze_time(datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)):
        return remind_network_renewals.apply().get()


def rows(kind):
    return Notification.objects.filter(kind=kind)


def recipients(kind):
    return {row.recipient for row in rows(kind)}


@pytest.fixture
def quiet_world(world):
    """The world's promeneurs trained recently and signing the charter: nothing due by default."""
    charter = Charter.objects.create(version="2025", published_on=datetime.date(2025, 1, 1))
    training = Training.objects.create(title="Formation initiale", starts_on=datetime.date(2025, 9, 1))
    for promeneur in (world["promeneur"], world["colleague"]):
        promeneur.labelled_on = datetime.date(2025, 10, 1)
        promeneur.save()
        CharterAcceptance.objects.create(charter=charter, promeneur=promeneur)
        TrainingAttendance.objects.create(training=training, promeneur=promeneur)
    world["charter"] = charter
    return world


def test_nothing_is_due_in_a_network_up_to_date(quiet_world):
    assert run() == {"labels": 0, "trainings": 0, "charters": 0, "conventions": 0}
    assert not Notification.objects.exists()


def test_a_label_is_renewed_every_three_years_with_sixty_days_notice(quiet_world):
    promeneur = quiet_world["promeneur"]
    promeneur.labelled_on = datetime.date(2023, 5, 10)  # runs out on 10/05/2026
    promeneur.save()

    assert run(datetime.date(2026, 3, 10))["labels"] == 0  # 61 days before
    assert run(datetime.date(2026, 3, 11))["labels"] == 1  # 60 days before
    assert run(datetime.date(2026, 4, 1))["labels"] == 0  # once

    assert recipients(NotificationKind.LABEL_RENEWAL_DUE) == {promeneur.user, quiet_world["coordinator"]}
    row = rows(NotificationKind.LABEL_RENEWAL_DUE).first()
    assert row.context["due_on"] == "2026-05-10"
    # Labelled again: a new period, a new notice three years later.
    promeneur.labelled_on = datetime.date(2026, 5, 1)
    promeneur.save()
    run(datetime.date(2029, 3, 2))
    notices = rows(NotificationKind.LABEL_RENEWAL_DUE).filter(recipient=promeneur.user)
    assert [row.context["due_on"] for row in notices.order_by("pk")] == ["2026-05-10", "2029-05-01"]


def test_a_training_is_due_two_years_after_the_last_one(quiet_world):
    promeneur = quiet_world["promeneur"]
    old = Training.objects.create(title="Rencontre du réseau", starts_on=datetime.date(2024, 3, 1))
    TrainingAttendance.objects.filter(promeneur=promeneur).delete()
    TrainingAttendance.objects.create(training=old, promeneur=promeneur)
    TrainingAttendance.objects.create(  # registered but absent: does not count
        training=Training.objects.create(title="Formation continue", starts_on=datetime.date(2025, 6, 1)),
        promeneur=promeneur,
        attended=False,
    )

    assert run(datetime.date(2026, 2, 28))["trainings"] == 0
    assert run(datetime.date(2026, 3, 1))["trainings"] == 1
    assert run(datetime.date(2026, 3, 2))["trainings"] == 0

    [row] = rows(NotificationKind.TRAINING_DUE).filter(recipient=promeneur.user)
    assert row.context["last_training_on"] == "2024-03-01"
    assert recipients(NotificationKind.TRAINING_DUE) == {promeneur.user, quiet_world["coordinator"]}


def test_a_new_charter_is_to_be_signed_once_per_version(quiet_world):
    Charter.objects.create(version="2026", published_on=datetime.date(2026, 3, 1))
    Charter.objects.create(version="2027", published_on=datetime.date(2027, 1, 1))  # not published yet
    CharterAcceptance.objects.create(
        charter=Charter.objects.get(version="2026"), promeneur=quiet_world["colleague"]
    )

    assert run()["charters"] == 1
    assert run()["charters"] == 0

    [row] = rows(NotificationKind.CHARTER_DUE)
    assert row.recipient == quiet_world["promeneur"].user
    assert row.context["charter_version"] == "2026"


def test_only_labelled_promeneurs_are_reminded(quiet_world):
    Charter.objects.create(version="2026", published_on=datetime.date(2026, 3, 1))
    PromeneurFactory(structure=quiet_world["structure"], candidate=True)
    PromeneurFactory(structure=quiet_world["structure"], status=PromeneurStatus.SUSPENDED)

    assert run()["charters"] == 2  # the two labelled ones only


def test_a_convention_ending_within_sixty_days_is_announced_once(quiet_world):
    structure = quiet_world["structure"]
    ending = ConventionFactory(structure=structure, year=2026, ends_on=datetime.date(2026, 4, 30))
    ConventionFactory(structure=structure, year=2025, ends_on=datetime.date(2025, 12, 31))  # over
    ConventionFactory(
        structure=structure,
        year=2027,
        starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2027, 6, 30),
    )
    ConventionFactory(
        structure=structure,
        year=2024,
        funder="MSA",
        status=ConventionStatus.DRAFT,
        ends_on=datetime.date(2026, 4, 1),
    )

    assert run()["conventions"] == 1
    assert run()["conventions"] == 0

    assert recipients(NotificationKind.CONVENTION_ENDING) == {
        quiet_world["coordinator"],
        quiet_world["referent"],
    }
    row = rows(NotificationKind.CONVENTION_ENDING).first()
    assert row.context["convention_id"] == ending.pk
    for row in rows(NotificationKind.CONVENTION_ENDING):
        assert notification_send(notification_id=row.pk).status == "sent"
    assert {m.subject for m in mail.outbox} == {
        "[Promeneurs du Net] Convention de Centre social Les Tilleuls : fin le 30/04/2026"
    }


def test_the_weekly_digest_gives_each_coordinator_their_departments_in_numbers(world, make_request):
    gironde = DepartmentFactory(code="33")
    both = CoordinationFactory(department=world["department"]).user
    CoordinationFactory(department=gironde, user=both)
    with freeze_time(NOW - datetime.timedelta(days=2)):
        make_request()  # new this week, waiting for two days
    with freeze_time(NOW - datetime.timedelta(days=10)):
        make_request(
            status=RequestStatus.CLOSED,
            assignee=world["promeneur"],
            outcome=Outcome.MET,
            closed_at=NOW - datetime.timedelta(days=1),
        )

    with freeze_time(NOW):
        digests = send_weekly_digests.apply().get()
        again = send_weekly_digests.apply().get()

    assert (digests, again) == (2, 0)
    mine = rows(NotificationKind.WEEKLY_DIGEST).get(recipient=world["coordinator"])
    assert mine.context["week"] == "du 25/02/2026 au 03/03/2026"
    [dordogne] = mine.context["departments"]
    assert dordogne["name"] == "24 — Dordogne"
    assert (
        dordogne["new_requests"],
        dordogne["closed"],
        dordogne["waiting_48h"],
        dordogne["waiting_96h"],
    ) == (
        1,
        1,
        1,
        0,
    )
    theirs = rows(NotificationKind.WEEKLY_DIGEST).get(recipient=both)
    assert [d["name"] for d in theirs.context["departments"]] == ["24 — Dordogne", "33 — Gironde"]

    assert notification_send(notification_id=theirs.pk).status == "sent"
    [message] = mail.outbox
    _subject, text, body_html = email_texts(message)
    assert "vos départements" in text and "33 — Gironde" in body_html
    assert_no_secret(*email_texts(message))
    # Next week, a new digest.
    with freeze_time(NOW + datetime.timedelta(days=7)):
        assert send_weekly_digests.apply().get() == 2
