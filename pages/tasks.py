"""Background work of the public site. Periodic (see CELERY_BEAT_SCHEDULE) and idempotent."""

from captcha.models import CaptchaStore
from celery import shared_task


@shared_task
def remove_expired_challenges():
    """Delete the CAPTCHA challenges whose time is up (promeneurs/captcha.py). Those written in
    batches skip django-simple-captcha's own clean-up; an answered one is deleted when answered."""
    CaptchaStore.remove_expired()
