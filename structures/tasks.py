"""Background work of the structures domain: the imports of large files, the renewal notices."""

from celery import shared_task

from .imports import import_job_run
from .renewals import network_renewals_remind


# A large file takes minutes, beyond the default time limits of the other tasks.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3600, time_limit=3660)
def run_import_job(job_id):
    """Check then save a large imported file (idempotent: a finished job is left as it is, and
    importing the same rows again changes nothing)."""
    return import_job_run(job_id=job_id).status


# Named as when it lived in notifications/tasks.py: beat's schedule and queued messages use this name.
@shared_task(name="notifications.tasks.remind_network_renewals", acks_late=True, reject_on_worker_lost=True)
def remind_network_renewals():
    """Label, training and charter renewals due, conventions ending (each once); returns counts."""
    return network_renewals_remind()
