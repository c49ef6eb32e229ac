"""The admin of second factors and invitations. The accounts' own admin shows their roles in
structures and départements: structures/admin_accounts.py."""

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group

from .admin_permissions import VIEW, RolePermissionsMixin
from .models import Invitation

# Roles come from memberships and flags (design §2), never from groups or auth permissions.
admin.site.unregister(Group)
# allauth's own admin shows an authenticator's data (the TOTP secret, the recovery codes' seed).
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(RolePermissionsMixin, admin.ModelAdmin):
    """Second factors: which account has which, never their secrets. National staff may delete one
    (a lost phone: the person sets up a new one at their next sign-in)."""

    caf_staff_permissions = frozenset({"view", "delete"})
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")


@admin.register(Invitation)
class InvitationAdmin(RolePermissionsMixin, admin.ModelAdmin):
    """Invitations are sent from the dashboard (scoped by role); the admin only shows them."""

    caf_staff_permissions = VIEW
    list_display = (
        "email",
        "role",
        "department",
        "structure",
        "invited_by",
        "created_at",
        "expires_at",
        "used_at",
    )
    list_filter = ("role",)
    search_fields = ("email",)
    readonly_fields = [field.name for field in Invitation._meta.fields if field.name != "token_hash"]
    exclude = ("token_hash",)
