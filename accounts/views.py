from django.shortcuts import render

from comments.models import can_moderate


def dashboard(request):
    """The home of the dashboard: what the signed-in user can do, by role."""
    user = request.user
    promeneur = user.promeneur_profile
    context = {
        "promeneur": promeneur,
        "referent_structures": user.structure_memberships.select_related("structure"),
        "coordinations": user.coordinations.select_related("department"),
        "can_moderate": can_moderate(user),
    }
    return render(request, "accounts/dashboard.html", context)
