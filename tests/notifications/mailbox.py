"""A test e-mail backend shared by processes: each message in its own file of a directory.

Used by the Celery workers that the real-worker tests start (see worker_settings.py), so that the
test counts the e-mails that every process sent. With TEST_MAILBOX_BLOCK_FILE set, a sending
first leaves a marker `sending-<pid>-<id>` (the process id of the sender) and then waits as long
as that file exists: the test knows when a worker is in the middle of sending, and kills it then.
With TEST_MAILBOX_ACCEPTED_BLOCK_FILE set, the same happens just *after* the message is accepted
(written), with a marker `accepted-<pid>-<id>`: the window where a crash sends a message twice.
With TEST_MAILBOX_FAIL_FILE set, the "server" refuses every message as long as that file exists.
"""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

NOTIFICATION_HEADER = "X-PDN-Notification"


def write_marker(directory, name, message):
    """Atomically: a test polling the directory never reads a marker without its notification id."""
    temporary = directory / f".{name}.tmp"
    temporary.write_text(message.extra_headers.get(NOTIFICATION_HEADER, ""))
    os.replace(temporary, directory / name)


class FileMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(settings.TEST_MAILBOX_DIR)
        block = getattr(settings, "TEST_MAILBOX_BLOCK_FILE", "")
        accepted_block = getattr(settings, "TEST_MAILBOX_ACCEPTED_BLOCK_FILE", "")
        fail = getattr(settings, "TEST_MAILBOX_FAIL_FILE", "")
        for message in email_messages:
            if fail and Path(fail).exists():
                raise smtplib.SMTPServerDisconnected("serveur d’envoi indisponible (test)")
            name = uuid.uuid4().hex
            if block:
                write_marker(directory, f"sending-{os.getpid()}-{name}", message)
                # Bounded by the task's time limit, or by the test killing this process.
                while Path(block).exists():
                    time.sleep(0.02)
            data = message.message().as_bytes()
            temporary = directory / f".{name}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, directory / f"{name}.eml")
            if accepted_block:
                write_marker(directory, f"accepted-{os.getpid()}-{name}", message)
                while Path(accepted_block).exists():
                    time.sleep(0.02)
        return len(email_messages)
