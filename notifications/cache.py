"""A Redis cache that keeps the site up when Redis is down.

Redis is the broker of the outbox and the cache of the rate limits (the public forms' and
allauth's, whose locks and used TOTP codes also live in the cache). Django's `RedisCache` raises on
a connection error, which would answer 500 on the contact form and the login page as long as Redis
is away. `ResilientRedisCache` catches those errors, logs them, and answers from a small memory
cache of the process instead:

- the rate limits keep counting (per process, so looser than with Redis), allauth's `cache.add`
  locks keep working, and nobody is refused because of an outage;
- after a failure, no request asks Redis again until it answers: a thread of the process asks it
  (a PING) every `retry_after` seconds, and only that thread waits on a Redis that hangs (frozen,
  or a network that stops forwarding), for the client's socket timeout. A request pays that wait
  once, on the call that found Redis gone, and never again during the outage — not one call every
  few seconds, which on a frozen Redis made a worker stall for the timeout every `retry_after`;
- once Redis answers the PING, it is used again; what the memory cache held is left behind
  (counters and locks that expire within the hour).

Sessions are in the database, the CAPTCHA's challenges too: nothing else depends on the cache.
"""

import logging
import math
import os
import threading
import time
import weakref

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

# Redis cannot be reached, times out, is loading its data, refuses writes (noeviction and memory
# full), or something else than Redis answers: every error of the client.
UNAVAILABLE = redis_errors.RedisError


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's client, but one `redis.Redis` per connection pool instead of one per operation:
    building one fills its table of some 170 response callbacks, which cost more than the round
    trip to Redis itself on the cached public pages. A `redis.Redis` is safe to share between
    threads (each command takes a connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Private to Django's client, which the stubs do not describe.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


def _probe(cache_ref):
    """The thread that asks Redis, every `retry_after` seconds, whether it answers again; ends once it
    does (or once its cache is gone). It holds its cache through a weak reference only."""
    while True:
        cache = cache_ref()
        if cache is None:
            return
        pause = cache.retry_after
        del cache
        time.sleep(pause)
        cache = cache_ref()
        if cache is None:
            return
        if cache._answers():
            cache._back()
            return
        del cache


class ResilientRedisCache(RedisCache):
    retry_after = 5.0  # seconds between two PINGs of the probe while Redis is away

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
        fallback_params = {key: value for key, value in params.items() if key not in ("OPTIONS", "LOCATION")}
        # Same key prefix, version and default timeout; one store per process (named after Redis).
        self._fallback = LocMemCache(f"redis-fallback:{server}", fallback_params)
        self._unavailable_until = 0.0
        self._probe_lock = threading.Lock()
        self._probe_pid = None  # the process whose thread is probing (none in a forked child)

    def validate_key(self, key):
        """Redis takes any key. Django checks memcached's rules (250 characters, no control
        character) on every key of every operation, in Python, character by character: a page
        reading its twenty cards and their versions paid for it. Our keys are made of digests."""

    @property
    def redis_available(self):
        if time.monotonic() >= self._unavailable_until:
            return True
        if self._probe_pid != os.getpid():
            # Away in the parent when this process was forked: its probe did not come along.
            self._start_probe()
        return False

    def _answers(self):
        try:
            return bool(self._cache.get_client(write=True).ping())
        except UNAVAILABLE:
            return False

    def _back(self):
        with self._probe_lock:
            self._unavailable_until = 0.0
            self._probe_pid = None
        logger.warning("Cache Redis de nouveau disponible.")

    def _start_probe(self):
        """The memory cache until the probe hears Redis again; one probe per process. False if this
        process had one already."""
        with self._probe_lock:
            self._unavailable_until = math.inf
            if self._probe_pid == os.getpid():
                return False
            self._probe_pid = os.getpid()
        threading.Thread(
            target=_probe, args=(weakref.ref(self),), name="redis-cache-probe", daemon=True
        ).start()
        return True

    def _gone(self, operation, error):
        if self._start_probe():
            logger.warning(
                "Cache Redis indisponible (%s : %s) : cache en mémoire du processus, Redis interrogé "
                "toutes les %s s.",
                operation,
                type(error).__name__,
                self.retry_after,
            )

    def _call(self, operation, *args, **kwargs):
        if self.redis_available:
            try:
                return getattr(super(), operation)(*args, **kwargs)
            except UNAVAILABLE as error:
                self._gone(operation, error)
        return getattr(self._fallback, operation)(*args, **kwargs)

    # Every operation of Django's cache API, through `_call`.

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
