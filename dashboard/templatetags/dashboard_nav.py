from django import template

from ..navigation import dashboard_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_nav_items(context, current):
    """`{% dashboard_nav_items nav_current as nav %}`: the links of the dashboard's navigation."""
    return dashboard_nav(context["request"].user, current)
