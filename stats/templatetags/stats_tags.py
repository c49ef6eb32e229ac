from django import template

from stats.formatting import format_value

register = template.Library()


@register.filter
def stat_value(value):
    return format_value(value)
