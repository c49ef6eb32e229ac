"""Redis frozen (SIGSTOP: connections are accepted, nothing answers) — the visitor never waits on it.

The contact form's acknowledgment comes within 3 s, other pages keep answering, `/healthz` says
the broker is down within 2 s; once Redis is back, the notifications are delivered by the worker.
The figures (seconds) are printed for the README; the bounds are the HTTP client's timeouts.
"""

import os
import signal
import time

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from notifications.cache import ResilientRedisCache
from notifications.enums import NotificationStatus
from notifications.models import Notification
from referrals.models import ContactRequest
from tests.notifications.conftest import SECRET_MESSAGE, YOUNG_EMAIL, YOUNG_FIRST_NAME
from tests.notifications.workers import RedisServer, require_redis_server, sender, wait_until

from .web import Browser, contact_form_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def captcha_answer(key):
    return CaptchaStore.objects.get(hashkey=key).response


def test_with_redis_frozen_the_visitor_gets_the_acknowledgment_and_nothing_is_lost(harness, world):
    redis = harness.redis()
    web = harness.gunicorn(redis.url, workers=2)
    browser = Browser(web.url)
    url = reverse("referrals:contact_structure", kwargs={"slug": world["structure"].slug})
    assert browser.get("/", timeout=10).status == 200
    form_page = browser.get(url, timeout=10)
    assert form_page.status == 200

    os.kill(redis.process.pid, signal.SIGSTOP)
    try:
        data = contact_form_data(
            form_page.text,
            captcha_answer,
            prenom=YOUNG_FIRST_NAME,
            age="15-17",
            commune="Périgueux",
            canal="email",
            email=YOUNG_EMAIL,
            message=SECRET_MESSAGE,
            consentement="on",
            themes=[world["theme"].pk],
        )
        # The POST, its redirect and the acknowledgment page: 1.4 to 2.5 s measured; bounded at 5 s, the
        # socket timeout of one broker publish, so that a request waiting on the broker fails here.
        acknowledgment = browser.post(url, data, timeout=5)
        assert acknowledgment.status == 200, acknowledgment.text[:2000]
        contact_request = ContactRequest.objects.get()
        assert contact_request.reference in acknowledgment.text
        print(f"\nRedis figé : accusé de réception en {acknowledgment.seconds:.2f} s")

        for path in ("/", reverse("structures:directory"), url):
            assert browser.get(path, timeout=3).status == 200, path
        health = browser.get("/healthz", timeout=2)
        assert health.status == 200  # the site is up; the broker is not
        assert '"broker": "indisponible' in health.text
        print(f"Redis figé : /healthz en {health.seconds:.2f} s")

        rows = list(Notification.objects.filter(recipient__isnull=False))
        assert len(rows) == 2
        assert {row.status for row in rows} == {NotificationStatus.PENDING}
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)

    # Redis answers again: a worker and the sweep (as beat runs it) deliver what waited.
    harness.worker("w1", redis.url)
    with sender(redis.url) as celery:
        celery.send_task("notifications.tasks.sweep_outbox", kwargs={"after_seconds": 0})

        def delivered():
            return not Notification.objects.exclude(status=NotificationStatus.SENT).exists()

        wait_until(delivered, 120, "the notifications to be sent", describe=harness.logs)
    ids = sorted(row.pk for row in Notification.objects.all())
    assert harness.mailbox.notification_ids() == ids


@pytest.mark.django_db(transaction=False)
def test_a_frozen_redis_is_waited_on_once_then_only_by_the_probe(tmp_path):
    """The call that finds Redis frozen waits for the socket timeout (1 s, the production setting);
    the calls after it answer from memory at once, for as long as Redis stays frozen — none of them
    waits again every few seconds, as when each process asked Redis anew after `retry_after`. Once
    Redis answers, the probe hears it and the cache writes to Redis again."""
    require_redis_server()
    server = RedisServer(tmp_path).start()
    cache = ResilientRedisCache(
        server.url, {"KEY_PREFIX": "pdn", "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    cache.retry_after = 0.3
    try:
        cache.set("clé", "dans Redis", timeout=60)
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            assert cache.get("clé", "en mémoire") == "en mémoire"
            assert time.monotonic() - started >= 0.9  # this call met the frozen Redis
            assert not cache.redis_available

            waits, until = [], time.monotonic() + 5  # more than a dozen PINGs of the probe
            while time.monotonic() < until:
                started = time.monotonic()
                cache.set("compteur", 1, timeout=60)
                assert cache.get("compteur") == 1
                waits.append(time.monotonic() - started)
                time.sleep(0.02)
            assert max(waits) < 0.5, f"a call waited on the frozen Redis: {max(waits):.2f} s"
            assert not cache.redis_available
        finally:
            os.kill(server.process.pid, signal.SIGCONT)

        wait_until(lambda: cache.redis_available, 10, "the probe to hear Redis again")
        cache.set("après", "dans Redis", timeout=60)
        with server.client() as client:
            assert client.get(cache.make_key("après")) is not None
    finally:
        server.stop()
