"""French formatting in templates, from promeneurs.typography (the one formatting module):
{{ value|jour }} → "1er décembre 2026", {{ value|jour_heure }} → "1er décembre 2026 à 14 h 00",
{{ value|heures }} → "3,5 h", {{ value|duree }} → "7 h 30", {{ value|nombre }} → "3 000",
{{ value|iso }} → a `datetime` attribute value."""

import datetime

from django import template

from promeneurs import typography

register = template.Library()


@register.filter
def jour(value):
    return typography.french_date(value) if value else ""


@register.filter
def jour_heure(value):
    return typography.french_datetime(value) if value else ""


@register.filter
def nombre(value):
    return "" if value is None else typography.french_number(value)


@register.filter
def heures(value):
    return "" if value is None else typography.french_hours(value)


@register.filter
def duree(value):
    return "" if value is None else typography.french_duration(value)


@register.filter
def iso(value):
    """A valid HTML date-time (seconds at most: `date:'c'` writes microseconds, which HTML refuses)."""
    if not value:
        return ""
    value = typography.local(value)
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()
