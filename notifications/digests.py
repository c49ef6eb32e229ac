"""The daily digest of users who chose it (the coordinators' weekly one: referrals/digests.py).

It is an outbox row itself, recorded in the same transaction as what it gathers, so it is
delivered — once — like any other notification.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .enums import NotificationKind, NotificationStatus
from .models import Notification
from .services import notification_record


def daily_digests_build(*, now=None):
    """Gather each user's held notifications into one `daily_digest` row; returns the digests.

    Held rows become "digested" in the digest's transaction: a second run finds nothing to gather.
    """
    now = now or timezone.now()
    user_ids = list(
        Notification.objects.filter(status=NotificationStatus.HELD)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    digests = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        with transaction.atomic():
            held = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient=user, status=NotificationStatus.HELD)
                .order_by("created_at", "pk")
                .values_list("pk", flat=True)
            )
            if not held:
                continue
            [digest] = notification_record(
                kind=NotificationKind.DAILY_DIGEST,
                recipients=[user],
                context={"count": len(held), "day": timezone.localdate(now).isoformat()},
            )
            Notification.objects.filter(pk__in=held).update(status=NotificationStatus.DIGESTED, digest=digest)
            digests.append(digest)
    return digests
