"""The admin's outbox banner says since when the sweep has not run, as dates are written elsewhere."""

import datetime

import pytest

from notifications.models import Heartbeat
from notifications.templatetags.outbox import outbox_alerts

pytestmark = pytest.mark.django_db


def test_a_stale_sweep_is_dated_in_words(settings):
    last = datetime.datetime(2026, 12, 1, 13, 5, tzinfo=datetime.UTC)  # 14 h 05 in Paris
    Heartbeat.beat(Heartbeat.SWEEP, now=last)
    now = last + datetime.timedelta(seconds=settings.NOTIFICATION_SWEEP_ALERT_SECONDS + 60)
    (message,) = [text for text, _link in outbox_alerts(now) if "balayage" in text]
    assert "n’a pas tourné depuis le 1er décembre 2026 à 14 h 05 :" in message
