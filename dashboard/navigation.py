"""The dashboard's one navigation, shared with the pages of requests and orientations."""

from referrals.views.dashboard import dashboard_nav

__all__ = ["dashboard_nav"]
