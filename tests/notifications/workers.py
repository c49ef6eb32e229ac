"""Real Redis servers and real Celery workers for the tests, started and stopped by the tests.

Each redis-server is our own, on a free port of 127.0.0.1, never the developer's nor CI's. Each
worker is `celery -A promeneurs worker`, in its own process group (so that SIGKILL reaches its
pool's children too), with DATABASE_URL pointing at pytest-django's test database — hence
PostgreSQL only: an in-memory SQLite database cannot be shared with another process.
"""

import contextlib
import email
import email.policy
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.db import connection

from notifications.publisher import publisher
from promeneurs.celery import app
from tests.ports import free_port

from .mailbox import NOTIFICATION_HEADER

ROOT = Path(__file__).resolve().parent.parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_SERVER = shutil.which("redis-server")
# The publisher tries each batch within the broker's timeouts (seconds): a bound, not a timing.
PUBLISH_BOUND = 30


def require_real_worker_environment():
    """Skip on SQLite or without redis-server locally; in CI, fail instead: CI must run these."""
    problems = []
    if connection.vendor != "postgresql":
        problems.append("a PostgreSQL test database (DATABASE_URL=postgres://…)")
    if not REDIS_SERVER:
        problems.append("redis-server (apt-get install redis-server)")
    if not problems:
        return
    message = "real Celery workers need " + " and ".join(problems)
    if IN_CI:
        pytest.fail("CI must run the real-worker tests: " + message)
    pytest.skip(message)


def require_redis_server():
    if REDIS_SERVER:
        return
    if IN_CI:
        pytest.fail("CI must run the Redis tests: redis-server is missing (apt-get install redis-server)")
    pytest.skip("redis-server is not installed")


def wait_until(predicate, timeout, what, *, describe=None):
    """Poll `predicate` until it is true; fail after `timeout` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    details = f"\n{describe()}" if describe else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{details}")


def stop_process(process, *, group=False):
    if process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            send(signal.SIGKILL)
        process.wait(timeout=20)


class RedisServer:
    """A redis-server of our own on `port`; can be stopped and started again on the same port."""

    def __init__(self, directory, port=None):
        self.directory = directory
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.log = None

    def start(self):
        self.log = open(self.directory / f"redis-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.directory,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, 20, "redis-server to answer")
        return self

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

    def answers(self):
        if self.process.poll() is not None:
            raise AssertionError(
                "redis-server exited: " + (self.directory / f"redis-{self.port}.log").read_text()
            )
        try:
            with self.client() as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def queued_messages(self, *, ignoring=()):
        """Messages waiting in a queue, or taken by a worker and not acknowledged yet.

        `ignoring`: delivery tags of messages held by workers that were killed (see `unacked_tags`);
        the broker gives those back only after its visibility timeout.
        """
        with self.client() as client:
            waiting = sum(
                client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
            )
            unacked = {tag.decode() for tag in client.hkeys("unacked")} - set(ignoring)
            return waiting + len(unacked)

    def unacked_tags(self):
        with self.client() as client:
            return {tag.decode() for tag in client.hkeys("unacked")}

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


def database_url_for_workers():
    """pytest-django's test database (the one `django_db_setup` created), as a DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """`celery -A promeneurs worker`, in its own process group, logging to a file."""

    def __init__(
        self,
        directory,
        name,
        redis_url,
        mailbox,
        *,
        concurrency=1,
        block_file=None,
        env=None,
        database_url=None,
    ):
        self.directory = directory
        self.name = name
        self.log_path = directory / f"worker-{name}.log"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "CELERY_", "PYTEST_", "TEST_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="localhost",
            DATABASE_URL=database_url or database_url_for_workers(),
            REDIS_URL=redis_url,
            SITE_URL="https://promeneurs.example.fr",
            TEST_MAILBOX_DIR=str(mailbox.directory),
            TEST_MAILBOX_BLOCK_FILE=str(block_file or ""),
            **(env or {}),
        )
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "promeneurs",
            "--result-backend",
            redis_url,
            "worker",
            "--hostname",
            f"{name}@%h",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.environment = environment
        self.process = None
        self.log = None

    def start(self, *, wait=True):
        self.log = open(self.log_path, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        if wait:
            wait_until(self.ready, 90, f"worker {self.name} to be ready", describe=self.read_log)
        return self

    def read_log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def ready(self):
        self.assert_alive()
        return " ready." in self.read_log()

    def assert_alive(self):
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.read_log()}")

    def kill(self):
        """SIGKILL to the worker and its pool's children, all at once: no clean-up at all."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self):
        if self.process is not None:
            # A warm shutdown of the main process, which stops its pool; then whatever is left.
            stop_process(self.process)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.log is not None:
            self.log.close()
            self.log = None


class Mailbox:
    """The directory the workers' FileMailboxBackend writes to."""

    def __init__(self, directory):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def messages(self):
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.directory.glob("*.eml"))
        ]

    def notification_ids(self):
        return sorted(int(message[NOTIFICATION_HEADER]) for message in self.messages())

    def senders_in_progress(self):
        """(pid, notification id) of each sending that reached the backend while blocked."""
        found = []
        for marker in self.directory.glob("sending-*"):
            pid = int(marker.name.split("-")[1])
            found.append((pid, int(marker.read_text() or 0)))
        return found


@contextlib.contextmanager
def this_process_broker(url):
    """Point this process's Celery app (the one `notification_record` publishes with) at `url`.

    Celery caches its broker connection pool: it is dropped on entry and on exit. The settings'
    CELERY_* values are read once, hence `app.conf` (Django settings are not re-read by Celery).
    What the publisher thread (notifications/publisher.py) was given is published before the
    broker changes, on entry and on exit.
    """
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools():
        if app._pool is not None:
            with contextlib.suppress(Exception):
                app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    publisher.wait_idle(PUBLISH_BOUND)
    reset_pools()
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        publisher.wait_idle(PUBLISH_BOUND)
        reset_pools()
        app.conf.update(saved)


@contextlib.contextmanager
def sender(url):
    """A Celery client of our own, to publish tasks by name and read their results."""
    client = Celery("test-sender", broker=url, backend=url, set_as_current=False)
    client.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    try:
        yield client
    finally:
        client.close()


class Harness:
    """What a real-worker test starts — redis servers, workers — all stopped by `close()`."""

    def __init__(self, directory):
        self.directory = directory
        self.mailbox = Mailbox(directory / "mailbox")
        self.started = []

    def redis(self, *, start=True):
        server = RedisServer(self.directory)
        self.started.append(server)
        return server.start() if start else server

    def worker(self, name, redis_url, *, wait=True, **options):
        worker = Worker(self.directory, name, redis_url, self.mailbox, **options)
        self.started.append(worker)
        return worker.start(wait=wait)

    def block_file(self):
        """While this file exists, the workers started with it hold every e-mail they send."""
        path = self.directory / "hold-the-emails"
        path.touch()
        return path

    def close(self):
        for thing in reversed(self.started):
            with contextlib.suppress(Exception):
                thing.stop()

    def logs(self):
        return "\n".join(
            f"--- {path.name}\n{path.read_text()}" for path in sorted(self.directory.glob("worker-*.log"))
        )
