import pytest
from django.core.cache import cache
from freezegun import freeze_time

from tests.comments.helpers import NOW


@pytest.fixture(autouse=True)
def _empty_cache():
    # The rate limit counts in the cache: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen
