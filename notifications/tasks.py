"""Background work of the outbox. Tasks stay thin: they take ids and call the services.

`send_notification` is idempotent (see notifications/services.py), hence `acks_late` and
`reject_on_worker_lost`: a message whose worker dies is given back to the broker and run again,
which sends the e-mail if — and only if — it was not sent. Its time limits bound an SMTP
conversation; the broker's `visibility_timeout` is longer than them and than the longest retry
countdown (settings, "Cache and Celery").

The periodic tasks are declared in CELERY_BEAT_SCHEDULE, with the others of the portal. The weekly
digest (referrals/tasks.py) and the renewal notices (structures/tasks.py) keep their names of
`notifications.tasks.*`, which beat's schedule and stored task messages use.
"""

import logging

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from .digests import daily_digests_build
from .services import SEND_NOTIFICATION_TASK, notification_send, outbox_sweep

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name=SEND_NOTIFICATION_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the row knows when to give up (NOTIFICATION_RETRY_PERIOD_HOURS)
    time_limit=settings.NOTIFICATION_SEND_TIME_LIMIT,
    soft_time_limit=settings.NOTIFICATION_SEND_TIME_LIMIT * 0.8,
)
def send_notification(self, notification_id):
    """Send the notification `notification_id` once; retried with back-off. Returns the outcome."""
    outcome = notification_send(notification_id=notification_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        try:
            raise self.retry(countdown=outcome.retry_in)
        except Retry:
            raise
        except Exception:
            # The broker went away: the row stays pending with its date, and the sweep sends it.
            logger.warning(
                "Nouvel essai de la notification %s non programmé.", notification_id, exc_info=True
            )
    return outcome.status


@shared_task(name="notifications.tasks.sweep_outbox", acks_late=True, reject_on_worker_lost=True)
def sweep_outbox(after_seconds=None):
    """Re-enqueue the notifications still waiting a minute after they were due; returns how many."""
    return outbox_sweep(after_seconds=after_seconds)


@shared_task(name="notifications.tasks.send_daily_digests", acks_late=True, reject_on_worker_lost=True)
def send_daily_digests():
    """One e-mail per user with notifications held for their daily digest; returns how many."""
    return len(daily_digests_build())
