"""Celery is configured for an outbox that neither loses nor doubles: one schedule, consistent limits."""

import datetime

from celery.schedules import crontab, schedule
from django.conf import settings

from notifications.tasks import send_notification
from promeneurs.celery import app

PERIODIC = {
    "notifications.tasks.sweep_outbox",
    "notifications.tasks.send_daily_digests",
    "notifications.tasks.send_weekly_digests",
    "notifications.tasks.remind_network_renewals",
    "referrals.tasks.remind_unclaimed_requests",
    "referrals.tasks.expire_orientations",
    "referrals.tasks.warn_expiring_orientations",
    "referrals.tasks.apply_retention",
    "stats.tasks.refresh_statistics",
    "pages.tasks.remove_expired_challenges",
}


def test_every_periodic_job_is_in_the_one_schedule_and_exists():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled == PERIODIC
    assert scheduled <= set(app.tasks)


def test_the_sweep_runs_every_minute_and_reminders_often_enough():
    entries = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    sweep = entries["notifications.tasks.sweep_outbox"]
    assert schedule(sweep).run_every <= datetime.timedelta(minutes=1)
    reminders = entries["referrals.tasks.remind_unclaimed_requests"]
    assert isinstance(reminders, crontab) and len(reminders.minute) >= 4  # at least every 15 minutes


def test_json_only():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == app.conf.result_serializer == "json"


def test_the_send_task_is_acknowledged_late_and_given_back_if_its_worker_dies():
    assert send_notification.acks_late is True
    assert send_notification.reject_on_worker_lost is True
    assert send_notification.time_limit == settings.NOTIFICATION_SEND_TIME_LIMIT
    assert 0 < send_notification.soft_time_limit < send_notification.time_limit
    assert send_notification.max_retries is None  # the row counts its attempts


def test_the_visibility_timeout_outlasts_every_time_limit_and_retry_countdown():
    visibility = app.conf.broker_transport_options["visibility_timeout"]

    assert visibility > app.conf.task_time_limit > app.conf.task_soft_time_limit
    assert visibility > settings.NOTIFICATION_SEND_TIME_LIMIT
    assert visibility > settings.NOTIFICATION_RETRY_MAX_SECONDS


def test_the_broker_is_waited_for_by_workers_and_not_by_visitors():
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.broker_connection_max_retries is None  # a worker outlives a long outage
    # Publishing after a visitor's commit gives up fast; the outbox keeps the row for the sweep.
    policy = app.conf.task_publish_retry_policy
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 0.5
    assert app.conf.broker_connection_timeout <= 2
    assert app.conf.worker_prefetch_multiplier == 1
