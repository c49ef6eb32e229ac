"""Outages the worker and beat live through, with real processes: Redis lost while retries wait in
the worker, an SMTP outage longer than the retry period, beat (hence the sweep) stopped.
"""

import datetime
import sys

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Heartbeat, Notification
from notifications.services import notification_record
from tests.accounts.factories import UserFactory
from tests.notifications.conftest import THEME_NAME
from tests.notifications.workers import Worker, sender, this_process_broker, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

BOUND = 120  # seconds: a bound for a wait, never a measure


def record(users, contact_request):
    with transaction.atomic():
        return notification_record(
            kind=NotificationKind.REQUEST_NEW,
            recipients=users,
            context={
                "request_id": contact_request.pk,
                "reference": contact_request.reference,
                "themes": [THEME_NAME],
            },
        )


def statuses(rows):
    return list(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status", "attempts")
    )


def wait_sent(harness, rows):
    ids = [row.pk for row in rows]

    def sent():
        return not Notification.objects.filter(pk__in=ids).exclude(status=NotificationStatus.SENT).exists()

    wait_until(
        sent, BOUND, "the notifications to be sent", describe=lambda: f"{statuses(rows)}\n{harness.logs()}"
    )


def test_a_worker_holding_retries_survives_the_loss_of_redis_and_sends_them_once_it_is_back(
    harness, world, make_request
):
    redis = harness.redis()
    smtp_down = harness.directory / "smtp-down"
    smtp_down.touch()
    worker = harness.worker(
        "w1",
        redis.url,
        env={"TEST_MAILBOX_FAIL_FILE": str(smtp_down), "TEST_NOTIFICATION_RETRY_BASE_SECONDS": "10"},
    )
    users = UserFactory.create_batch(3)
    with this_process_broker(redis.url):
        rows = record(users, make_request())

    # Each sending failed once; its retry (a countdown) waits in the worker, unacknowledged.
    wait_until(
        lambda: (
            len(redis.unacked_tags()) == 3
            and all(attempts == 1 and status == "pending" for _, status, attempts in statuses(rows))
        ),
        BOUND,
        "the retries to wait in the worker",
        describe=lambda: f"{statuses(rows)}\n{harness.logs()}",
    )

    redis.stop()  # Redis lost, with what it held (no persistence here)
    wait_until(lambda: "Connection to broker lost" in worker.read_log(), BOUND, "the worker to see it")
    smtp_down.unlink()
    redis.start()  # back, on the same port
    wait_until(
        lambda: worker.assert_alive() or worker.read_log().count("Connected to redis") >= 2,
        BOUND,
        "the worker to reconnect",
        describe=worker.read_log,
    )
    assert "Unrecoverable error" not in worker.read_log()

    # The retries held by the worker were lost with Redis; the sweep (as beat runs it) sends the rows.
    latest = max(row.next_attempt_at for row in Notification.objects.filter(pk__in=[r.pk for r in rows]))
    wait_until(lambda: timezone.now() > latest, 60, "the retries to be due")
    with sender(redis.url) as celery:
        celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})
        wait_sent(harness, rows)
    worker.assert_alive()  # the same worker, never restarted
    assert harness.mailbox.notification_ids() == sorted(row.pk for row in rows)


def test_an_smtp_outage_longer_than_the_retry_period_ends_failed_with_an_alert_then_retry_sends_it(
    harness, world, make_request, client
):
    redis = harness.redis()
    smtp_down = harness.directory / "smtp-down"
    smtp_down.touch()
    harness.worker(
        "w1",
        redis.url,
        env={
            "TEST_MAILBOX_FAIL_FILE": str(smtp_down),
            # 72 h in production; here a few seconds, with back-offs of 1 then 2 s.
            "NOTIFICATION_RETRY_PERIOD_HOURS": "0.002",
            "TEST_NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "TEST_NOTIFICATION_RETRY_MAX_SECONDS": "2",
        },
    )
    with this_process_broker(redis.url):
        [row] = record([world["promeneur"].user], make_request())
        wait_until(
            lambda: Notification.objects.get(pk=row.pk).status == NotificationStatus.FAILED,
            BOUND,
            "the notification to fail",
            describe=lambda: f"{statuses([row])}\n{harness.logs()}",
        )
        row.refresh_from_db()
        assert row.attempts >= 3  # retried with back-off all along the period, not given up early
        assert "SMTPServerDisconnected" in row.last_error

        # The alert: the admin's banner and /healthz.
        Heartbeat.beat(Heartbeat.SWEEP)
        client.force_login(UserFactory(caf_staff=True))
        admin = client.get(reverse("admin:index")).content.decode()
        assert "1 notification(s) en échec" in admin
        health = client.get("/healthz").json()
        assert health["outbox"]["failed"] == 1
        assert "1 notification(s) en échec après la période d’essais." in health["alerts"]

        # The SMTP server is back; "Réessayer" in the admin sends it.
        smtp_down.unlink()
        changelist = reverse("admin:notifications_notification_changelist")
        response = client.post(changelist, {"action": "retry", "_selected_action": [row.pk]})
        assert response.status_code == 302
        wait_sent(harness, [row])
    assert harness.mailbox.notification_ids() == [row.pk]
    assert "en échec" not in client.get(reverse("admin:index")).content.decode()


class Beat(Worker):
    """`celery -A promeneurs beat`, with the worker's environment and its schedule file in the test's directory."""

    def __init__(self, directory, redis_url, mailbox, *, env=None):
        super().__init__(directory, "beat", redis_url, mailbox, env=env)
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "promeneurs",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(directory / "celerybeat-schedule"),
        ]

    def ready(self):
        self.assert_alive()
        return "beat: Starting" in self.read_log()


def test_with_beat_down_the_backlog_is_visible_and_the_sweep_catches_up_without_duplicates(
    harness, world, make_request, client
):
    redis = harness.redis(start=False)  # the broker is away when the requests arrive
    users = UserFactory.create_batch(5)
    with this_process_broker(redis.url):
        rows = record(users, make_request())

    # Nothing ran the sweep for ten minutes: /healthz says so, with the backlog and its age.
    Heartbeat.beat(Heartbeat.SWEEP, timezone.now() - datetime.timedelta(minutes=10))
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    health = client.get("/healthz").json()
    assert health["outbox"]["backlog"] == 5
    assert health["outbox"]["oldest_pending_seconds"] >= 600
    assert health["outbox"]["sweep_last_ran_seconds"] >= 600
    assert "Le balayage de la boîte d’envoi ne tourne plus : vérifier beat et le worker." in health["alerts"]

    # Redis, a worker and beat come back; beat runs the sweep every second here (60 s in production),
    # and it takes rows up at once: each row is enqueued several times, and sent once.
    redis.start()
    fast_sweep = {"NOTIFICATION_SWEEP_INTERVAL_SECONDS": "1", "NOTIFICATION_SWEEP_AFTER_SECONDS": "0"}
    harness.worker("w1", redis.url, concurrency=2, env=fast_sweep)
    beat = Beat(harness.directory, redis.url, harness.mailbox, env=fast_sweep)
    harness.started.append(beat)
    beat.start()
    wait_sent(harness, rows)
    wait_until(
        lambda: beat.read_log().count("sweep_outbox") >= 3, BOUND, "a few more sweeps", describe=beat.read_log
    )
    assert harness.mailbox.notification_ids() == sorted(row.pk for row in rows)
    health = client.get("/healthz").json()
    assert health["outbox"]["backlog"] == 0
    assert health["outbox"]["sweep_last_ran_seconds"] < 60
    assert health["alerts"] == []
