"""The admin of user accounts, with their roles in the network.

CAF national staff manage accounts (a superuser only by a superuser); a departmental coordinator
may only look at the promeneurs and referents of the structures of their départements. Nobody
sees a password: Django's read-only summary widget only, and not even that for coordinators.

The table is `accounts.User`; its admin lives here because it shows and edits the coordinations and
memberships of `structures`, and a departure hands the promeneur's requests back
(`structures.services.promeneur_deactivate`). Imported by structures/admin.py.
"""

from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from accounts.access import coordinated_department_ids, is_national_staff, is_superuser, may_change_account
from accounts.admin_permissions import VIEW, RolePermissionsMixin
from accounts.models import User
from accounts.services import user_deactivate

from .enums import MembershipRole
from .models import Coordination, Promeneur, StructureMembership
from .services import promeneur_deactivate


class UserCreationForm(auth_forms.AdminUserCreationForm):
    """E-mail, and a password or none (the person then sets one from an invitation or a reset)."""

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("Un compte existe déjà avec cette adresse e-mail.")
        return email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "first_name",
            "last_name",
            "is_active",
            "is_caf_staff",
            "is_moderator",
            "is_superuser",
        )

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Un compte existe déjà avec cette adresse e-mail.")
        return email


class UserCoordinationInline(RolePermissionsMixin, admin.TabularInline):
    model = Coordination
    fields = ("department", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("department",)
    extra = 0
    verbose_name_plural = "coordination des départements"
    coordinator_permissions = VIEW
    # A coordinator sees the coordinations of their départements only; the parent is a user.
    scope_lookup = "department"
    object_scope_lookup = None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department")


class UserStructureMembershipInline(RolePermissionsMixin, admin.TabularInline):
    model = StructureMembership
    fields = ("structure", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("structure",)
    extra = 0
    coordinator_permissions = VIEW
    # A coordinator sees the roles in their départements' structures only; the parent is a user.
    scope_lookup = "structure__department"
    object_scope_lookup = None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure")


class RoleListFilter(admin.SimpleListFilter):
    title = "rôle"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [
            ("caf", "Personnel CAF"),
            ("coordination", "Coordination départementale"),
            ("referent", "Référent·e de structure"),
            ("promeneur", "Promeneur·se"),
            ("moderation", "Modération"),
        ]

    def queryset(self, request, queryset):
        filters = {
            "caf": Q(is_caf_staff=True) | Q(is_superuser=True),
            "coordination": Q(has_coordination=True),
            "referent": Q(has_referent_role=True),
            "promeneur": Q(has_promeneur_profile=True),
            "moderation": Q(is_moderator=True),
        }
        if self.value() in filters:
            return queryset.filter(filters[self.value()])
        return queryset


@admin.register(User)
class UserAdmin(RolePermissionsMixin, DjangoUserAdmin):
    # Deletion is for superusers only (see has_delete_permission).
    caf_staff_permissions = frozenset({"view", "add", "change"})
    coordinator_permissions = VIEW

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = (
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_caf_staff",
        "coordinates",
        "is_referent_account",
        "is_promeneur_account",
        "is_moderator",
        "last_login",
    )
    list_filter = (RoleListFilter, "is_active", "is_caf_staff", "is_moderator", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [UserCoordinationInline, UserStructureMembershipInline]
    actions = ["deactivate_accounts"]

    @admin.action(
        description="Désactiver les comptes (départ : accès coupé, demandes remises)", permissions=["change"]
    )
    def deactivate_accounts(self, request, queryset):
        """A person leaves: no access at once; a promeneur's requests go back to the structure's
        pool and their public profile is hidden (structures.services)."""
        count = 0
        for user in queryset.select_related("promeneur"):
            if user.pk == request.user.pk or not may_change_account(request.user, user):
                continue
            promeneur = getattr(user, "promeneur", None)
            if promeneur is not None:
                promeneur_deactivate(promeneur=promeneur, by=request.user)
            else:
                user_deactivate(user=user, by=request.user)
            count += 1
        self.message_user(request, f"{count} compte(s) désactivé(s).", messages.SUCCESS)

    def get_scoped_queryset(self, request, queryset):
        """A coordinator reaches the promeneurs and referents of their départements' structures."""
        user = request.user
        if is_national_staff(user) or not self.get_role_permissions(request):
            return super().get_scoped_queryset(request, queryset)
        departments = coordinated_department_ids(user)
        promeneur = Promeneur.objects.filter(user=OuterRef("pk"), structure__department__in=departments)
        referent = StructureMembership.objects.filter(
            user=OuterRef("pk"), structure__department__in=departments
        )
        return queryset.filter(Q(Exists(promeneur)) | Q(Exists(referent)))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_coordination=Exists(Coordination.objects.filter(user=OuterRef("pk"))),
                has_referent_role=Exists(
                    StructureMembership.objects.filter(user=OuterRef("pk"), role=MembershipRole.REFERENT)
                ),
                has_promeneur_profile=Exists(Promeneur.objects.filter(user=OuterRef("pk"))),
            )
        )

    def has_change_permission(self, request, obj=None):
        # Only a superuser may change a superuser (or their password): CAF staff could otherwise
        # take over the account with the widest rights.
        if obj is not None and not may_change_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted; a superuser may still delete one.
        return is_superuser(request.user)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        if not is_national_staff(request.user):
            # Coordinators only see who the person is: no password summary, no national flags.
            return (
                (None, {"fields": ("email", "first_name", "last_name")}),
                ("Compte", {"fields": ("is_active", "last_login", "date_joined")}),
            )
        roles = ["is_active", "is_caf_staff", "is_moderator"]
        if is_superuser(request.user):
            roles.append("is_superuser")
        return (
            (None, {"fields": ("email", "password")}),
            ("Identité", {"fields": ("first_name", "last_name")}),
            ("Rôles nationaux", {"fields": roles}),
            ("Dates", {"fields": ("last_login", "date_joined")}),
        )

    @admin.display(description="coordination", boolean=True, ordering="has_coordination")
    def coordinates(self, obj):
        return obj.has_coordination

    @admin.display(description="référent·e", boolean=True, ordering="has_referent_role")
    def is_referent_account(self, obj):
        return obj.has_referent_role

    @admin.display(description="promeneur·se", boolean=True, ordering="has_promeneur_profile")
    def is_promeneur_account(self, obj):
        return obj.has_promeneur_profile
