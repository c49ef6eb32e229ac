import contextlib
import importlib
import os
import re
import shutil
import time
from pathlib import Path

import freezegun
import pytest

# pytest times each test (--durations, the JUnit report) with _pytest.timing's clock: a frozen test
# leaves it alone. Not the whole of `_pytest`: freezegun gives the real time to any call with an
# ignored module among its last callers, and every test function is called by _pytest.python.
freezegun.configure(extend_ignore_list=["_pytest.timing"])

# pytest-playwright's sync API runs an event loop in the test thread; Django's ORM would
# otherwise refuse to run there (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


# Tests that start real processes (Celery workers, beat, gunicorn, redis-servers) and wait for
# them within bounds: under pytest-xdist (`--dist loadgroup`, as make test runs it) they run one
# at a time, on one worker, while the other workers share the rest of the suite; several at once
# would fight for the two cores.
PROCESS_TESTS = (
    "tests/faults/",
    "tests/notifications/test_real_worker.py",
    "tests/structures/test_import_worker.py",
    "tests/test_celery.py",
)


def pytest_itemcollected(item):
    """Marked `processes`, so that CI can run them apart (`-m processes`, see .ci/run)."""
    if item.nodeid.startswith(PROCESS_TESTS):
        item.add_marker(pytest.mark.processes)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup`, the group chosen by path. (pytest-xdist's own `xdist_group` marker
    renames the tests' node ids, which pytest 9.2 no longer lets it do.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ProcessTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return "processes" if nodeid.startswith(PROCESS_TESTS) else nodeid

    return ProcessTestsTogether(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Transactional tests (browser tests among them) flush every table: run them last, as
    pytest-django intends (pytest-playwright's parametrization would otherwise mix them in).
    Browser tests need Chromium and axe-core: skipped without them locally, never in CI."""
    items.sort(key=_is_transactional)
    missing = []
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing.append(f"Chromium ({CHROMIUM}: apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append("axe-core (npm ci)")
    if not missing:
        return
    for item in items:
        if "e2e" in item.keywords:
            if IN_CI:
                raise pytest.UsageError("Browser tests cannot run in CI: missing " + ", ".join(missing))
            item.add_marker(pytest.mark.skip(reason="missing " + ", ".join(missing)))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def axe():
    """Run axe-core (WCAG 2.1 A and AA) on a Playwright page; returns the violations."""

    def run(page):
        # Evaluated rather than injected as a <script>: the Content-Security-Policy forbids inline scripts.
        page.evaluate(AXE_JS.read_text())
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["html"][:200] for n in v["nodes"][:5]],
            }
            for v in result["violations"]
        ]

    return run


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Départements and themes come from a data migration; a transactional test (browser tests)
    flushes every table when it ends. Put them back for the tests that use the database."""
    names = request.fixturenames
    if not (
        request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(names)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from structures.models import Department

    if not Department.objects.exists():
        migration = importlib.import_module("structures.migrations.0002_departments_and_themes")
        migration.load(apps, None)


@pytest.fixture(autouse=True)
def _live_server_settles(request):
    """A browser test ends by emptying every table (TRUNCATE), while the live server may still be
    answering its pages: a page left polling, a request sent just before the test ended. Each
    request runs in a transaction (ATOMIC_REQUESTS) that holds locks on the tables it read, and
    TRUNCATE takes the tables one by one: the two can deadlock, PostgreSQL cancels the flush, and the
    next test finds the last one's rows. So, before the flush (requested first, this fixture is
    torn down before it): close the browser contexts the test opened, then wait until no other
    connection to the test database is within a transaction."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    browser = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    yield
    for context in list(browser.contexts if browser else ()):
        context.close()
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for _ in range(200):  # 10 s at most (counted in tries: a test may have frozen the clock)
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND (state <> 'idle' OR xact_start IS NOT NULL)"
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache is Redis when REDIS_URL is set: counters (rate limits) must not leak between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_captcha_left_over():
    """Challenges written by an earlier test were rolled back or flushed with its database."""
    from promeneurs import captcha

    captcha._pool.clear()
    captcha._last_batch.update(size=0, made=None)


# The content gate (referrals.content): no SQL run by a test — pages, services, tasks, admin —
# may select or filter on a request's content outside the gate. Catches what the managers cannot
# see: select_related() from another model, values() through a relation, raw SQL.
CONTENT_SQL = re.compile(
    r'"referrals_contactrequest"\."(?:first_name|handle|email|phone|message)"|"referrals_requestnote"\."text"'
    r'|"referrals_conversationmessage"\."text"'
)


class ContentLeak(AssertionError):
    pass


def _content_sql_guard(execute, sql, params, many, context):
    from referrals.content import gate_is_open

    if not gate_is_open() and not sql.lstrip().upper().startswith("INSERT") and CONTENT_SQL.search(sql):
        raise ContentLeak(f"Request content selected outside referrals.content: {sql[:300]}")
    return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def _content_gate_guard():
    from django.db import connections

    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_content_sql_guard))
        yield


# Two départements many tests share (the reference data may not be loaded in every test).
@pytest.fixture
def dordogne(db):
    from tests.structures.factories import DepartmentFactory

    return DepartmentFactory(code="24")


@pytest.fixture
def gironde(db):
    from tests.structures.factories import DepartmentFactory

    return DepartmentFactory(code="33")
