"""What the outbox's e-mails need to know of requests and orientations (notifications/extensions.py).

Filled in when the app is ready (referrals/apps.py): the dashboard link of a request's or an
orientation's notification, the names an orientation's e-mail shows, the young person's address
(read when sending: it may have been erased since the event), and the request's confidential fields,
which the notifications' admin refuses in its filters.
"""

from django.urls import reverse

from notifications.emails import NoAddress
from notifications.enums import NotificationKind as Kind
from notifications.extensions import extensions

from .admin import CONFIDENTIAL_LOOKUPS
from .content import contact_request_reply_address
from .enums import RequestStatus
from .models import ContactRequest, Orientation

REQUEST_KINDS = frozenset(
    {
        Kind.REQUEST_NEW,
        Kind.REQUEST_CLAIMED,
        Kind.REQUEST_DISPATCHED,
        Kind.REQUEST_REASSIGNED,
        Kind.REQUEST_REMINDER,
        Kind.REQUEST_ESCALATED,
        Kind.CONVERSATION_MESSAGE,
        Kind.CONVERSATION_BLOCKED,
    }
)
ORIENTATION_KINDS = frozenset(
    {
        Kind.ORIENTATION_RECEIVED,
        Kind.ORIENTATION_ACCEPTED,
        Kind.ORIENTATION_DECLINED,
        Kind.ORIENTATION_EXPIRING,
        Kind.ORIENTATION_EXPIRED,
    }
)


def _uuid_links(notifications, model, key, url_name):
    """{pk: detail path} of the notifications whose `context[key]` row still exists (one query)."""
    ids = {n.context.get(key) for n in notifications}
    ids.discard(None)
    uuids = dict(model.objects.filter(pk__in=ids).values_list("pk", "uuid")) if ids else {}
    return {
        n.pk: reverse(url_name, kwargs={"uuid": uuids[n.context[key]]})
        for n in notifications
        if n.context.get(key) in uuids
    }


def request_links(notifications):
    return _uuid_links(notifications, ContactRequest, "request_id", "referrals:request_detail")


def orientation_links(notifications):
    return _uuid_links(notifications, Orientation, "orientation_id", "referrals:orientation_detail")


def weekly_digest_links(notifications):
    pool = reverse("referrals:department_pool")
    return {n.pk: pool for n in notifications}


def orientation_names(notification):
    """The structures' names and the expiry of the notification's orientation, when it still exists."""
    found = (
        Orientation.objects.filter(pk=notification.context.get("orientation_id"))
        .values("from_structure__name", "to_structure__name", "expires_at")
        .first()
    )
    if found is None:
        return {}
    return {
        "from_structure": found["from_structure__name"],
        "to_structure": found["to_structure__name"],
        "expires_on": found["expires_at"].date(),
    }


def young_person_address(notification):
    found = contact_request_reply_address(request_id=notification.recipient_request_id)
    if found is None:
        raise NoAddress("Demande supprimée.")
    email, erased_at, status = found
    if erased_at is not None or status in (RequestStatus.WITHDRAWN, RequestStatus.SPAM) or not email:
        raise NoAddress("Pas d’adresse : la demande a été retirée ou effacée, ou n’en donnait pas.")
    return email


def register():
    extensions.links.extend(
        [
            (REQUEST_KINDS, request_links),
            (ORIENTATION_KINDS, orientation_links),
            (frozenset({Kind.WEEKLY_DIGEST}), weekly_digest_links),
        ]
    )
    extensions.context.append((ORIENTATION_KINDS, orientation_names))
    extensions.young_person_address = young_person_address
    extensions.confidential_lookups |= CONFIDENTIAL_LOOKUPS
