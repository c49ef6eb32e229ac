"""Requests left waiting and orientations about to expire (design §6): reminders and escalations.

- A request still new 48 hours after it arrived: a **reminder** to its structure — the promeneur it
  was sent to, the structure's labelled promeneurs and its referents; for a request in the
  département's pool, to the département's coordinators.
- Still new after 96 hours: an **escalation** to the département's coordinators. It goes out
  whatever their preferences. A request already past 96 hours when first seen (the job did not
  run) gets the escalation only.
- An **urgent** request still new after `URGENT_ESCALATION_HOURS` (4 by default) escalates the
  same way, without waiting for the 48 h reminder.
- An escalated request is put in the département's pool (`escalated_at`), where the coordinators
  can hand it to any reachable promeneur or structure of the département, as the e-mail says;
  the structure's promeneurs can still take it meanwhile.
- A proposed orientation that expires within three days: its receiving structure is told.

Each notice is given once per request (or orientation): its key is recorded with the notifications
(`NotificationEvent`), and a run that finds it recorded moves on. A notice nobody can receive (no
promeneur, no coordinator yet) is not recorded, so that it is given once somebody can. A request
taken in charge, withdrawn or marked as spam is no longer "new": it gets nothing more.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.enums import NotificationKind
from notifications.services import notification_events_recorded, notification_record_once
from structures.enums import MembershipRole
from structures.models import Promeneur, StructureMembership

from .enums import OrientationStatus, RequestStatus
from .models import ContactRequest, Orientation
from .services import _coordinators, _public_context


def structure_team(structure_id):
    """The users who answer for a structure: its labelled promeneurs and its referents."""
    promeneurs = Promeneur.objects.public().filter(structure_id=structure_id, user__isnull=False)
    users = [p.user for p in promeneurs.select_related("user")]
    users += [
        m.user
        for m in StructureMembership.objects.filter(
            structure_id=structure_id, role=MembershipRole.REFERENT
        ).select_related("user")
    ]
    return [user for user in users if user.is_active]


def _reminder_recipients(request):
    if request.structure_id is None:
        return _coordinators(request.department_id)
    users = structure_team(request.structure_id)
    if request.assignee_id is not None and request.assignee.user is not None:
        users.insert(0, request.assignee.user)
    return [user for user in users if user.is_active]


def unclaimed_requests_remind(*, now=None):
    """Reminders at REQUEST_REMINDER_HOURS, escalations at REQUEST_ESCALATION_HOURS; returns {"reminders": n, "escalations": n}."""
    now = now or timezone.now()
    reminder_after = datetime.timedelta(hours=settings.REQUEST_REMINDER_HOURS)
    escalation_after = datetime.timedelta(hours=settings.REQUEST_ESCALATION_HOURS)
    urgent_after = datetime.timedelta(hours=settings.URGENT_ESCALATION_HOURS)
    waiting = list(
        ContactRequest.objects.filter(status=RequestStatus.NEW)
        .filter(
            Q(created_at__lte=now - reminder_after) | Q(is_urgent=True, created_at__lte=now - urgent_after)
        )
        .select_related("structure", "assignee__user")
        .prefetch_related("themes")
        .order_by("created_at", "pk")
    )
    keys = {}
    for request in waiting:
        if request.created_at <= now - escalation_after or (
            request.is_urgent and request.created_at <= now - urgent_after
        ):
            keys[f"request_escalated:{request.pk}"] = (request, NotificationKind.REQUEST_ESCALATED)
        else:
            keys[f"request_reminder:{request.pk}"] = (request, NotificationKind.REQUEST_REMINDER)
    done = notification_events_recorded(keys)
    counts = {"reminders": 0, "escalations": 0}
    for key, (request, kind) in keys.items():
        if key in done:
            continue
        context = {
            **_public_context(request),
            "structure_name": request.structure.name if request.structure else "",
        }
        if kind == NotificationKind.REQUEST_ESCALATED:
            hours = (
                settings.URGENT_ESCALATION_HOURS
                if request.created_at > now - escalation_after
                else settings.REQUEST_ESCALATION_HOURS
            )
            sent = notification_record_once(
                key,
                kind=kind,
                recipients=_coordinators(request.department_id),
                context={**context, "hours": hours},
            )
            if sent:
                ContactRequest.objects.filter(pk=request.pk, escalated_at__isnull=True).update(
                    escalated_at=now
                )
            counts["escalations"] += sent
        else:
            sent = notification_record_once(
                key,
                kind=kind,
                recipients=_reminder_recipients(request),
                context={**context, "hours": settings.REQUEST_REMINDER_HOURS},
            )
            counts["reminders"] += sent
    return counts


def orientations_warn_expiring(*, now=None):
    """Tell the receiving structure of each orientation that expires within three days; how many."""
    now = now or timezone.now()
    expiring = list(
        Orientation.objects.filter(
            status=OrientationStatus.PROPOSED,
            expires_at__gt=now,
            expires_at__lte=now + datetime.timedelta(days=settings.ORIENTATION_WARNING_DAYS),
        )
        .select_related("request")
        .only("pk", "expires_at", "to_structure_id", "request__reference")
        .order_by("expires_at", "pk")
    )
    keys = {f"orientation_expiring:{o.pk}": o for o in expiring}
    done = notification_events_recorded(keys)
    count = 0
    for key, orientation in keys.items():
        if key in done:
            continue
        count += notification_record_once(
            key,
            kind=NotificationKind.ORIENTATION_EXPIRING,
            recipients=list({u.pk: u for u in structure_team(orientation.to_structure_id)}.values()),
            context={
                "orientation_id": orientation.pk,
                "reference": orientation.request.reference,
                "expires_on": timezone.localdate(orientation.expires_at).isoformat(),
            },
        )
    return count
