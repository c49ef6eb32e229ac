"""With Redis down — as broker and as cache — the public site and the dashboard keep working.

Redis is "down" here as a closed port of 127.0.0.1: the pages answer, the data is stored, the
notifications wait in the outbox (the sweep sends them once the broker is back: see
test_real_worker.py), and the failures are logged. These tests need no redis-server; they run on
SQLite and on PostgreSQL alike (transactional, so that the commit, and what follows it, happens
inside the request, as in production).
"""

import logging
import re

import pytest
from captcha.models import CaptchaStore
from django.core.cache import caches
from django.urls import reverse

from notifications.cache import ResilientRedisCache
from notifications.enums import NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.publisher import publisher
from referrals.enums import RequestStatus
from referrals.models import ContactRequest
from tests.accounts.factories import DEFAULT_PASSWORD

from .conftest import SECRET_MESSAGE, YOUNG_EMAIL, YOUNG_FIRST_NAME
from .workers import RedisServer, free_port, require_redis_server, this_process_broker, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")


@pytest.fixture
def closed_port_url():
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def redis_cache_down(settings, closed_port_url):
    """The production cache configuration, on a port where nothing answers."""
    settings.CACHES = {
        "default": {
            "BACKEND": "notifications.cache.ResilientRedisCache",
            "LOCATION": closed_port_url,
            "KEY_PREFIX": "pdn",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield caches["default"]


@pytest.fixture
def broker_down(closed_port_url):
    with this_process_broker(closed_port_url):
        yield


def post_contact_form(client, url, **data):
    page = client.get(url).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    form = {
        "prenom": YOUNG_FIRST_NAME,
        "age": "15-17",
        "commune": "Périgueux",
        "canal": "email",
        "email": YOUNG_EMAIL,
        "message": SECRET_MESSAGE,
        "consentement": "on",
        "captcha_0": key,
        "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
        "jeton": token,
        "site_web": "",
        **data,
    }
    return client.post(url, form)


@pytest.mark.django_db(transaction=True)
def test_the_contact_form_works_with_redis_down(
    client, world, settings, broker_down, redis_cache_down, caplog
):
    settings.CONTACT_FORM_MIN_SECONDS = 0
    url = reverse("referrals:contact_structure", kwargs={"slug": world["structure"].slug})

    with caplog.at_level(logging.WARNING):
        response = post_contact_form(client, url, themes=[world["theme"].pk])
        assert response.status_code == 302, response.content.decode()[:2000]
        acknowledgment = client.get(response["Location"])
        # The publisher thread, not the request, met the broker's refusal.
        assert publisher.wait_idle(30)

    assert acknowledgment.status_code == 200
    contact_request = ContactRequest.objects.get()
    assert contact_request.reference in acknowledgment.content.decode()
    rows = Notification.objects.all()
    assert {row.recipient for row in rows} == {world["promeneur"].user, world["colleague"].user}
    assert {row.status for row in rows} == {NotificationStatus.PENDING}
    assert "le broker ne répond pas" in caplog.text
    assert "Cache Redis indisponible" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_works_with_redis_down(client, world, make_request, broker_down, redis_cache_down):
    promeneur = world["promeneur"]
    contact_request = make_request()
    # Signing in goes through allauth's rate limits, in the cache.
    response = client.post(
        reverse("account_login"), {"login": promeneur.user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("referrals:inbox")).status_code == 200

    response = client.post(reverse("referrals:claim", kwargs={"uuid": contact_request.uuid}))

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.CLAIMED
    notice = Notification.objects.get(kind=NotificationKind.REQUEST_CLAIMED)
    assert notice.status == NotificationStatus.PENDING


# --- The cache itself ----------------------------------------------------------------------------


def resilient_cache(url):
    return ResilientRedisCache(url, {"KEY_PREFIX": "pdn", "OPTIONS": {"socket_connect_timeout": 1}})


def test_the_cache_answers_from_memory_when_redis_is_down(closed_port_url, caplog):
    cache = resilient_cache(closed_port_url)

    with caplog.at_level(logging.WARNING, logger="notifications.cache"):
        assert cache.get("absent", "par défaut") == "par défaut"
        assert cache.add("verrou", 1, timeout=60) is True
        assert cache.add("verrou", 1, timeout=60) is False  # a lock still works
        cache.set("compte", 1, timeout=60)
        assert cache.incr("compte") == 2
        assert cache.get_many(["compte", "absent"]) == {"compte": 2}
        assert cache.has_key("compte")
        cache.delete("compte")
        assert cache.get("compte") is None

    assert "Cache Redis indisponible" in caplog.text
    assert not cache.redis_available  # not asked again for a few seconds
    # One warning for the outage, not one per call.
    assert caplog.text.count("Cache Redis indisponible") == 1


def test_the_cache_uses_redis_again_once_it_is_back(tmp_path):
    require_redis_server()
    server = RedisServer(tmp_path)  # a free port: nothing answers there yet
    cache = resilient_cache(server.url)
    cache.retry_after = 0.05  # the probe asks Redis every 50 ms (a short outage, for this test)

    assert cache.get("clé", "hors ligne") == "hors ligne"
    assert not cache.redis_available
    server.start()
    try:
        # The probe hears Redis again; no call of the cache had to try it.
        wait_until(lambda: cache.redis_available, 10, "the probe to hear Redis again")
        cache.set("clé", "dans Redis", timeout=60)
        with server.client() as client:
            assert client.exists(cache.make_key("clé"))
        assert cache.get("clé") == "dans Redis"
    finally:
        server.stop()


def test_redis_keys_are_not_held_to_memcached_rules(tmp_path, recwarn):
    """Any key goes to Redis as it is, without Django's memcached checks (a warning per long key)."""
    require_redis_server()
    server = RedisServer(tmp_path)
    server.start()
    try:
        cache = resilient_cache(server.url)
        key = "clé-canari:" + "x" * 300
        cache.set(key, "valeur canari", timeout=30)
        assert cache.redis_available
        with server.client() as client:
            assert client.exists(cache.make_key(key))
        assert cache.get_many([key]) == {key: "valeur canari"}
    finally:
        server.stop()
    assert not [w for w in recwarn if w.category.__name__ == "CacheKeyWarning"]
