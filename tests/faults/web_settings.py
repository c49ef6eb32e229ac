"""Settings of the gunicorn that the fault tests start: the workers' (production settings from the
environment, e-mails into the test's mailbox), with static files read from the source folders."""

from tests.notifications.worker_settings import *  # noqa: F403
from tests.notifications.worker_settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
