"""The process's publisher: broker publishing moved out of the visitors' requests.

A request that records notifications (a young person's contact request, a claim…) only writes
outbox rows; after its commit it hands their ids to this thread and answers. The thread publishes
the send tasks. If the broker refuses connections, or hangs (Redis frozen: connect and socket
timeouts of the broker bound each try), the thread logs it and goes on with the next ids: the rows
stay pending and the outbox sweep (every minute, from beat) sends them. Ids still queued when the
process stops are left to the sweep in the same way. Nothing here touches the database.

One thread per process, started on first use, and again in a process forked afterwards (gunicorn
forks its workers: a thread does not survive a fork).
"""

import logging
import os
import queue
import threading

logger = logging.getLogger(__name__)


class Publisher:
    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._queue: queue.SimpleQueue[list[int]] | None = None
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._done = threading.Condition(self._lock)

    def submit(self, ids):
        """Queue `ids` for publishing; never blocks, never raises."""
        try:
            with self._lock:
                ids_queue = self._ensure_running()
                self._pending += 1
                ids_queue.put(list(ids))
        except Exception:  # a thread that cannot start: the sweep takes over
            logger.exception("Notifications %s non confiées au publieur ; le balayage les enverra.", ids)

    def wait_idle(self, timeout):
        """True once everything submitted has been tried (for tests and orderly shutdowns)."""
        with self._lock:
            if self._pid != os.getpid():
                return True
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def _ensure_running(self) -> queue.SimpleQueue[list[int]]:
        """Called with the lock held; the queue of the running thread."""
        if (
            self._pid == os.getpid()
            and self._queue is not None
            and self._thread is not None
            and self._thread.is_alive()
        ):
            return self._queue
        # A new process (forked): what the parent had queued stayed in the parent.
        self._pending = 0
        self._pid = os.getpid()
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._run, args=(self._queue,), name="notifications-publisher", daemon=True
        )
        self._thread.start()
        return self._queue

    def _run(self, ids_queue):
        from .services import notifications_enqueue

        while True:
            ids = ids_queue.get()
            try:
                notifications_enqueue(ids)
            except Exception:  # notifications_enqueue logs and swallows; this is a last resort
                logger.exception("Échec du publieur de notifications.")
            with self._lock:
                self._pending -= 1
                self._done.notify_all()


publisher = Publisher()
