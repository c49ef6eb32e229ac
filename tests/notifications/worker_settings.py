"""Settings of the Celery workers started by the real-worker tests: the production settings
(promeneurs.settings.base, read from the environment as in production), with e-mails written to a
directory that the test reads (mailbox.py). DATABASE_URL points at pytest-django's test database.
"""

import os

from promeneurs.settings.base import *  # noqa: F403
from promeneurs.settings.base import (
    NOTIFICATION_RETRY_BASE_SECONDS,
    NOTIFICATION_RETRY_MAX_SECONDS,
    NOTIFICATION_SEND_TIME_LIMIT,
)

EMAIL_BACKEND = "tests.notifications.mailbox.FileMailboxBackend"
TEST_MAILBOX_DIR = os.environ["TEST_MAILBOX_DIR"]
TEST_MAILBOX_BLOCK_FILE = os.environ.get("TEST_MAILBOX_BLOCK_FILE", "")
TEST_MAILBOX_ACCEPTED_BLOCK_FILE = os.environ.get("TEST_MAILBOX_ACCEPTED_BLOCK_FILE", "")
TEST_MAILBOX_FAIL_FILE = os.environ.get("TEST_MAILBOX_FAIL_FILE", "")
# Shorter back-offs, so that a test sees several retries (the retry period comes from the
# environment, NOTIFICATION_RETRY_PERIOD_HOURS, as in production).
NOTIFICATION_RETRY_BASE_SECONDS = int(
    os.environ.get("TEST_NOTIFICATION_RETRY_BASE_SECONDS", NOTIFICATION_RETRY_BASE_SECONDS)
)
NOTIFICATION_RETRY_MAX_SECONDS = int(
    os.environ.get("TEST_NOTIFICATION_RETRY_MAX_SECONDS", NOTIFICATION_RETRY_MAX_SECONDS)
)
NOTIFICATION_SEND_TIME_LIMIT = int(
    os.environ.get("TEST_NOTIFICATION_SEND_TIME_LIMIT", NOTIFICATION_SEND_TIME_LIMIT)
)
