"""A test e-mail backend shared by processes: each message in its own file of a directory.

Used by the Celery workers that the real-worker tests start (see worker_settings.py), so that the
test counts the e-mails that every process sent. With TEST_MAILBOX_BLOCK_FILE set, a sending
first leaves a marker `sending-<pid>-<id>` (the process id of the sender) and then waits as long
as that file exists: the test knows when a worker is in the middle of sending, and kills it then.
"""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

NOTIFICATION_HEADER = "X-PDN-Notification"


class FileMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(settings.TEST_MAILBOX_DIR)
        block = getattr(settings, "TEST_MAILBOX_BLOCK_FILE", "")
        for message in email_messages:
            name = uuid.uuid4().hex
            if block:
                marker = directory / f"sending-{os.getpid()}-{name}"
                marker.write_text(message.extra_headers.get(NOTIFICATION_HEADER, ""))
                # Bounded by the task's time limit, or by the test killing this process.
                while Path(block).exists():
                    time.sleep(0.02)
            data = message.message().as_bytes()
            temporary = directory / f".{name}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, directory / f"{name}.eml")
        return len(email_messages)
