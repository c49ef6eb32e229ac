"""The dashboard's notifications: the user's recent ones, and how they want them by e-mail.

Login is required (LoginRequiredMiddleware); a user sees only the notifications addressed to them.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from promeneurs.pagination import paginate

from .emails import link_paths, summary
from .enums import MANDATORY_KINDS, NotificationKind
from .forms import NotificationPreferenceForm
from .models import Notification, NotificationPreference, NotificationStatus

STATUS_IN_WORDS = {
    NotificationStatus.PENDING: "E-mail en cours d’envoi",
    NotificationStatus.SENDING: "E-mail en cours d’envoi",
    NotificationStatus.SENT: "Envoyée par e-mail",
    NotificationStatus.FAILED: "E-mail non remis",
    NotificationStatus.HELD: "Dans votre prochain récapitulatif",
    NotificationStatus.DIGESTED: "Envoyée dans un récapitulatif",
    NotificationStatus.SKIPPED: "Pas d’e-mail",
}


@require_safe
@never_cache
def notification_list(request):
    notifications = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")
    pagination = paginate(request, notifications)
    rows = list(pagination["page_obj"].object_list)
    paths = link_paths(rows)
    entries = [
        {
            "created_at": row.created_at,
            "kind": row.get_kind_display(),
            "summary": summary(row),
            "url": paths[row.pk],
            "delivery": STATUS_IN_WORDS[row.status],
        }
        for row in rows
    ]
    context = {
        "nav_current": "notifications:notification_list",
        "entries": entries,
        "pagination": pagination,
        **pagination,
    }
    return render(request, "notifications/notification_list.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def preferences(request):
    preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = NotificationPreferenceForm(
        data=request.POST if request.method == "POST" else None, instance=preference
    )
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, f"Préférence enregistrée : {preference.get_frequency_display().lower()}.")
        return redirect("notifications:preferences")
    context = {
        "nav_current": "notifications:preferences",
        "form": form,
        "mandatory": [NotificationKind(kind).label for kind in sorted(MANDATORY_KINDS)],
    }
    return render(request, "notifications/preferences.html", context)
