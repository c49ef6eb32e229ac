"""Fault tests: real gunicorn, Celery worker, redis-server and a TCP proxy to PostgreSQL, per test.

PostgreSQL only (the processes share pytest-django's test database); skipped on SQLite or
without redis-server, except in CI where they must run. Every wait is bounded.
"""

import pytest

from tests.notifications.conftest import make_request, world  # noqa: F401
from tests.notifications.workers import Harness, require_real_worker_environment

from .proxy import TcpProxy
from .web import Gunicorn


class FaultHarness(Harness):
    def gunicorn(self, redis_url, **options):
        server = Gunicorn(self.directory, redis_url=redis_url, mailbox=self.mailbox, **options)
        self.started.append(server)
        return server.start()

    def proxy(self, host, port):
        proxy = TcpProxy(host, port)
        self.started.append(_Closing(proxy))
        return proxy

    def logs(self):
        return super().logs() + "\n".join(
            f"--- {path.name}\n{path.read_text()}" for path in sorted(self.directory.glob("gunicorn*.log"))
        )


class _Closing:
    def __init__(self, thing):
        self.thing = thing

    def stop(self):
        self.thing.close()


@pytest.fixture
def harness(tmp_path, request):
    require_real_worker_environment()
    harness = FaultHarness(tmp_path)
    request.addfinalizer(harness.close)
    return harness
