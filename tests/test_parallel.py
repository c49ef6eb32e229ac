"""What keeps pytest-xdist's workers apart: a Redis database and a range of ports each."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from promeneurs.settings.test import _redis_url_of_this_worker
from tests import ports


def test_each_worker_has_its_own_redis_database():
    url = "redis://127.0.0.1:6379/8"
    assert _redis_url_of_this_worker(url, "") == url
    assert _redis_url_of_this_worker(url, "gw0") == url
    assert _redis_url_of_this_worker(url, "gw3") == "redis://127.0.0.1:6379/11"
    assert _redis_url_of_this_worker("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"


def test_a_worker_past_the_last_redis_database_is_refused():
    with pytest.raises(ImproperlyConfigured, match="database 16"):
        _redis_url_of_this_worker("redis://127.0.0.1:6379/14", "gw2")


def test_workers_take_their_ports_from_separate_ranges(monkeypatch):
    taken = {}
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setattr(ports, "_ports", None)
        taken[worker] = {ports.free_port() for _ in range(5)}
    start = ports.FIRST
    assert all(start <= port < start + ports.SPAN for port in taken["gw0"])
    assert all(start + 2 * ports.SPAN <= port < start + 3 * ports.SPAN for port in taken["gw2"])
    assert len(taken["gw0"] | taken["gw1"] | taken["gw2"]) == 15
