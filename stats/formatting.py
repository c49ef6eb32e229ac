from decimal import Decimal

from promeneurs.typography import french_decimal, french_number


def format_value(value, grouping=True):
    """A figure's value as text, by type: counts as integers ("< 5" stays as it is), hours (float)
    with one decimal, amounts in euros (Decimal) without cents. French decimal comma."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return french_decimal(value, 0, grouping=grouping)
    if isinstance(value, float):
        return french_decimal(value, 1, grouping=grouping)
    return french_number(value, grouping=grouping)
