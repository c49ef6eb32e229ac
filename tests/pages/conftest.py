import pytest
from django.core.cache import caches

from tests.ports import free_port


@pytest.fixture
def redis_down_after_an_earlier_outage(settings):
    """The production cache on a port where nothing answers, taken for reachable until its next
    call fails; its memory (each process's own) may hold what an earlier outage put there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "notifications.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "KEY_PREFIX": "pdn",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    backend = caches["default"]
    # The settings change itself asked Redis (the pages' versions): as if it had come back since.
    backend._unavailable_until = 0.0
    return backend
