"""The weekly digest of the départements' coordinators: their week in numbers (no content, no identity).

It is an outbox row itself, recorded in the same transaction as the event that marks it given, so
each coordinator gets it once per ISO week.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from notifications.enums import NotificationKind
from notifications.services import notification_event_once, notification_record
from promeneurs.typography import short_date
from structures.enums import ConventionStatus
from structures.models import Convention, Coordination
from structures.renewals import convention_notice, labels_due

from .enums import OrientationStatus, RequestStatus
from .models import ContactRequest, Orientation


def department_figures(department, *, now):
    """The week of a département in numbers (no content, no identity)."""
    week_ago = now - datetime.timedelta(days=7)
    requests = ContactRequest.objects.filter(department=department).aggregate(
        new_requests=Count("pk", filter=Q(created_at__gte=week_ago)),
        closed=Count("pk", filter=Q(status=RequestStatus.CLOSED, closed_at__gte=week_ago)),
        waiting_48h=Count(
            "pk",
            filter=Q(
                status=RequestStatus.NEW,
                created_at__lte=now - datetime.timedelta(hours=settings.REQUEST_REMINDER_HOURS),
            ),
        ),
        waiting_96h=Count(
            "pk",
            filter=Q(
                status=RequestStatus.NEW,
                created_at__lte=now - datetime.timedelta(hours=settings.REQUEST_ESCALATION_HOURS),
            ),
        ),
    )
    today = timezone.localdate(now)
    return {
        "id": department.pk,
        "name": str(department),
        **requests,
        "orientations_waiting": Orientation.objects.filter(
            to_structure__department=department, status=OrientationStatus.PROPOSED
        ).count(),
        "conventions_ending": Convention.objects.filter(
            structure__department=department,
            status=ConventionStatus.SIGNED,
            ends_on__gte=today,
            ends_on__lte=today + convention_notice(),
        ).count(),
        "labels_due": len(labels_due(today, department=department)),
    }


def weekly_digests_record(*, now=None):
    """Record the weekly digest of each active coordinator, once per ISO week; returns the rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year, week, _ = today.isocalendar()
    first_day = today - datetime.timedelta(days=7)
    period = f"du {short_date(first_day)} au {short_date(today - datetime.timedelta(days=1))}"
    departments_of = defaultdict(list)
    for coordination in (
        Coordination.objects.filter(user__is_active=True)
        .select_related("user", "department")
        .order_by("user_id", "department__code")
    ):
        departments_of[coordination.user].append(coordination.department)
    figures = {}
    rows = []
    for user, departments in departments_of.items():
        for department in departments:
            if department.pk not in figures:
                figures[department.pk] = department_figures(department, now=now)
        with transaction.atomic():
            if not notification_event_once(f"weekly_digest:{user.pk}:{year}-W{week:02d}"):
                continue
            rows += notification_record(
                kind=NotificationKind.WEEKLY_DIGEST,
                recipients=[user],
                context={"week": period, "departments": [figures[d.pk] for d in departments]},
            )
    return rows
