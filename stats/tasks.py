"""Periodic work of the statistics (declared in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import aggregates


@shared_task
def refresh_statistics(full=False):
    """Recompute the monthly figures of the months that changed (every month when `full`)."""
    return aggregates.refresh(full=full)
