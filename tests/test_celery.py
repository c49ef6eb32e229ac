"""A real Celery worker and a real beat, as `celery -A promeneurs …` starts them in production.

Each test runs its own throwaway redis-server on a free port, so it never touches the developer's
Redis nor CI's. Without the `redis-server` binary the tests are skipped locally; in CI they must run.
"""

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_SERVER = shutil.which("redis-server")


def require_redis_server():
    if REDIS_SERVER:
        return
    if IN_CI:
        pytest.fail(
            "redis-server is missing: CI must run the Celery and broker tests (apt-get install redis-server)"
        )
    pytest.skip("redis-server is not installed")


def wait_until(predicate, timeout, what):
    """Poll `predicate` until it is true; fail after `timeout` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def throwaway_redis(directory):
    """A redis-server of our own on a free port of 127.0.0.1, stopped on exit. Yields its URL."""
    require_redis_server()
    port = free_port()
    log = open(directory / "redis.log", "w")
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)

    def answers():
        if process.poll() is not None:
            raise AssertionError("redis-server exited: " + (directory / "redis.log").read_text())
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    try:
        wait_until(answers, 20, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        stop(process)
        log.close()


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def celery_env(redis_url, directory):
    """The environment of a production worker: debug off, a secret, the broker from REDIS_URL."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "PYTEST_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="promeneurs.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        SQLITE_PATH=str(directory / "db.sqlite3"),
        REDIS_URL=redis_url,
    )
    return env


@pytest.fixture
def redis_url(tmp_path):
    with throwaway_redis(tmp_path) as url:
        yield url


@pytest.fixture
def start_celery(tmp_path, request):
    """Start `celery -A promeneurs <args>`; every process started is stopped at teardown."""

    def start(redis_url, *args, name):
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "promeneurs", *args],
            cwd=ROOT,
            env=celery_env(redis_url, tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

        def finalize():
            stop(process)
            log.close()

        request.addfinalizer(finalize)
        return process, log_path

    return start


def test_worker_executes_ping_task(redis_url, start_celery):
    worker, log_path = start_celery(
        redis_url,
        # The production worker, with one process and a result backend for this test to read from.
        "--result-backend",
        redis_url,
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        name="worker",
    )
    sender = Celery("test-sender", broker=redis_url, backend=redis_url, set_as_current=False)
    sender.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    try:
        result = sender.send_task("promeneurs.ping")
        try:
            value = result.get(timeout=90)
        except Exception as error:
            raise AssertionError(
                f"the worker did not run the task; its log:\n{log_path.read_text()}"
            ) from error
        assert value == "pong"
        assert worker.poll() is None, "the worker stopped after the task"
        assert "promeneurs.ping" in log_path.read_text()
    finally:
        sender.close()


def test_beat_starts_and_stays_up(redis_url, start_celery, tmp_path):
    beat, log_path = start_celery(
        redis_url,
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(tmp_path / "celerybeat-schedule"),
        "--pidfile",
        "",
        name="beat",
    )

    def started():
        if beat.poll() is not None:
            raise AssertionError(f"beat exited with {beat.returncode}:\n{log_path.read_text()}")
        return "beat: Starting" in log_path.read_text()

    wait_until(started, 60, "beat to start")
    # Started is not enough: beat must keep running (a broken schedule or broker makes it exit).
    with pytest.raises(subprocess.TimeoutExpired):
        beat.wait(timeout=3)
    assert (tmp_path / "celerybeat-schedule").exists() or any(tmp_path.glob("celerybeat-schedule*"))
