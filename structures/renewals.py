"""What the network must renew: labels, trainings, the charter, conventions. Each notice is given once.

The rules chosen (the programme sets none in the software; they are settings, promeneurs/settings/base.py):

- **Label**: valid `LABEL_VALIDITY_YEARS` (3) years from `labelled_on`; the promeneur and the
  département’s coordinators are told `LABEL_RENEWAL_NOTICE_DAYS` (60) days before it runs out.
  Labelling again
  (a new `labelled_on`) starts a new period, and a new notice.
- **Training**: a labelled promeneur attends a training (any kind, marked attended) at least every
  `TRAINING_VALIDITY_YEARS` (2) years, counted from the last one, or from the label when none is
  recorded; the promeneur and the coordinators are told when that is over.
- **Charter**: a labelled promeneur who has not signed the current version of the charter (the last
  one published) is told, once per version.
- **Convention**: a signed convention that ends within `CONVENTION_END_NOTICE_DAYS` (60) days: the
  département's coordinators and the structure's referents are told, once per convention.

A notice with nobody to receive it is not recorded, so that it is given once somebody can.
"""

import datetime

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from notifications.enums import NotificationKind
from notifications.services import notification_events_recorded, notification_record_once

from .enums import ConventionStatus, MembershipRole, PromeneurStatus
from .models import Charter, Convention, Promeneur


def label_notice():
    return datetime.timedelta(days=settings.LABEL_RENEWAL_NOTICE_DAYS)


def convention_notice():
    return datetime.timedelta(days=settings.CONVENTION_END_NOTICE_DAYS)


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def coordinators_of(department_id):
    return list(User.objects.filter(is_active=True, coordinations__department_id=department_id).distinct())


def referents_of(structure_id):
    return list(
        User.objects.filter(
            is_active=True,
            structure_memberships__structure_id=structure_id,
            structure_memberships__role=MembershipRole.REFERENT,
        ).distinct()
    )


def labelled_promeneurs():
    return Promeneur.objects.filter(status=PromeneurStatus.LABELLED).select_related(
        "user", "structure__department"
    )


def labels_due(today, *, department=None):
    """Labelled promeneurs whose label runs out within LABEL_RENEWAL_NOTICE_DAYS (or already has)."""
    promeneurs = labelled_promeneurs().filter(
        labelled_on__lte=add_years(today + label_notice(), -settings.LABEL_VALIDITY_YEARS)
    )
    if department is not None:
        promeneurs = promeneurs.filter(structure__department=department)
    return list(promeneurs.order_by("pk"))


def _promeneur_context(promeneur):
    return {
        "promeneur_id": promeneur.pk,
        "promeneur_name": str(promeneur),
        "structure_name": promeneur.structure.name,
    }


def label_renewals_remind(*, today):
    candidates = {f"label_renewal_due:{p.pk}:{p.labelled_on.isoformat()}": p for p in labels_due(today)}
    done = notification_events_recorded(candidates)
    count = 0
    for key, promeneur in candidates.items():
        if key in done:
            continue
        due_on = add_years(promeneur.labelled_on, settings.LABEL_VALIDITY_YEARS)
        count += notification_record_once(
            key,
            kind=NotificationKind.LABEL_RENEWAL_DUE,
            recipients=[promeneur.user, *coordinators_of(promeneur.structure.department_id)],
            context={**_promeneur_context(promeneur), "due_on": due_on.isoformat()},
        )
    return count


def trainings_remind(*, today):
    limit = add_years(today, -settings.TRAINING_VALIDITY_YEARS)
    promeneurs = labelled_promeneurs().annotate(
        last_training_on=Max(
            "trainingattendance__training__starts_on",
            filter=Q(trainingattendance__attended=True, trainingattendance__training__starts_on__lte=today),
        )
    )
    candidates = {}
    for promeneur in promeneurs.order_by("pk"):
        since = promeneur.last_training_on or promeneur.labelled_on
        if since is not None and since <= limit:
            candidates[f"training_due:{promeneur.pk}:{since.isoformat()}"] = promeneur
    done = notification_events_recorded(candidates)
    count = 0
    for key, promeneur in candidates.items():
        if key in done:
            continue
        last = promeneur.last_training_on
        count += notification_record_once(
            key,
            kind=NotificationKind.TRAINING_DUE,
            recipients=[promeneur.user, *coordinators_of(promeneur.structure.department_id)],
            context={**_promeneur_context(promeneur), "last_training_on": last.isoformat() if last else ""},
        )
    return count


def charters_remind(*, today):
    current = Charter.objects.filter(published_on__lte=today).order_by("-published_on", "-pk").first()
    if current is None:
        return 0
    candidates = {
        f"charter_due:{p.pk}:{current.pk}": p
        for p in labelled_promeneurs().exclude(charter_acceptances__charter=current).order_by("pk")
    }
    done = notification_events_recorded(candidates)
    count = 0
    for key, promeneur in candidates.items():
        if key in done:
            continue
        count += notification_record_once(
            key,
            kind=NotificationKind.CHARTER_DUE,
            recipients=[promeneur.user],
            context={**_promeneur_context(promeneur), "charter_version": current.version},
        )
    return count


def conventions_ending_remind(*, today):
    conventions = (
        Convention.objects.filter(
            status=ConventionStatus.SIGNED, ends_on__gte=today, ends_on__lte=today + convention_notice()
        )
        .select_related("structure")
        .order_by("ends_on", "pk")
    )
    candidates = {f"convention_ending:{c.pk}": c for c in conventions}
    done = notification_events_recorded(candidates)
    count = 0
    for key, convention in candidates.items():
        if key in done:
            continue
        structure = convention.structure
        recipients = coordinators_of(structure.department_id) + referents_of(structure.pk)
        count += notification_record_once(
            key,
            kind=NotificationKind.CONVENTION_ENDING,
            recipients=list({user.pk: user for user in recipients}.values()),
            context={
                "convention_id": convention.pk,
                "structure_id": structure.pk,
                "structure_name": structure.name,
                "funder": convention.get_funder_display(),
                "year": convention.year,
                "ends_on": convention.ends_on.isoformat(),
            },
        )
    return count


def network_renewals_remind(*, now=None):
    """The daily round of renewals; returns how many notices were given, by kind."""
    today = timezone.localdate(now or timezone.now())
    return {
        "labels": label_renewals_remind(today=today),
        "trainings": trainings_remind(today=today),
        "charters": charters_remind(today=today),
        "conventions": conventions_ending_remind(today=today),
    }
