"""The outbox in the Django admin: for CAF national staff, read-only.

A notification's context holds ids and non-confidential values only (a reference, themes), never
what a young person wrote: it is shown as it is stored, for diagnosis.
"""

import json

from django.contrib import admin
from django.utils.html import format_html

from structures.admin import NONE, VIEW, RolePermissionsMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(RolePermissionsMixin, admin.ModelAdmin):
    caf_staff_permissions = VIEW
    coordinator_permissions = NONE
    actions = None

    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    list_select_related = ("recipient",)
    search_fields = ("recipient__email",)
    search_help_text = "Recherche par e-mail du ou de la destinataire."
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "context_display",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description="contexte")
    def context_display(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.context, ensure_ascii=False, indent=2, sort_keys=True)
        )
