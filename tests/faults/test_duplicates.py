"""Duplicates only where the protocol forces them: a crash after the SMTP server accepted a message
and before the row says so. Everywhere else, each e-mail leaves once; a copy keeps the Message-ID.
"""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import notification_record
from tests.notifications.conftest import THEME_NAME
from tests.notifications.workers import sender, this_process_broker, wait_until

from .test_database_hung import through

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

BOUND = 120


def record(user, contact_request):
    with transaction.atomic():
        [row] = notification_record(
            kind=NotificationKind.REQUEST_NEW,
            recipients=[user],
            context={
                "request_id": contact_request.pk,
                "reference": contact_request.reference,
                "themes": [THEME_NAME],
            },
        )
    return row


def markers(harness, prefix):
    return list(harness.mailbox.directory.glob(f"{prefix}-*"))


def test_a_crash_between_the_smtp_acceptance_and_the_update_sends_one_copy_with_the_same_message_id(
    harness, world, make_request
):
    redis = harness.redis()
    hold = harness.directory / "hold-after-acceptance"
    hold.touch()
    limit = {"TEST_NOTIFICATION_SEND_TIME_LIMIT": "5"}
    first = harness.worker("w1", redis.url, env={"TEST_MAILBOX_ACCEPTED_BLOCK_FILE": str(hold), **limit})
    with this_process_broker(redis.url):
        row = record(world["promeneur"].user, make_request())
    wait_until(
        lambda: markers(harness, "accepted"), BOUND, "the message to be accepted", describe=harness.logs
    )
    dead = redis.unacked_tags()
    first.kill()  # inside the window: accepted, not recorded
    hold.unlink()
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENDING

    harness.worker("w2", redis.url, env=limit)
    wait_until(lambda: timezone.now() > row.next_attempt_at, 60, "the killed sending's time limit")
    with sender(redis.url) as celery:
        celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
        wait_until(
            lambda: (
                Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT
                and redis.queued_messages(ignoring=dead) == 0
            ),
            BOUND,
            "the row to be sent",
            describe=harness.logs,
        )
    copies = harness.mailbox.messages()
    print(f"\nCrash dans la fenêtre : {len(copies) - 1} doublon(s)")
    assert len(copies) == 2  # at least once: the one duplicate of a crash inside the window
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_a_database_connection_lost_during_smtp_sends_the_message_once(harness, world, make_request):
    redis = harness.redis()
    host, port = connection.settings_dict["HOST"] or "127.0.0.1", connection.settings_dict["PORT"] or 5432
    proxy = harness.proxy(host, port)
    hold = harness.block_file()
    harness.worker("w1", redis.url, block_file=hold, database_url=through(proxy))
    with this_process_broker(redis.url):
        row = record(world["promeneur"].user, make_request())
    wait_until(harness.mailbox.senders_in_progress, BOUND, "the worker to be sending", describe=harness.logs)

    proxy.reset()  # the worker's connection (and the row's lock) is lost while it talks to SMTP
    proxy.forward()  # the database is reachable again
    hold.unlink()  # the SMTP server accepts the message
    wait_until(
        lambda: Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT,
        BOUND,
        "the row to be recorded as sent",
        describe=harness.logs,
    )
    # The sweep and a late copy of the message send nothing more.
    with sender(redis.url) as celery:
        celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
        result = celery.send_task("notifications.tasks.send_notification", args=[row.pk])
        assert result.get(timeout=BOUND) == NotificationStatus.SENT
    assert harness.mailbox.notification_ids() == [row.pk]
    print("\nConnexion à la base perdue pendant l’envoi SMTP : 0 doublon")
