"""What the dashboard homes count: each figure is one SQL aggregate, each list a bounded query.

No figure is computed by looping over rows, so a home costs the same number of queries with three
requests or three thousand (tests/dashboard/test_home.py pins it).
"""

import datetime

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import Comment
from referrals.enums import OPEN_STATUSES, OrientationStatus, RequestStatus
from referrals.models import ContactRequest, Orientation, waiting_limit
from stats.models import ActivityReport
from structures.enums import ConventionStatus, PromeneurStatus
from structures.models import (
    Absence,
    Charter,
    CharterAcceptance,
    Convention,
    NetworkAccount,
    PresenceSlot,
    ProfileChange,
    Promeneur,
    Structure,
    TrainingAttendance,
)
from structures.renewals import add_years, convention_notice, label_notice

# How many rows each list of a home shows; the count above it says how many there are in all.
LIST_SIZE = 10

GAP_PHOTO = "pas de photo"
GAP_NETWORK = "aucun compte sur un réseau"
GAP_HOURS = "aucun horaire en ligne"


def profile_gaps(promeneur):
    """What the public profile lacks, from prefetched networks and slots (no query)."""
    gaps = []
    if not promeneur.photo:
        gaps.append(GAP_PHOTO)
    if not promeneur.networks.all():
        gaps.append(GAP_NETWORK)
    if not promeneur.presence_slots.all():
        gaps.append(GAP_HOURS)
    return gaps


def with_completeness(promeneurs):
    """Annotate `has_network` and `has_slots`; a profile without photo has `photo` = ""."""
    return promeneurs.annotate(
        has_network=Exists(NetworkAccount.objects.filter(promeneur=OuterRef("pk"))),
        has_slots=Exists(PresenceSlot.objects.filter(promeneur=OuterRef("pk"))),
    )


INCOMPLETE = Q(photo="") | Q(has_network=False) | Q(has_slots=False)


def gaps_of_annotated(promeneur):
    """`profile_gaps` for a promeneur annotated by `with_completeness`."""
    return [
        gap
        for gap, missing in (
            (GAP_PHOTO, not promeneur.photo),
            (GAP_NETWORK, not promeneur.has_network),
            (GAP_HOURS, not promeneur.has_slots),
        )
        if missing
    ]


def reachable_promeneurs(day):
    """Promeneurs a request can be given to on `day` (the rule: `accounts.access`)."""
    return Promeneur.objects.reachable(day)


# --- Promeneur -------------------------------------------------------------------------------------


def promeneur_home(user, promeneur, now):
    labelled = promeneur.status == PromeneurStatus.LABELLED
    counts = {"mine_new": 0, "mine_urgent": 0, "mine_open": 0, "pool": 0, "pool_urgent": 0}
    orientations = 0
    if labelled:
        mine = Q(assignee=promeneur)
        pool = Q(structure_id=promeneur.structure_id, assignee__isnull=True, status=RequestStatus.NEW)
        counts = (
            ContactRequest.objects.visible_to(user)
            .filter(mine | pool)
            .aggregate(
                mine_new=Count("pk", filter=mine & Q(status=RequestStatus.NEW)),
                mine_urgent=Count("pk", filter=mine & Q(status__in=OPEN_STATUSES, is_urgent=True)),
                mine_open=Count("pk", filter=mine & Q(status__in=OPEN_STATUSES)),
                pool=Count("pk", filter=pool),
                pool_urgent=Count("pk", filter=pool & Q(is_urgent=True)),
            )
        )
        orientations = Orientation.objects.filter(
            to_structure_id=promeneur.structure_id, status=OrientationStatus.PROPOSED, expires_at__gt=now
        ).count()
    return {"labelled": labelled, "counts": counts, "orientations_waiting": orientations}


# --- Referent --------------------------------------------------------------------------------------


def referent_home(structure_ids, now):
    """Each structure of the referent, its team (open requests, last sign-in, absence, gaps) and the
    status of this year's and last year's reports."""
    today = timezone.localdate(now)
    structures = list(Structure.objects.filter(pk__in=structure_ids).order_by("name", "pk"))
    current_absence = Absence.objects.filter(
        promeneur=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    ).order_by("-ends_on")
    next_absence = Absence.objects.filter(promeneur=OuterRef("pk"), starts_on__gt=today).order_by("starts_on")
    team = (
        with_completeness(Promeneur.objects.filter(structure_id__in=structure_ids))
        .exclude(status=PromeneurStatus.LEFT)
        .select_related("user")
        .annotate(
            n_open=Count("assigned_requests", filter=Q(assigned_requests__status__in=OPEN_STATUSES)),
            absent_until=Subquery(current_absence.values("ends_on")[:1]),
            next_absence_on=Subquery(next_absence.values("starts_on")[:1]),
            last_change_at=Subquery(
                ProfileChange.objects.filter(promeneur=OuterRef("pk")).order_by("-at").values("at")[:1]
            ),
        )
        .order_by("first_name", "pk")
    )
    reports = {
        (r.structure_id, r.year): r
        for r in ActivityReport.objects.filter(structure_id__in=structure_ids, year__gte=today.year - 1)
    }
    # Open requests held by a member who is away today: the referent hands them over from here.
    to_reassign = (
        ContactRequest.objects.filter(
            structure_id__in=structure_ids,
            status__in=OPEN_STATUSES,
            assignee__isnull=False,
            assignee__absences__starts_on__lte=today,
            assignee__absences__ends_on__gte=today,
        )
        .only(
            "uuid", "reference", "created_at", "is_urgent", "structure_id", "assignee", "assignee__first_name"
        )
        .select_related("assignee")
        .distinct()
        .order_by("-is_urgent", "created_at", "pk")[: LIST_SIZE * 5]
    )
    by_id = {s.pk: s for s in structures}
    for structure in structures:
        structure.to_reassign = []
        structure.team = []
        structure.reports = [
            {"year": year, "report": reports.get((structure.pk, year))}
            for year in (today.year - 1, today.year)
        ]
    for member in team:
        member.gaps = gaps_of_annotated(member)
        member.last_activity = max(
            (t for t in (member.user.last_login if member.user else None, member.last_change_at) if t),
            default=None,
        )
        by_id[member.structure_id].team.append(member)
    for contact_request in to_reassign:
        by_id[contact_request.structure_id].to_reassign.append(contact_request)
    return structures


# --- Coordinator: "santé du réseau" ----------------------------------------------------------------


def boolean(condition):
    return ExpressionWrapper(condition, output_field=BooleanField())


def _listed(queryset):
    """(count, first rows) of a queryset: two queries, whatever its size."""
    return {"count": queryset.count(), "rows": list(queryset[:LIST_SIZE])}


def network_health(department_ids, now):
    today = timezone.localdate(now)
    in_departments = Q(structure__department_id__in=department_ids)

    unreachable = (
        Structure.objects.public()
        .filter(department_id__in=department_ids)
        .exclude(Exists(reachable_promeneurs(today).filter(structure=OuterRef("pk"))))
        .select_related("department")
        .order_by("department__code", "name", "pk")
    )

    current_charter = Charter.objects.filter(published_on__lte=today).order_by("-published_on", "-pk")[:1]
    last_training = (
        TrainingAttendance.objects.filter(
            promeneur=OuterRef("pk"), attended=True, training__starts_on__lte=today
        )
        .order_by("-training__starts_on")
        .values("training__starts_on")[:1]
    )
    label_limit = add_years(today + label_notice(), -settings.LABEL_VALIDITY_YEARS)
    training_limit = add_years(today, -settings.TRAINING_VALIDITY_YEARS)
    due = (
        Promeneur.objects.filter(in_departments, status=PromeneurStatus.LABELLED)
        .annotate(
            last_training_on=Subquery(last_training),
            charter_signed=Exists(
                CharterAcceptance.objects.filter(promeneur=OuterRef("pk"), charter__in=current_charter)
            ),
            has_charter=Exists(current_charter),
        )
        .annotate(
            label_due=boolean(Q(labelled_on__lte=label_limit)),
            training_due=boolean(
                Q(last_training_on__lte=training_limit)
                | Q(last_training_on__isnull=True, labelled_on__lte=training_limit)
            ),
            charter_due=boolean(Q(has_charter=True, charter_signed=False)),
        )
        .filter(Q(label_due=True) | Q(training_due=True) | Q(charter_due=True))
        .select_related("structure")
        .order_by("labelled_on", "pk")
    )

    conventions = (
        Convention.objects.filter(
            in_departments,
            status=ConventionStatus.SIGNED,
            ends_on__gte=today,
            ends_on__lte=today + convention_notice(),
        )
        .select_related("structure")
        .order_by("ends_on", "pk")
    )

    waiting = (
        ContactRequest.objects.filter(
            department_id__in=department_ids,
            status=RequestStatus.NEW,
            created_at__lte=waiting_limit(now),
        )
        .only("uuid", "reference", "created_at", "is_urgent", "structure_id", "department_id")
        .select_related("structure")
        .order_by("-is_urgent", "created_at", "pk")
    )

    incomplete = (
        with_completeness(Promeneur.objects.filter(in_departments, status=PromeneurStatus.LABELLED))
        .filter(INCOMPLETE)
        .select_related("structure")
        .order_by("first_name", "pk")
    )

    board = {
        "unreachable": _listed(unreachable),
        "due": _listed(due),
        "conventions": _listed(conventions),
        "waiting": _listed(waiting),
        "incomplete": _listed(incomplete),
    }
    for promeneur in board["incomplete"]["rows"]:
        promeneur.gaps = gaps_of_annotated(promeneur)
    for request in board["waiting"]["rows"]:
        request.waited_days = (now - request.created_at) // datetime.timedelta(days=1)
    return board


# --- Moderator -------------------------------------------------------------------------------------


def moderation_waiting():
    pending = Comment.objects.filter(status=CommentStatus.PENDING).order_by("created_at", "pk")
    return _listed(pending.only("pk", "author_name", "created_at", "content_type_id", "object_id"))
