"""The dashboard's home: for each of the user's roles, what waits for them, counted in SQL."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts import access
from structures.enums import PromeneurStatus

from ..queries import moderation_waiting, network_health, profile_gaps, promeneur_home, referent_home
from .profile import card_preview


@require_safe
@never_cache
def home(request):
    user = request.user
    now = timezone.now()
    promeneur = access.promeneur_profile(user)
    if promeneur is not None and promeneur.status == PromeneurStatus.LEFT:
        promeneur = None
    context = {
        "nav_current": "dashboard:home",
        "promeneur": promeneur,
        "can_moderate": access.may_moderate(user),
        "can_invite": bool(access.invitable_roles(user)),
        "is_referent": access.is_referent(user),
        "is_coordinator": access.is_coordinator(user),
        "is_national_staff": access.is_national_staff(user),
        "may_open_admin": access.may_open_admin(user),
        "roles": access.role_labels(user),
    }
    if promeneur is not None:
        card = card_preview(promeneur)
        context.update(promeneur_home(user, promeneur, now), card=card, gaps=profile_gaps(card))
    if context["is_referent"]:
        context["structures"] = referent_home(access.referent_structure_ids(user), now)
    if context["is_coordinator"]:
        context["health"] = network_health(access.coordinated_department_ids(user), now)
        context["departments"] = list(
            user.coordinations.select_related("department").order_by("department__code")
        )
    if context["can_moderate"]:
        context["moderation"] = moderation_waiting()
    return render(request, "dashboard/home.html", context)
