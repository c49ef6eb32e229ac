"""French typography of the public templates and of the one formatting module."""

import datetime
import re
from pathlib import Path

import pytest

from pages.templatetags.french import iso, jour, jour_heure
from promeneurs.typography import day_and_month, french_time, quoted

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
    assert french_time(datetime.time(9, 5)) == "9\u00a0h\u00a005"
    assert quoted("promeneur") == "«\u202fpromeneur\u202f»"
    assert jour(datetime.date(2026, 12, 1)) == "1er décembre 2026"
    moment = datetime.datetime(2026, 12, 1, 13, 30, 12, 345678, tzinfo=datetime.UTC)
    assert jour_heure(moment) == "1er décembre 2026 à 14\u00a0h\u00a030"  # Paris time
    assert iso(moment) == "2026-12-01T14:30:12+01:00"  # no microseconds: HTML refuses them
