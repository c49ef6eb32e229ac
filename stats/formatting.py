from decimal import Decimal


def format_value(value, grouping=True):
    """A figure's value as text, by type: counts as integers ("< 5" stays as it is), hours (float)
    with one decimal, amounts in euros (Decimal) without cents. French decimal comma."""
    separator = "\u202f" if grouping else ""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return f"{value:,.0f}".replace(",", separator)
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", separator).replace(".", ",")
    return f"{value:,}".replace(",", separator)
