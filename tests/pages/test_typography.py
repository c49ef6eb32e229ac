"""French typography of the public templates and of the one formatting module."""

import datetime
import re
from pathlib import Path

import pytest

from pages.templatetags.french import iso, jour, jour_heure
from promeneurs.typography import (
    day_and_month,
    french_decimal,
    french_duration,
    french_euros,
    french_hours,
    french_number,
    french_time,
    month_name,
    quoted,
    short_date,
    weekday_name,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PUBLIC = ["pages", "structures", "news", "includes", "layout"]
# Template tags, variables, comments and scripts are not text.
NOT_TEXT_RE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<script.*?</script>", re.S)


@pytest.mark.parametrize("folder", PUBLIC)
def test_public_templates_put_a_narrow_no_break_space_before_double_punctuation(folder):
    offences = []
    for path in sorted((TEMPLATES / folder).rglob("*.html")):
        text = NOT_TEXT_RE.sub("", path.read_text())
        for match in re.finditer(r"(?:&nbsp;| )[:;!?](?=[\s<]|$)|«(?:&nbsp;| )|(?:&nbsp;| )»", text):
            offences.append(
                f"{path.relative_to(TEMPLATES)}: {text[max(0, match.start() - 30) : match.end()]!r}"
            )
    assert offences == []


def test_dates_and_times_are_written_the_french_way():
    assert day_and_month(datetime.date(2026, 12, 1)) == "1er décembre"
    assert day_and_month(datetime.date(2026, 12, 2)) == "2 décembre"
    assert french_time(datetime.time(9, 5)) == "9 h 05"
    assert quoted("promeneur") == "«\u202fpromeneur\u202f»"
    assert jour(datetime.date(2026, 12, 1)) == "1er décembre 2026"
    moment = datetime.datetime(2026, 12, 1, 13, 30, 12, 345678, tzinfo=datetime.UTC)
    assert jour_heure(moment) == "1er décembre 2026 à 14 h 30"  # Paris time
    assert iso(moment) == "2026-12-01T14:30:12+01:00"  # no microseconds: HTML refuses them


def test_numbers_durations_and_short_dates_are_written_the_french_way():
    assert french_number(12345) == "12\u202f345"
    assert french_number(12345, grouping=False) == "12345"
    assert french_decimal(1234.56) == "1\u202f234,6"
    assert french_euros(1700) == "1\u00a0700,00\u00a0€"
    assert french_hours(3.5) == "3,5\u00a0h"
    assert french_duration(7.5) == "7 h 30"
    assert french_duration(6.0) == "6 h"
    assert month_name(8) == "août"
    assert weekday_name(datetime.date(2026, 12, 1)) == "mardi"
    assert short_date(datetime.date(2026, 12, 1)) == "01/12/2026"
