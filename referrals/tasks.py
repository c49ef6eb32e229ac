"""Background work of referrals. Tasks stay thin: the rules live in `referrals.services`,
`referrals.reminders` and `referrals.retention`.

Every task here is periodic (see CELERY_BEAT_SCHEDULE) and idempotent: each notice is given once,
each erasure done once, and a run that fails is caught up by the next one.
"""

from celery import shared_task

from .digests import weekly_digests_record
from .reminders import orientations_warn_expiring, unclaimed_requests_remind
from .retention import retention_apply
from .services import orientations_expire


@shared_task
def expire_orientations():
    """Expire the orientations left unanswered for 30 days (the senders are told); returns how many.

    Periodic (see CELERY_BEAT_SCHEDULE) and idempotent: an orientation expires once, and a run
    that fails is caught up by the next one.
    """
    return len(orientations_expire())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_unclaimed_requests():
    """Requests still new: a reminder to the structure at 48 h, an escalation at 96 h (once each)."""
    return unclaimed_requests_remind()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warn_expiring_orientations():
    """Orientations expiring within three days: their receiving structure is told (once)."""
    return orientations_warn_expiring()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention():
    """Anonymise closed requests, erase withdrawn ones, purge the access log and old notifications.

    Follow-up links need nothing: they are signed with a timestamp and expire by themselves.
    """
    return retention_apply()


# Named as when it lived in notifications/tasks.py: beat's schedule and queued messages use this name.
@shared_task(name="notifications.tasks.send_weekly_digests", acks_late=True, reject_on_worker_lost=True)
def send_weekly_digests():
    """The coordinators' weekly digest (once per coordinator and week); returns how many."""
    return len(weekly_digests_record())
