"""Free ports of 127.0.0.1 for the servers the tests start (redis-server, gunicorn), or leave closed.

Each pytest-xdist worker takes its ports from a range of its own, below the kernel's ephemeral
ports: a port one worker picked (for a server, or as a port where nothing answers) is never picked
by another worker, nor handed by the kernel to a client connection in the meantime. Within a
range the ports are taken in turn, from a random start, each one checked free by binding it.
"""

import itertools
import os
import random
import socket

FIRST = 20000  # the kernel's ephemeral ports start at 32768 (net.ipv4.ip_local_port_range)
SPAN = 1000  # ports per worker: gw0 20000-20999, gw1 21000-21999…


def worker_index():
    """0 without pytest-xdist, else the worker's number (PYTEST_XDIST_WORKER is "gw0", "gw1"…)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else 0


def _candidates():
    start = FIRST + SPAN * worker_index()
    ports = list(range(start, start + SPAN))
    offset = random.randrange(SPAN)
    return itertools.cycle(ports[offset:] + ports[:offset])


_ports = None


def free_port():
    global _ports
    if _ports is None:
        _ports = _candidates()
    for port in itertools.islice(_ports, SPAN):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port among the {SPAN} of this test worker")
