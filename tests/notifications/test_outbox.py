"""The outbox: rows written with their event, sent after the commit, once; retries, failures, sweep."""

import datetime
import smtplib
import threading
from unittest import mock
from urllib.parse import urlsplit

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection, transaction
from freezegun import freeze_time

from notifications.enums import NotificationFrequency, NotificationKind, NotificationStatus
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_record, notification_send, outbox_sweep, retry_delay
from notifications.tasks import send_notification
from referrals.enums import Channel, TargetKind
from referrals.services import contact_request_claim, contact_request_submit, contact_request_withdraw
from tests.accounts.factories import UserFactory

from .conftest import NOW, YOUNG_EMAIL, assert_no_secret, email_texts, young_person_data

pytestmark = pytest.mark.django_db

CONTEXT = {"request_id": 1, "reference": "PDN-AAAA-BBBB", "themes": ["Loisirs"], "is_urgent": False}


def record(users, kind=NotificationKind.REQUEST_NEW, context=CONTEXT, **kwargs):
    with transaction.atomic():
        return notification_record(kind=kind, recipients=users, context=context, **kwargs)


def test_rows_are_written_in_the_callers_transaction_and_sent_after_its_commit(
    world, django_capture_on_commit_callbacks, settings
):
    user = world["promeneur"].user
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [row] = record([user])
    assert Notification.objects.get().status == NotificationStatus.PENDING
    assert mail.outbox == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
    assert row.sent_at is not None
    [message] = mail.outbox
    assert message.to == [user.email]
    domain = urlsplit(settings.SITE_URL).hostname
    assert message.extra_headers["Message-ID"] == f"<notification-{row.pk}@{domain}>"


def test_a_rolled_back_event_records_nothing_and_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_record(
                kind=NotificationKind.REQUEST_NEW, recipients=[world["promeneur"].user], context={}
            )
            raise RuntimeError("the event failed")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_submitting_a_request_notifies_the_structure_once_each(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact_request = contact_request_submit(
            target_kind=TargetKind.STRUCTURE,
            department=world["department"],
            target_structure=world["structure"],
            data=young_person_data(),
            themes=[world["theme"]],
        )

    rows = Notification.objects.all()
    assert {row.recipient for row in rows} == {world["promeneur"].user, world["colleague"].user}
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.recipient.email for r in rows)
    for message in mail.outbox:
        assert contact_request.reference in message.subject
        assert_no_secret(*email_texts(message))


def test_claim_tells_the_young_person_at_the_address_read_when_sending(world, make_request):
    contact_request = make_request()
    promeneur = world["promeneur"]

    with transaction.atomic():
        contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)

    row = Notification.objects.get(kind=NotificationKind.REQUEST_CLAIMED)
    assert row.recipient is None and row.recipient_request == contact_request
    assert YOUNG_EMAIL not in str(row.context)  # the address is not copied into the outbox
    assert notification_send(notification_id=row.pk).status == "sent"
    [message] = mail.outbox
    assert message.to == [YOUNG_EMAIL]
    subject, text, html = email_texts(message)
    assert contact_request.reference in subject
    assert "Ta demande" in text and "3018" in text and "/tableau-de-bord" not in text
    assert_no_secret(subject, text, html)


def test_claim_without_an_email_tells_no_young_person(world, make_request):
    contact_request = make_request(email="", channel=Channel.SMS)
    promeneur = world["promeneur"]

    contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)

    assert not Notification.objects.filter(kind=NotificationKind.REQUEST_CLAIMED).exists()


def test_a_request_withdrawn_before_the_notice_left_gets_no_email(world, make_request):
    contact_request = make_request()
    promeneur = world["promeneur"]
    contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)
    contact_request_withdraw(request=contact_request)
    row = Notification.objects.get(kind=NotificationKind.REQUEST_CLAIMED)

    assert notification_send(notification_id=row.pk).status == "skipped"

    row.refresh_from_db()
    assert row.status == NotificationStatus.SKIPPED
    assert "retirée ou effacée" in row.last_error
    assert mail.outbox == []


def test_sending_twice_sends_one_email(world):
    [row] = record([world["promeneur"].user])

    assert notification_send(notification_id=row.pk).status == "sent"
    assert notification_send(notification_id=row.pk).status == NotificationStatus.SENT
    assert send_notification.apply(args=[row.pk]).get() == NotificationStatus.SENT

    assert len(mail.outbox) == 1


def test_a_row_left_sending_by_a_dead_sender_is_sent_by_the_next_run(world):
    [row] = record([world["promeneur"].user])
    # What a sender killed after its first step leaves: "sending", one attempt, no lock.
    Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.SENDING, attempts=1)

    assert notification_send(notification_id=row.pk).status == "sent"

    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_row_that_kills_every_sender_backs_off_then_ends_failed_without_looping(world, settings):
    [row] = record([world["promeneur"].user])
    period = datetime.timedelta(hours=settings.NOTIFICATION_RETRY_PERIOD_HOURS)
    # What senders killed at each attempt leave: "sending", unlocked, attempts counted.
    with freeze_time(NOW) as clock:
        Notification.objects.filter(pk=row.pk).update(
            status=NotificationStatus.SENDING, attempts=5, retrying_since=NOW
        )
        with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=SystemExit):
            with pytest.raises(SystemExit):  # killed once more, in the middle of sending
                notification_send(notification_id=row.pk)
        row.refresh_from_db()
        # The next attempt waits for the back-off, not only for the time limit of this one.
        assert row.next_attempt_at == NOW + datetime.timedelta(seconds=retry_delay(5))
        assert row.status == NotificationStatus.SENDING

        clock.move_to(NOW + period)
        assert notification_send(notification_id=row.pk).status == "failed"

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.last_error
    assert mail.outbox == []


def test_failures_back_off_exponentially_for_the_retry_period_then_the_row_fails(world, settings):
    settings.NOTIFICATION_RETRY_PERIOD_HOURS = 72
    user = world["promeneur"].user
    [row] = record([user])
    refused = smtplib.SMTPRecipientsRefused({user.email: (550, b"No such user")})

    delays = []
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=refused):
        with freeze_time(NOW) as clock:
            while len(delays) < 500:
                outcome = notification_send(notification_id=row.pk)
                delays.append(outcome.retry_in)
                if outcome.retry_in is None:
                    break
                row.refresh_from_db()
                assert row.status == NotificationStatus.PENDING
                assert row.next_attempt_at == clock().replace(tzinfo=datetime.UTC) + datetime.timedelta(
                    seconds=outcome.retry_in
                )
                clock.tick(outcome.retry_in)
            ended = clock().replace(tzinfo=datetime.UTC)
    row.refresh_from_db()

    assert delays[:6] == [60, 120, 240, 480, 960, 1800]
    assert set(delays[5:-1]) == {1800}  # capped at 30 minutes
    assert delays[-1] is None
    # Retried for 72 hours (not a fixed number of attempts), then failed.
    assert NOW + datetime.timedelta(hours=72) <= ended < NOW + datetime.timedelta(hours=72, minutes=30)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == len(delays) - 1  # the last call found the period over: no new attempt
    assert "SMTPRecipientsRefused" in row.last_error
    assert user.email not in row.last_error  # the admin shows it: no address in it
    assert mail.outbox == []


def test_the_retry_period_is_configurable(world, settings):
    settings.NOTIFICATION_RETRY_PERIOD_HOURS = 1
    [row] = record([world["promeneur"].user])
    error = smtplib.SMTPServerDisconnected("connexion perdue")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=error):
        with freeze_time(NOW) as clock:
            assert notification_send(notification_id=row.pk).retry_in == 60
            clock.tick(datetime.timedelta(minutes=61))
            assert notification_send(notification_id=row.pk).status == "failed"


def test_retry_delay_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3, 5, 6, 7, 20)] == [60, 120, 240, 960, 1800, 1800, 1800]


def test_the_task_schedules_its_retry_at_the_back_off(world):
    [row] = record([world["promeneur"].user])
    error = smtplib.SMTPServerDisconnected("connexion perdue")
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=error),
        mock.patch.object(send_notification, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        send_notification.run(row.pk)  # as a worker runs it (not eagerly)

    retry.assert_called_once_with(countdown=60)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)


def test_a_retry_the_broker_cannot_take_leaves_the_row_to_the_sweep(world, caplog):
    [row] = record([world["promeneur"].user])
    error = smtplib.SMTPServerDisconnected("connexion perdue")
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=error),
        mock.patch.object(send_notification, "retry", side_effect=ConnectionRefusedError()),
    ):
        assert send_notification.run(row.pk) == "retry"

    assert "Nouvel essai de la notification" in caplog.text
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.PENDING


def test_an_inactive_account_gets_no_email(world):
    user = world["promeneur"].user
    [row] = record([user])
    user.is_active = False
    user.save()

    assert notification_send(notification_id=row.pk).status == "skipped"
    assert Notification.objects.get(pk=row.pk).last_error == "Compte désactivé."
    assert mail.outbox == []


# --- Preferences --------------------------------------------------------------------------------


def test_off_sends_no_email_but_an_escalation(world):
    user = world["coordinator"]
    NotificationPreference.objects.create(user=user, frequency=NotificationFrequency.OFF)
    [new] = record([user])
    [escalation] = record([user], kind=NotificationKind.REQUEST_ESCALATED, context={**CONTEXT, "hours": 96})

    assert notification_send(notification_id=new.pk).status == "skipped"
    assert notification_send(notification_id=escalation.pk).status == "sent"

    [message] = mail.outbox
    assert "sans prise en charge depuis 96 h" in message.subject


def test_the_daily_digest_gathers_the_held_notifications_once(world):
    from notifications.digests import daily_digests_build

    user = world["promeneur"].user
    NotificationPreference.objects.create(user=user, frequency=NotificationFrequency.DAILY_DIGEST)
    rows = [
        record([user], context={**CONTEXT, "reference": f"PDN-AAAA-BBB{n}", "request_id": n})[0]
        for n in range(3)
    ]
    for row in rows:
        assert notification_send(notification_id=row.pk).status == "held"
    assert mail.outbox == []

    [digest] = daily_digests_build()
    assert daily_digests_build() == []  # nothing held any more
    assert notification_send(notification_id=digest.pk).status == "sent"

    [message] = mail.outbox
    assert message.subject == "[Promeneurs du Net] Récapitulatif du jour : 3 notifications"
    for n in range(3):
        assert f"Nouvelle demande PDN-AAAA-BBB{n}" in message.body
    assert set(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", "digest")) == {
        (NotificationStatus.DIGESTED, digest.pk)
    }


# --- The sweep ----------------------------------------------------------------------------------


def test_the_sweep_enqueues_what_waits_a_minute_after_it_was_due(world):
    user = world["promeneur"].user
    minute = datetime.timedelta(seconds=60)

    def row(status, due, **fields):
        return Notification.objects.create(
            recipient=user,
            kind=NotificationKind.REQUEST_NEW,
            context=CONTEXT,
            status=status,
            created_at=NOW - datetime.timedelta(hours=1),
            next_attempt_at=due,
            **fields,
        )

    lost = row(NotificationStatus.PENDING, NOW - minute - datetime.timedelta(seconds=1))
    dead_sender = row(NotificationStatus.SENDING, NOW - 2 * minute, attempts=1)
    on_its_way = row(NotificationStatus.PENDING, NOW - datetime.timedelta(seconds=30))  # its message may come
    row(NotificationStatus.PENDING, NOW + 10 * minute)  # a retry scheduled later
    in_time = row(NotificationStatus.SENDING, NOW + minute, attempts=1)  # a sender within its time limit
    for status in (NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.HELD):
        row(status, NOW - datetime.timedelta(days=1))

    with freeze_time(NOW), mock.patch("notifications.services.notifications_enqueue") as enqueue:
        assert outbox_sweep() == 2
        assert outbox_sweep() == 0  # swept rows are due again from now: not enqueued twice

    enqueue.assert_called_once_with([dead_sender.pk, lost.pk])
    with freeze_time(NOW + 2 * minute), mock.patch("notifications.services.notifications_enqueue") as enqueue:
        assert outbox_sweep() == 4  # still waiting a minute later: swept again, with the next ones
    assert set(enqueue.call_args.args[0]) == {lost.pk, dead_sender.pk, on_its_way.pk, in_time.pk}


def test_the_sweep_delivers_each_waiting_row_once(world):
    user = world["promeneur"].user
    with freeze_time(NOW - datetime.timedelta(minutes=5)):
        # Recorded, and their enqueue lost (in this test transaction, nothing is ever committed).
        rows = record([user, world["colleague"].user])
    assert {r.status for r in Notification.objects.all()} == {NotificationStatus.PENDING}

    with freeze_time(NOW):
        assert outbox_sweep() == 2
        assert outbox_sweep() == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, world["colleague"].user.email])
    assert {r.status for r in Notification.objects.filter(pk__in=[r.pk for r in rows])} == {
        NotificationStatus.SENT
    }


# --- Concurrency, on PostgreSQL (SQLite has no row locks) ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_run_finding_the_row_locked_by_a_sender_sends_nothing(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    row = Notification.objects.create(
        kind=NotificationKind.REQUEST_NEW, recipient=world["promeneur"].user, context=CONTEXT
    )
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=60)
        assert notification_send(notification_id=row.pk).status == "busy"
        assert mail.outbox == []
    finally:
        release.set()
        holder.join(timeout=60)

    assert notification_send(notification_id=row.pk).status == "sent"
    assert len(mail.outbox) == 1


def test_the_young_person_row_needs_exactly_one_recipient(world, make_request):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind=NotificationKind.REQUEST_NEW, context={})
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            kind=NotificationKind.REQUEST_NEW,
            recipient=UserFactory(),
            recipient_request=make_request(),
            context={},
        )
