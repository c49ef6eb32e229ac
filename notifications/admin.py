"""The outbox in the Django admin: for CAF national staff, read-only, with a "Réessayer" action.

A notification's context holds ids and non-confidential values only (a reference, themes), never
what a young person wrote: it is shown as it is stored, for diagnosis. A notification to a young
person shows the reference of their request, never their address (not even loaded), and no
lookup may reach the request's content.
"""

import json

from django.contrib import admin, messages
from django.db.models import F
from django.utils.html import format_html

from accounts.access import is_national_staff
from accounts.admin_permissions import NONE, VIEW, RolePermissionsMixin

from .extensions import extensions
from .models import Notification
from .services import notifications_retry


@admin.register(Notification)
class NotificationAdmin(RolePermissionsMixin, admin.ModelAdmin):
    caf_staff_permissions = VIEW
    coordinator_permissions = NONE
    actions = ["retry"]

    list_display = (
        "created_at",
        "kind",
        "recipient_display",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient__email",)
    search_help_text = "Recherche par e-mail du ou de la destinataire (professionnel·les seulement)."
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "recipient_display",
        "template",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "digest",
        "context_display",
        "last_error",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The young person's request: its reference only, never its row (and so never its content).
        return (
            super()
            .get_queryset(request)
            .select_related("recipient")
            .annotate(request_reference=F("recipient_request__reference"))
        )

    def lookup_allowed(self, lookup, value, request=None):
        # The request's confidential fields are given by referrals (notifications/extensions.py).
        confidential = extensions.confidential_lookups
        if any(part in confidential or part == "recipient_request" for part in lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="destinataire")
    def recipient_display(self, obj):
        if obj.recipient_request_id is not None:
            return f"Le ou la jeune (demande {obj.request_reference})"
        return obj.recipient

    @admin.display(description="contexte")
    def context_display(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.context, ensure_ascii=False, indent=2, sort_keys=True)
        )

    def has_retry_permission(self, request):
        return is_national_staff(request.user)

    @admin.action(description="Réessayer l’envoi des notifications en échec", permissions=["retry"])
    def retry(self, request, queryset):
        count = notifications_retry(queryset=queryset)
        if count:
            self.message_user(
                request, f"{count} notification(s) remise(s) en file d’envoi.", messages.SUCCESS
            )
        else:
            self.message_user(request, "Aucune notification en échec dans la sélection.", messages.WARNING)
