from django import template

from stats.formatting import format_value
from stats.privacy import protect

register = template.Library()


@register.filter
def stat_value(value):
    return format_value(value)


@register.filter
def protected(count, exact=False):
    """A raw count (e.g. from a report's stored figures) through the small-count rule, unless the
    reader may see the underlying metadata (`exact`)."""
    return format_value(count if exact else protect(count))
