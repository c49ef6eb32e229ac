"""The database watchdog (promeneurs/db/base.py) cuts a call that outlives its deadline, however
many calls ended in time before it: it is woken only when a deadline comes first, and otherwise
finds the armed one behind those that have ended."""

import socket
import threading
import time

import pytest

from promeneurs.db.base import Watchdog


class Connection:
    """What the watchdog needs of a database connection: its socket's descriptor."""

    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()


def blocked_read_cut_within(watchdog, seconds, bound=5):
    """Seconds a read on a silent socket lasted under `guard(…, seconds)` (the peer never writes)."""
    ours, peer = socket.socketpair()
    try:
        ours.settimeout(bound)
        started = time.monotonic()
        with watchdog.guard(Connection(ours), seconds):
            data = ours.recv(1)  # returns b"" once the watchdog shuts the socket down
        assert data == b""
        return time.monotonic() - started
    finally:
        ours.close()
        peer.close()


@pytest.fixture
def idle():
    """A connection whose calls end at once."""
    ours, peer = socket.socketpair()
    yield Connection(ours)
    ours.close()
    peer.close()


def test_a_hung_call_is_cut_after_many_that_ended_in_time(idle):
    watchdog = Watchdog()
    # Hundreds of calls that ended at once: their deadlines stay in the heap until they pass.
    for _ in range(500):
        with watchdog.guard(idle, 0.2):
            pass
    assert blocked_read_cut_within(watchdog, 0.5) < 3


def test_a_shorter_deadline_wakes_the_watchdog(idle):
    watchdog = Watchdog()
    # A long call in progress (the thread sleeps until its deadline, 60 s away)…
    entered, leave = threading.Event(), threading.Event()

    def long_call():
        with watchdog.guard(idle, 60):
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=long_call)
    thread.start()
    entered.wait(5)
    try:
        # … and a shorter one, which must not wait for the long one's deadline.
        assert blocked_read_cut_within(watchdog, 0.3) < 3
    finally:
        leave.set()
        thread.join()
