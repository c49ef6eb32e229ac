"""Background work of referrals. Tasks stay thin: the rules live in `referrals.services`."""

from celery import shared_task

from .services import orientations_expire


@shared_task
def expire_orientations():
    """Expire the orientations left unanswered for 30 days (the senders are told); returns how many.

    Periodic (see CELERY_BEAT_SCHEDULE) and idempotent: an orientation expires once, and a run
    that fails is caught up by the next one.
    """
    return len(orientations_expire())
