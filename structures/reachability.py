"""Reachability (design §3b.1): who a request may be sent to today.

A promeneur is a contact target when their account is active, they are labelled (neither
suspended nor gone), their structure is public and they are not absent today. The rule is a
queryset-level one: lists filter or annotate with it, no query per row. The roles themselves (who
may see and do what) are in `accounts.access`.
"""

from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.fields import BooleanField
from django.utils import timezone

from .enums import PromeneurStatus
from .models import Absence


def _absent_on(day, path=""):
    outer = OuterRef(f"{path}pk") if path else OuterRef("pk")
    return Exists(Absence.objects.filter(promeneur=outer, starts_on__lte=day, ends_on__gte=day))


def reachable_condition(today=None, path="") -> Q:
    """A Q() on Promeneur (or on a relation to it, `path` such as "promeneurs"): the promeneurs
    a request may be sent to today. Active account, labelled (so neither suspended nor gone),
    public structure, not absent today."""
    today = today or timezone.localdate()
    prefix = f"{path}__" if path else ""
    condition = Q(
        **{
            f"{prefix}status": PromeneurStatus.LABELLED,
            f"{prefix}user__isnull": False,
            f"{prefix}user__is_active": True,
            f"{prefix}structure__is_public": True,
        }
    )
    if path:
        # Through a relation, the absence is matched on the related promeneur.
        return condition & ~Q(
            **{
                f"{prefix}pk__in": Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values(
                    "promeneur_id"
                )
            }
        )
    return condition & ~_absent_on(today)


def reachable_annotation(today=None):
    """A boolean expression for `.annotate(is_reachable=…)` on Promeneur querysets."""
    return ExpressionWrapper(reachable_condition(today), output_field=BooleanField())


def is_reachable_public(promeneur, today=None) -> bool:
    """`reachable_condition` for a promeneur read through `Promeneur.objects.public()` with its
    card data (`structures.cards.with_card_data`), without a query: `public()` has already
    required the label, a public structure and an account that is not deactivated; what remains
    is that there is an account, and no absence today (from the absences already loaded).
    tests/accounts/test_reachability.py checks it against the query on every case."""
    return promeneur.user_id is not None and not promeneur.is_absent_on(today or timezone.localdate())


def is_reachable(promeneur, today=None) -> bool:
    """One promeneur's reachability; uses the `is_reachable` annotation when the row has it."""
    annotated = getattr(promeneur, "is_reachable", None)
    if isinstance(annotated, bool):
        return annotated
    type_ = type(promeneur)
    return type_.objects.filter(pk=promeneur.pk).filter(reachable_condition(today)).exists()
