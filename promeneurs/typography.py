"""French typography of the interface: the one home for quotes, spaces, numbers, dates and times.

Narrow no-break spaces (U+202F) go before « ; : ! ? », inside « » and between groups of digits
("12 345"); a no-break space (U+00A0) between a number and its unit ("3,5 h", "12 km", "1 700,00 €");
the decimal separator is a comma; the first day of a month is "1er"; times are written "14 h 00" and
durations "7 h 30". Month and weekday names come from Django's `fr` locale; short dates follow its
SHORT_DATE_FORMAT ("01/12/2026"). The template filters are in pages/templatetags/french.py.
"""

import datetime
from decimal import Decimal

from django.utils import dateformat, formats, timezone, translation

NNBSP = "\u202f"
NBSP = "\u00a0"
LANGUAGE = "fr"


def quoted(text):
    """« text », with narrow no-break spaces inside the guillemets."""
    return f"«{NNBSP}{text}{NNBSP}»"


# --- Numbers -----------------------------------------------------------------------------------


def french_number(value, *, grouping=True):
    """12345 → "12 345" (narrow no-break space between groups; none with grouping=False)."""
    return f"{value:,}".replace(",", NNBSP if grouping else "")


def french_decimal(value, places=1, *, grouping=True):
    """1234.56 → "1 234,6": a fixed number of decimals, French decimal comma."""
    return f"{value:,.{places}f}".replace(",", NNBSP if grouping else "").replace(".", ",")


def french_euros(amount):
    """1700 → "1 700,00 €" (cents shown; no-break spaces between groups and before the sign)."""
    text = f"{Decimal(amount or 0):,.2f}".replace(",", NBSP).replace(".", ",")
    return f"{text}{NBSP}€"


def french_hours(hours):
    """An amount of hours as a number: 3.5 → "3,5 h", 72 → "72 h" (no trailing zero)."""
    return f"{hours:g}{NBSP}h".replace(".", ",")


def french_duration(hours):
    """Hours as hours and minutes: 7.5 → "7 h 30", 6.0 → "6 h"."""
    h, m = divmod(round(hours * 60), 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


# --- Dates and times ---------------------------------------------------------------------------


def local(value):
    """An aware date-time in the site's time zone; a date or a naive value unchanged."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _format(value, pattern):
    with translation.override(LANGUAGE):
        return dateformat.format(value, pattern)


def month_name(number):
    """12 → "décembre" (from Django's `fr` locale)."""
    return _format(datetime.date(2000, number, 1), "F")


def weekday_name(value):
    """A date's weekday: "mardi"."""
    return _format(value, "l")


def french_time(value):
    """14:00 → "14 h 00", 09:30 → "9 h 30": the one way times are written."""
    return f"{value.hour} h {value.minute:02d}"


def time_range(start, end):
    """ "14 h 00 – 17 h 00"."""
    return f"{french_time(start)} – {french_time(end)}"


def day_and_month(value):
    """1 December → "1er décembre", 2 December → "2 décembre"."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {month_name(value.month)}"


def french_date(value):
    """A date (or a date-time, in local time) in words: "1er décembre 2026"."""
    value = local(value)
    return f"{day_and_month(value)} {value.year}"


def french_datetime(value):
    """ "1er décembre 2026 à 14 h 30" (local time)."""
    value = local(value)
    return f"{french_date(value)} à {french_time(value)}"


def short_date(value):
    """2026-12-01 → "01/12/2026" (local date of a date-time)."""
    value = local(value)
    with translation.override(LANGUAGE):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
