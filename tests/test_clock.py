"""A frozen clock (freezegun) stops the code under test, not pytest's own timing of it."""

import time

import _pytest.timing
from freezegun import freeze_time


def test_frozen_time_leaves_pytest_durations_alone():
    before = time.time()
    with freeze_time("2020-01-01 12:00:00"):
        assert time.time() == 1577880000.0
        # What `--durations` and the JUnit report are measured with.
        assert _pytest.timing.time() >= before
        start = _pytest.timing.perf_counter()
        time.sleep(0.01)
        assert _pytest.timing.perf_counter() > start
