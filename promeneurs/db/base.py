"""Django's PostgreSQL backend (psycopg 3 and its pool), with no unbounded wait on the server.

A database that refuses connections fails fast by itself. One that *hangs* — the server frozen, a
network or a proxy that stops forwarding while keeping the TCP connection open — does not: the
kernel keeps acknowledging, libpq waits for an answer for ever, and gunicorn kills the worker after
30 s with a bare error. Three bounds, each from the environment (settings, "Database"):

- connecting: libpq's `connect_timeout` (DATABASE_CONNECT_TIMEOUT) and the pool's timeout
  (DATABASE_POOL_TIMEOUT) for a free connection;
- a query: the server's `statement_timeout` (DATABASE_STATEMENT_TIMEOUT) cancels a slow one
  cleanly; for a server that does not answer at all, the `Watchdog` shuts the connection's socket
  down one second after that, which ends the wait with an OperationalError;
- taking a connection from the pool: each one is checked (psycopg_pool's check, an empty query) under the watchdog
  (DATABASE_CHECK_TIMEOUT) instead of psycopg_pool's unbounded check. A connection that fails
  at once (the server restarted) is dropped and the next one tried; one that times out means the
  server hangs: the request fails now rather than trying every connection in turn.

Commit and rollback are bounded in the same way. The request then fails with an OperationalError,
which the portal's error handler answers with its French 503 page (pages/views.py); the broken
connection goes back to the pool, which discards it, and new ones are made once the server
answers again.
"""

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db.backends.postgresql import base as postgresql

logger = logging.getLogger(__name__)


class Watchdog:
    """One thread per process that shuts down the socket of a database call past its deadline."""

    def __init__(self):
        self._lock = threading.Condition()
        self._heap = []
        self._armed = {}
        self._counter = itertools.count()
        self._pid = None

    def _ensure_thread(self):
        if self._pid != os.getpid():  # first use, or a forked process: the thread is not there
            self._pid = os.getpid()
            self._heap, self._armed = [], {}
            threading.Thread(target=self._run, name="database-watchdog", daemon=True).start()

    @contextlib.contextmanager
    def guard(self, raw_connection, seconds):
        """Within this block, a call on `raw_connection` lasting over `seconds` is cut off."""
        if not seconds or raw_connection is None:
            yield
            return
        try:
            fd = raw_connection.fileno()
        except Exception:  # already closed: the call fails by itself
            yield
            return
        token = next(self._counter)
        with self._lock:
            self._ensure_thread()
            deadline = time.monotonic() + seconds
            self._armed[token] = fd
            heapq.heappush(self._heap, (deadline, token))
            # The thread sleeps until the earliest deadline: it needs waking only when this one
            # comes first (an empty heap, or a shorter bound). Waking it for every query cost more
            # than the query itself.
            if self._heap[0][1] == token:
                self._lock.notify()
        try:
            yield
        finally:
            with self._lock:
                self._armed.pop(token, None)

    def _run(self):
        while True:
            with self._lock:
                while not self._heap:
                    self._lock.wait()
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._heap)
                fd = self._armed.pop(token, None)
                if fd is None:
                    continue  # the call ended in time
                logger.error("Base de données sans réponse : connexion coupée après le délai.")
                with contextlib.suppress(OSError):
                    # A duplicate of the descriptor: shutting it down ends the blocked wait on
                    # the original (psycopg then raises OperationalError), closing it does not.
                    sock = socket.socket(fileno=os.dup(fd))
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    finally:
                        sock.close()


watchdog = Watchdog()


def query_deadline():
    """Seconds a query may wait for the server: the statement timeout, plus one."""
    statement = settings.DATABASE_STATEMENT_TIMEOUT
    return statement + 1 if statement else settings.DATABASE_HANG_TIMEOUT


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._bounded_execute)

    def _bounded_execute(self, execute, sql, params, many, context):
        with watchdog.guard(self.connection, query_deadline()):
            return execute(sql, params, many, context)

    def get_new_connection(self, conn_params):
        if not self.pool:
            return super().get_new_connection(conn_params)
        # psycopg's errors, without importing psycopg at module level (Django does the same).
        errors = self.Database.Error
        attempts = self.pool.max_size + 1
        for attempt in range(attempts):
            raw = super().get_new_connection(conn_params)
            started = time.monotonic()
            try:
                with watchdog.guard(raw, settings.DATABASE_CHECK_TIMEOUT):
                    self.pool.check_connection(raw)  # psycopg_pool's own check, now bounded
                return raw
            except errors:
                timed_out = time.monotonic() - started >= settings.DATABASE_CHECK_TIMEOUT
                self.pool.putconn(raw)  # broken: the pool discards it
                if timed_out or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _commit(self):
        with watchdog.guard(self.connection, query_deadline()):
            return super()._commit()

    def _rollback(self):
        with watchdog.guard(self.connection, query_deadline()):
            return super()._rollback()
