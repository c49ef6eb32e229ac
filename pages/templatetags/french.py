"""French dates and times in templates, from promeneurs.typography: {{ value|jour }} → "1er décembre 2026",
{{ value|jour_heure }} → "1er décembre 2026 à 14 h 00", {{ value|iso }} → a `datetime` attribute value."""

import datetime

from django import template
from django.utils import timezone

from promeneurs.typography import day_and_month, french_time

register = template.Library()


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def jour(value):
    if not value:
        return ""
    value = _local(value)
    return f"{day_and_month(value)} {value.year}"


@register.filter
def jour_heure(value):
    if not value:
        return ""
    value = _local(value)
    return f"{day_and_month(value)} {value.year} à {french_time(value)}"


@register.filter
def iso(value):
    """A valid HTML date-time (seconds at most: `date:'c'` writes microseconds, which HTML refuses)."""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()
