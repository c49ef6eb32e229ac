"""The outbox against the real thing: our own redis-server, real `celery -A promeneurs worker` processes.

Never lost: a request submitted while the broker is down is stored with its notifications, and they
are delivered once the broker is back. Never doubled: a worker killed with SIGKILL in the middle of
sending, two runs at once, two workers racing on the same rows — each e-mail is sent once.

E-mails are counted in a directory shared by every process (mailbox.py); a sending is held in the
middle by a file (not a sleep), so that the test kills a worker exactly while it sends. Every wait
is a poll with a deadline; nothing is timed. PostgreSQL only (the workers share pytest-django's
test database); skipped on SQLite and without redis-server, except in CI where they must run.
"""

import logging
import os
import signal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.publisher import publisher
from notifications.services import notification_record, notifications_enqueue
from referrals.enums import TargetKind
from referrals.services import contact_request_claim, contact_request_submit
from referrals.views.public import follow_up_token
from tests.accounts.factories import UserFactory

from .conftest import SECRETS, THEME_NAME, YOUNG_EMAIL, young_person_data
from .workers import (
    PUBLISH_BOUND,
    Harness,
    require_real_worker_environment,
    sender,
    this_process_broker,
    wait_until,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

DELIVERY_BOUND = 120  # seconds: a bound for a wait, never a measure


@pytest.fixture
def harness(tmp_path, request):
    require_real_worker_environment()
    harness = Harness(tmp_path)
    request.addfinalizer(harness.close)
    return harness


def wait_delivered(harness, broker, rows, *, dead_messages=()):
    """Until every row is sent and no message is left in the broker (but those of dead workers)."""
    ids = [row.pk for row in rows]

    def delivered():
        if Notification.objects.filter(pk__in=ids).exclude(status=NotificationStatus.SENT).exists():
            return False
        return broker.queued_messages(ignoring=dead_messages) == 0

    def describe():
        statuses = list(Notification.objects.filter(pk__in=ids).values_list("pk", "status", "attempts"))
        return f"rows: {statuses}\nmailbox: {harness.mailbox.notification_ids()}\n{harness.logs()}"

    wait_until(delivered, DELIVERY_BOUND, "every notification to be sent", describe=describe)


def assert_no_secret_in_mailbox(harness):
    for message in harness.mailbox.messages():
        subject = str(message["Subject"])
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        for secret in SECRETS:
            assert secret not in subject + text + html, f"{secret!r} leaked into an e-mail"


def record_for(users, contact_request):
    with transaction.atomic():
        return notification_record(
            kind=NotificationKind.REQUEST_NEW,
            recipients=users,
            context={
                "request_id": contact_request.pk,
                "reference": contact_request.reference,
                "themes": [THEME_NAME],
                "is_urgent": False,
            },
        )


def test_a_request_sent_while_the_broker_is_down_is_delivered_once_it_is_back(harness, world, client, caplog):
    broker = harness.redis(start=False)  # its port: nothing listens there yet
    with this_process_broker(broker.url):
        with caplog.at_level(logging.WARNING, logger="notifications.services"):
            contact_request = contact_request_submit(
                target_kind=TargetKind.STRUCTURE,
                department=world["department"],
                target_structure=world["structure"],
                data=young_person_data(),
                themes=[world["theme"]],
            )
            # Published by the process's publisher thread, after the commit, not by the request.
            assert publisher.wait_idle(PUBLISH_BOUND)

        # The young person gets their acknowledgment; the request and its notifications are kept.
        acknowledgment = client.get(
            reverse("referrals:acknowledgment", kwargs={"token": follow_up_token(contact_request)})
        )
        assert acknowledgment.status_code == 200
        assert contact_request.reference in acknowledgment.content.decode()
        assert "le broker ne répond pas" in caplog.text
        rows = list(Notification.objects.order_by("pk"))
        assert {row.recipient for row in rows} == {world["promeneur"].user, world["colleague"].user}
        assert {row.status for row in rows} == {NotificationStatus.PENDING}

        # A worker starts while the broker is still away: it waits for it (retry on start-up).
        worker = harness.worker("w1", broker.url, wait=False)
        wait_until(lambda: "Cannot connect to redis" in worker.read_log(), 60, "the worker to retry")
        # The broker is back; the sweep, as beat runs it every minute, enqueues what waits.
        broker.start()
        wait_until(worker.ready, 90, "the worker to connect", describe=worker.read_log)
        with sender(broker.url) as celery:
            celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
            wait_delivered(harness, broker, rows)
            # The sweep again, and a late copy of each message: nothing more is sent.
            celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
            for row in rows:
                assert (
                    celery.send_task("notifications.tasks.send_notification", args=[row.pk]).get(
                        timeout=DELIVERY_BOUND
                    )
                    == NotificationStatus.SENT
                )
            wait_delivered(harness, broker, rows)

        assert harness.mailbox.notification_ids() == [row.pk for row in rows]
        messages = {str(m["To"]): m for m in harness.mailbox.messages()}
        assert set(messages) == {world["promeneur"].user.email, world["colleague"].user.email}
        for message in messages.values():
            assert contact_request.reference in str(message["Subject"])
            text = message.get_body(preferencelist=("plain",)).get_content()
            assert THEME_NAME in text
            assert f"https://promeneurs.example.fr/tableau-de-bord/demandes/{contact_request.uuid}/" in text

        # Taken in charge, with the broker up: the young person is told, at their address.
        promeneur = world["promeneur"]
        contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)
        notice = Notification.objects.get(kind=NotificationKind.REQUEST_CLAIMED)
        wait_delivered(harness, broker, [notice])

    assert harness.mailbox.notification_ids() == sorted([row.pk for row in rows] + [notice.pk])
    [to_young_person] = [m for m in harness.mailbox.messages() if str(m["To"]) == YOUNG_EMAIL]
    assert contact_request.reference in str(to_young_person["Subject"])
    assert_no_secret_in_mailbox(harness)


def test_a_pool_process_killed_while_sending_is_replaced_and_the_email_sent_once(
    harness, world, make_request
):
    broker = harness.redis()
    hold = harness.block_file()
    worker = harness.worker("w1", broker.url, block_file=hold)
    with this_process_broker(broker.url):
        [row] = record_for([world["promeneur"].user], make_request())

    wait_until(
        harness.mailbox.senders_in_progress, DELIVERY_BOUND, "the worker to be sending", describe=harness.logs
    )
    [(pid, notification_id)] = harness.mailbox.senders_in_progress()
    assert notification_id == row.pk
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENDING
    os.kill(pid, signal.SIGKILL)  # the pool process that was sending, in the middle of it
    hold.unlink()

    # acks_late + reject_on_worker_lost: the message goes back to the queue, a new process sends.
    wait_delivered(harness, broker, [row])
    assert harness.mailbox.notification_ids() == [row.pk]
    row.refresh_from_db()
    assert row.attempts == 2
    assert "SIGKILL" in worker.read_log()


def test_a_worker_killed_while_sending_delivers_once_after_it_restarts(harness, world, make_request):
    broker = harness.redis()
    hold = harness.block_file()
    # A short time limit of the sending, so that its row may be taken up again soon after.
    limit = {"TEST_NOTIFICATION_SEND_TIME_LIMIT": "5"}
    first = harness.worker("w1", broker.url, block_file=hold, env=limit)
    with this_process_broker(broker.url):
        [row] = record_for([world["promeneur"].user], make_request())

    wait_until(
        harness.mailbox.senders_in_progress, DELIVERY_BOUND, "the worker to be sending", describe=harness.logs
    )
    dead_messages = broker.unacked_tags()
    first.kill()  # SIGKILL to the worker and its pool, while sending
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENDING
    assert harness.mailbox.messages() == []
    hold.unlink()

    harness.worker("w2", broker.url, env=limit)
    # The dead worker's message comes back only after the broker's visibility timeout (an hour):
    # the sweep takes the row up once the time limit of the killed sending is over.
    wait_until(lambda: timezone.now() > row.next_attempt_at, 60, "the killed sending's time limit")
    with sender(broker.url) as celery:
        celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
        wait_delivered(harness, broker, [row], dead_messages=dead_messages)
        # When the dead worker's message is given back at last, it sends nothing more.
        assert (
            celery.send_task("notifications.tasks.send_notification", args=[row.pk]).get(
                timeout=DELIVERY_BOUND
            )
            == NotificationStatus.SENT
        )

    assert harness.mailbox.notification_ids() == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_a_second_run_while_the_first_is_sending_sends_nothing(harness, world, make_request):
    broker = harness.redis()
    hold = harness.block_file()
    harness.worker("w1", broker.url, block_file=hold)
    with this_process_broker(broker.url):
        [row] = record_for([world["promeneur"].user], make_request())
    wait_until(harness.mailbox.senders_in_progress, DELIVERY_BOUND, "w1 to be sending", describe=harness.logs)

    # w1 holds the row (and its one message): a second worker gets the duplicate.
    harness.worker("w2", broker.url)
    with sender(broker.url) as celery:
        result = celery.send_task("notifications.tasks.send_notification", args=[row.pk])
        assert result.get(timeout=DELIVERY_BOUND) == "busy"
    assert harness.mailbox.messages() == []

    hold.unlink()
    wait_delivered(harness, broker, [row])
    assert harness.mailbox.notification_ids() == [row.pk]


def test_two_workers_racing_on_the_same_rows_send_each_email_once(harness, world, make_request):
    broker = harness.redis()
    harness.worker("w1", broker.url, concurrency=2)
    harness.worker("w2", broker.url, concurrency=2)
    users = UserFactory.create_batch(40)
    with this_process_broker(broker.url):
        rows = record_for(users, make_request())  # one message each, after the commit
        ids = [row.pk for row in rows]
        # The same rows again, twice, as a sweep and a late retry would: three messages per row.
        notifications_enqueue(ids)
        notifications_enqueue(ids)

    wait_delivered(harness, broker, rows)
    assert harness.mailbox.notification_ids() == sorted(ids)
    assert sorted(str(m["To"]) for m in harness.mailbox.messages()) == sorted(u.email for u in users)
    assert_no_secret_in_mailbox(harness)
