"""French typography of the interface: one home for quotes, spaces, dates and times.

Narrow no-break spaces (U+202F) go before « ; : ! ? » and inside « », a no-break space (U+00A0)
between a number and its unit; the first day of a month is "1er"; times are written "14 h 00".
"""

NNBSP = "\u202f"
NBSP = "\u00a0"

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def quoted(text):
    """« text », with narrow no-break spaces inside the guillemets."""
    return f"«{NNBSP}{text}{NNBSP}»"


def day_and_month(value):
    """1 December → "1er décembre", 2 December → "2 décembre"."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]}"


def french_time(value):
    """14:00 → "14 h 00", 09:30 → "9 h 30": the one way times are written."""
    return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
