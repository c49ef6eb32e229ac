"""Accounts: closing one (a departure). Invitations: structures/invitations.py; a promeneur's
departure, which also hands their requests back: structures/services.py."""

import logging

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


# --- Leaving ------------------------------------------------------------------------------------


def user_sessions_delete(user):
    """Delete every stored session of `user` (database sessions)."""
    deleted = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            deleted += 1
    return deleted


@transaction.atomic
def user_deactivate(*, user, by=None):
    """Close an account at once: it cannot sign in, and its open sessions are deleted.

    (An inactive user's session is refused by the authentication backend anyway; deleting them
    also removes what they held.) A promeneur's profile: see `structures.services.promeneur_deactivate`."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_sessions_delete(user)
    logger.info("Account %s deactivated by %s", user.pk, getattr(by, "pk", None))
