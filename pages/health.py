"""What `/healthz` checks, each within a deadline: a hung dependency makes it say so, not hang.

Each check runs in a thread of a small pool; the view waits for all of them together for at most
HEALTH_DEADLINE seconds (under the 2 s a monitor waits for). A check still running then is
reported as "délai dépassé"; its thread ends by itself later, bounded by the database's and the
broker's own timeouts.
"""

import datetime
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.enums import NotificationStatus
from notifications.models import Heartbeat, Notification
from promeneurs.celery import app as celery_app

logger = logging.getLogger(__name__)

HEALTH_DEADLINE = 1.5
BROKER_TIMEOUT = 1.0
OK = "ok"
DOWN = "indisponible"
TIMED_OUT = "indisponible (délai dépassé)"
NO_BROKER = "sans broker (tâches exécutées immédiatement)"

_executor = None
_executor_pid = None
_executor_lock = threading.Lock()


def executor():
    global _executor, _executor_pid
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")
            _executor_pid = os.getpid()
        return _executor


def _closing_connections(check):
    """Run `check` in a pool thread, giving its database connection back (to the pool) after."""

    def run():
        try:
            return check()
        finally:
            connections.close_all()

    return run


def database_and_outbox():
    """("ok", outbox figures) or ("indisponible", None)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return OK, outbox_figures()
    except DatabaseError:
        logger.warning("healthz: database unreachable", exc_info=True)
        return DOWN, None


def outbox_figures(now=None):
    """The backlog of the outbox, its oldest waiting row, the failures, and the sweep's last run."""
    now = now or timezone.now()
    waiting = Q(status__in=(NotificationStatus.PENDING, NotificationStatus.SENDING))
    figures = Notification.objects.aggregate(
        backlog=Count("pk", filter=waiting),
        oldest=Min("created_at", filter=waiting),
        failed=Count("pk", filter=Q(status=NotificationStatus.FAILED)),
    )
    last_sweep = Heartbeat.last(Heartbeat.SWEEP)
    return {
        "backlog": figures["backlog"],
        "oldest_pending_seconds": _seconds(now - figures["oldest"]) if figures["oldest"] else None,
        "failed": figures["failed"],
        "sweep_last_ran_seconds": _seconds(now - last_sweep) if last_sweep else None,
    }


def _seconds(delta: datetime.timedelta):
    return max(int(delta.total_seconds()), 0)


def broker_state():
    if celery_app.conf.task_always_eager:
        return NO_BROKER
    url = celery_app.conf.broker_url
    try:
        if urlsplit(url).scheme in {"redis", "rediss"}:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
            )
            with client:
                client.ping()
        else:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(
                    max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
                )
    except Exception:  # every client raises its own kinds of errors for an unreachable broker
        logger.warning("healthz: broker unreachable", exc_info=True)
        return DOWN
    return OK


def alerts(figures):
    """What an operator must look at, in French; empty when all is well."""
    if figures is None:
        return []
    found = []
    if figures["failed"]:
        found.append(f"{figures['failed']} notification(s) en échec après la période d’essais.")
    last = figures["sweep_last_ran_seconds"]
    if last is None or last > settings.NOTIFICATION_SWEEP_ALERT_SECONDS:
        found.append("Le balayage de la boîte d’envoi ne tourne plus : vérifier beat et le worker.")
    return found


def health():
    """(payload, HTTP status): 503 when the database does not answer in time."""
    pool = executor()
    database_future = pool.submit(_closing_connections(database_and_outbox))
    broker_future = pool.submit(broker_state)
    wait([database_future, broker_future], timeout=HEALTH_DEADLINE)
    database, figures = database_future.result() if database_future.done() else (TIMED_OUT, None)
    broker = broker_future.result() if broker_future.done() else TIMED_OUT
    payload = {"database": database, "broker": broker, "outbox": figures, "alerts": alerts(figures)}
    return payload, 200 if database == OK else 503
