"""PostgreSQL hung or gone (a TCP proxy of the test's own pauses or resets the traffic; the shared
server is never touched): pages fail fast with the portal's French 503 page and its emergency
numbers, `/healthz` answers 503 within 2 s, and the site recovers by itself once the database is
back. The figures (seconds) are printed for the README; the bounds are the HTTP client's timeouts.
"""

import time

import pytest
from django.db import connection
from django.urls import reverse

from tests.notifications.workers import database_url_for_workers, wait_until

from .web import Browser

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# Well under gunicorn's 30 s: connect 3 s, pool 3 s, check 2 s, statement 5 s (+1).
FAIL_FAST_BOUND = 8
RECOVERY_BOUND = 60


def through(proxy):
    """The test database's URL, with the proxy's port in place of the server's."""
    host = connection.settings_dict["HOST"] or "127.0.0.1"
    port = str(connection.settings_dict["PORT"] or 5432)
    return database_url_for_workers().replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")


def assert_french_503(response):
    assert response.status == 503, response.text[:2000]
    assert "Le site est momentanément indisponible" in response.text
    for number in ("3018", "119", "3114", "0 800 235 236", "112"):
        assert number in response.text
    assert response.headers["Retry-After"]


def recover(browser, path):
    """Seconds until `path` answers 200 again (bounded)."""
    started = time.monotonic()

    def answers():
        try:
            return browser.get(path, timeout=FAIL_FAST_BOUND).status == 200
        except OSError:
            return False

    wait_until(answers, RECOVERY_BOUND, f"{path} to answer again")
    return time.monotonic() - started


@pytest.mark.parametrize("fault", ["pause", "reset"])
def test_a_hung_or_gone_database_gives_the_503_page_fast_and_the_site_recovers(harness, world, fault):
    redis = harness.redis()
    proxy = harness.proxy(
        connection.settings_dict["HOST"] or "127.0.0.1", connection.settings_dict["PORT"] or 5432
    )
    web = harness.gunicorn(redis.url, database_url=through(proxy), workers=1)
    browser = Browser(web.url)
    directory = reverse("structures:directory")
    first_visit = time.time()
    assert browser.get(directory, timeout=10).status == 200

    getattr(proxy, fault)()
    # A page already in the shared cache needs no database (a public page takes no connection):
    # it is still served, within the minute of its key.
    cached = browser.get(directory, timeout=FAIL_FAST_BOUND)
    if time.time() // 60 == first_visit // 60:
        assert cached.status == 200
        assert "Annuaire des promeneurs" in cached.text
        print(f"\nBase {fault} : page en cache servie en {cached.seconds:.2f} s ({directory})")
    else:  # the minute of the page's key turned since the first visit: the page needs the database
        assert_french_503(cached)
    # Any page that must read the database answers the French 503 page, fast.
    for path in (f"{directory}?departement=24", "/"):
        page = browser.get(path, timeout=FAIL_FAST_BOUND)
        assert_french_503(page)
        print(f"Base {fault} : page 503 en {page.seconds:.2f} s ({path})")
    health = browser.get("/healthz", timeout=2)
    assert health.status == 503
    assert '"database": "indisponible' in health.text
    print(f"Base {fault} : /healthz 503 en {health.seconds:.2f} s")

    proxy.forward()
    seconds = recover(browser, "/")  # never rendered yet: it needs the database
    print(f"Base {fault} : site revenu {seconds:.2f} s après le retour de la base")
    assert browser.get("/healthz", timeout=2).status == 200
