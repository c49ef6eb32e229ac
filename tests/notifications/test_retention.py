"""Retention (design §3.6): it anonymises exactly what it should, and nothing else."""

import datetime

import pytest
from freezegun import freeze_time

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from referrals.enums import OrientationStatus, Outcome, RequestStatus
from referrals.models import CONTENT_FIELDS, AccessLog, ContactRequest, Orientation, RequestNote
from referrals.retention import months_before
from referrals.tasks import apply_retention
from tests.content import gate_opened, stored_notes
from tests.referrals.factories import OrientationFactory

from .conftest import NOW, SECRET_MESSAGE

pytestmark = pytest.mark.django_db

MONTH = datetime.timedelta(days=31)
NOTE = "Note privée : rappeler le ou la jeune mardi"
SUMMARY = "Résumé de l’orientation, écrit par le promeneur"


def snapshot():
    with gate_opened():
        return {row["id"]: row for row in ContactRequest.objects.values()}


@pytest.fixture
def requests(world, make_request):
    promeneur = world["promeneur"]

    def closed(months_ago, **extra):
        moment = NOW - datetime.timedelta(days=int(30.5 * months_ago))
        return make_request(
            assignee=promeneur,
            status=RequestStatus.CLOSED,
            outcome=Outcome.ORIENTED,
            created_at=moment - MONTH,
            claimed_at=moment - MONTH,
            closed_at=moment,
            **extra,
        )

    made = {
        "closed_25_months": closed(25),
        "closed_23_months": closed(23),
        "new_30_months": make_request(created_at=NOW - 30 * MONTH),
        "in_contact_30_months": make_request(
            assignee=promeneur, status=RequestStatus.IN_CONTACT, created_at=NOW - 30 * MONTH
        ),
        "spam_25_months": make_request(status=RequestStatus.SPAM, created_at=NOW - 26 * MONTH),
        "spam_recent": make_request(status=RequestStatus.SPAM, created_at=NOW - 26 * MONTH),
        "withdrawn_not_erased": make_request(status=RequestStatus.WITHDRAWN, created_at=NOW - MONTH),
    }
    ContactRequest.objects.filter(pk=made["spam_25_months"].pk).update(updated_at=NOW - 25 * MONTH)
    ContactRequest.objects.filter(pk=made["spam_recent"].pk).update(updated_at=NOW - MONTH)
    for request in made.values():
        RequestNote.objects.create(request=request, author=promeneur.user, text=NOTE)
    for name in ("closed_25_months", "closed_23_months"):
        OrientationFactory(
            request=made[name],
            from_structure=world["structure"],
            created_by=promeneur.user,
            summary=SUMMARY,
            status=OrientationStatus.ACCEPTED,
        )
    return made


def test_retention_anonymises_exactly_what_it_should_and_nothing_else(world, requests):
    before = snapshot()
    erased = {requests[name].pk for name in ("closed_25_months", "spam_25_months", "withdrawn_not_erased")}

    with freeze_time(NOW):
        result = apply_retention.apply().get()

    assert result["anonymised"] == 2 and result["withdrawn_erased"] == 1
    after = snapshot()
    for pk, old in before.items():
        new = after[pk]
        changed = {field for field in old if old[field] != new[field]}
        if pk in erased:
            assert changed == {*CONTENT_FIELDS, "erased_at", "updated_at"}
            assert all(new[field] == "" for field in CONTENT_FIELDS)
            assert new["erased_at"] == NOW
            assert not RequestNote.objects.filter(request_id=pk).exists()
            assert not Orientation.objects.filter(request_id=pk).exclude(summary="").exists()
        else:
            assert changed == set(), f"request {pk} changed: {changed}"
            assert new["message"] == SECRET_MESSAGE
            assert [note.text for note in stored_notes(request_id=pk)] == [NOTE]
    # Metadata stays for the statistics: reference, status, outcome, dates, themes.
    anonymised = ContactRequest.objects.get(pk=requests["closed_25_months"].pk)
    assert (anonymised.status, anonymised.outcome) == (RequestStatus.CLOSED, Outcome.ORIENTED)
    assert list(anonymised.themes.all()) == [world["theme"]]
    assert Orientation.objects.get(request=requests["closed_23_months"]).summary == SUMMARY
    assert Orientation.objects.get(request=anonymised).status == OrientationStatus.ACCEPTED

    with freeze_time(NOW):
        assert apply_retention.apply().get() == {
            "anonymised": 0,
            "withdrawn_erased": 0,
            "access_logs_deleted": 0,
            "notifications_deleted": 0,
        }


def test_the_retention_delay_is_a_setting(world, requests, settings):
    settings.REQUEST_RETENTION_MONTHS = 12

    with freeze_time(NOW):
        apply_retention.apply().get()

    assert ContactRequest.objects.get(pk=requests["closed_23_months"].pk).is_erased
    assert not ContactRequest.objects.get(pk=requests["in_contact_30_months"].pk).is_erased


def test_access_logs_go_after_twelve_months_and_sent_notifications_too(world, requests):
    request = requests["in_contact_30_months"]
    user = world["promeneur"].user

    def log(age):
        return AccessLog.objects.create(user=user, request=request, reference=request.reference, at=NOW - age)

    old_log, recent_log = log(datetime.timedelta(days=367)), log(datetime.timedelta(days=360))

    def notification(age, status):
        return Notification.objects.create(
            recipient=user,
            kind=NotificationKind.REQUEST_NEW,
            context={"reference": request.reference},
            status=status,
            created_at=NOW - age,
        )

    old_sent = notification(datetime.timedelta(days=367), NotificationStatus.SENT)
    notification(datetime.timedelta(days=367), NotificationStatus.FAILED)
    old_pending = notification(datetime.timedelta(days=367), NotificationStatus.PENDING)  # still to send
    recent_sent = notification(datetime.timedelta(days=360), NotificationStatus.SENT)

    with freeze_time(NOW):
        result = apply_retention.apply().get()

    assert (result["access_logs_deleted"], result["notifications_deleted"]) == (1, 2)
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {recent_log.pk}
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_pending.pk, recent_sent.pk}
    assert not AccessLog.objects.filter(pk=old_log.pk).exists()
    assert not Notification.objects.filter(pk=old_sent.pk).exists()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ("2026-03-31T10:00:00+00:00", 1, "2026-02-28T10:00:00+00:00"),
        ("2026-03-04T09:00:00+00:00", 24, "2024-03-04T09:00:00+00:00"),
        ("2024-02-29T09:00:00+00:00", 12, "2023-02-28T09:00:00+00:00"),
        ("2026-01-15T09:00:00+00:00", 13, "2024-12-15T09:00:00+00:00"),
    ],
)
def test_months_before(moment, months, expected):
    parse = datetime.datetime.fromisoformat
    assert months_before(parse(moment), months) == parse(expected)
