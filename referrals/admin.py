"""The Django admin of referrals: metadata only, read-only (design §3.2).

No page of the admin shows what a young person wrote or how to reach them: the content fields
(`CONTENT_FIELDS`: first name, handle, e-mail, phone, message), the private notes, the
"Réponds-moi ici" conversation and the orientation summaries appear in no list, form, inline, search, filter nor export — and are not
even loaded. Nothing is added, changed or deleted here: requests come from the public form, their
life is the dashboard's, and retention is automatic (anonymisation, purge of the access log).

CAF national staff see every département; a coordinator sees the requests and orientations of
their départements; nobody else sees these pages (`accounts.admin_permissions.RolePermissionsMixin`).
"""

from django.contrib import admin
from django.db.models import Q

from accounts import access
from accounts.admin_permissions import NONE, VIEW, RolePermissionsMixin

from .models import CONTENT_FIELDS, AccessLog, ContactRequest, Orientation, RequestStatusChange

# Fields no lookup of the admin may touch, even through a hand-written URL
# (`?message__icontains=…` would otherwise tell, row by row, what a message contains).
CONFIDENTIAL_LOOKUPS = frozenset(CONTENT_FIELDS) | {"notes", "summary", "orientations", "thread_messages"}
REQUEST_CONTENT = [f"request__{name}" for name in CONTENT_FIELDS]


class MetadataAdminMixin:
    """Read-only metadata: no filter on a confidential field (whatever the URL says), no bulk action.

    The roles give view permission at most (`RolePermissionsMixin`), so there is no add, change or
    delete page; every shown field is also declared read-only.
    """

    actions = None

    def lookup_allowed(self, lookup, value, request=None):
        parts = lookup.split("__")
        if any(part in CONFIDENTIAL_LOOKUPS for part in parts):
            return False
        return super().lookup_allowed(lookup, value, request)


class RequestStatusChangeInline(RolePermissionsMixin, admin.TabularInline):
    model = RequestStatusChange
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    caf_staff_permissions = VIEW
    coordinator_permissions = VIEW
    scope_lookup = "request__department"
    object_scope_lookup = "department"
    verbose_name_plural = "historique des statuts"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(ContactRequest)
class ContactRequestAdmin(MetadataAdminMixin, RolePermissionsMixin, admin.ModelAdmin):
    caf_staff_permissions = VIEW
    coordinator_permissions = VIEW
    scope_lookup = "department"

    list_display = (
        "reference",
        "created_at",
        "status",
        "outcome",
        "age_bracket",
        "commune",
        "department",
        "structure",
        "assignee",
        "theme_names",
        "channel",
        "is_urgent",
    )
    list_filter = (
        "status",
        ("department", admin.RelatedOnlyFieldListFilter),
        "structure__kind",
        "age_bracket",
        "outcome",
        "channel",
        "is_urgent",
    )
    list_select_related = ("department", "structure", "assignee")
    search_fields = ("reference",)
    search_help_text = "Recherche par référence, par exemple PDN-7K2M-Q4XD."
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("reference", "status", "outcome", "is_urgent")}),
        (
            "Cible et prise en charge",
            {
                "fields": (
                    "target_kind",
                    "target_promeneur",
                    "structure",
                    "department",
                    "assignee",
                    "rerouted",
                )
            },
        ),
        (
            "Le ou la jeune (sans contenu)",
            {"fields": ("age_bracket", "commune", "postcode", "themes", "channel", "network")},
        ),
        (
            "Dates",
            {"fields": ("consent_at", "created_at", "claimed_at", "closed_at", "erased_at", "updated_at")},
        ),
    )
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])
    inlines = [RequestStatusChangeInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(*CONTENT_FIELDS)
            .select_related("department", "structure", "assignee", "target_promeneur")
            .prefetch_related("themes")
        )

    def get_search_results(self, request, queryset, search_term):
        # The reference only, case-insensitive: never the content.
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        return queryset.filter(reference__icontains=search_term), False

    @admin.display(description="thèmes")
    def theme_names(self, obj):
        return ", ".join(theme.name for theme in obj.themes.all()) or "—"


class OrientationScopeMixin(RolePermissionsMixin):
    """A coordinator sees the orientations sent from or to a structure of their départements."""

    caf_staff_permissions = VIEW
    coordinator_permissions = VIEW

    def get_scoped_queryset(self, request, queryset):
        user = request.user
        if access.is_national_staff(user):
            return queryset
        if not access.is_coordinator(user):
            return queryset.none()
        departments = access.coordinated_department_ids(user)
        return queryset.filter(
            Q(from_structure__department_id__in=departments) | Q(to_structure__department_id__in=departments)
        )

    def is_in_scope(self, request, obj, action):
        if obj is None or access.is_national_staff(request.user):
            return True
        departments = access.coordinated_department_ids(request.user)
        return (
            obj.from_structure.department_id in departments or obj.to_structure.department_id in departments
        )


@admin.register(Orientation)
class OrientationAdmin(MetadataAdminMixin, OrientationScopeMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "from_structure",
        "to_structure",
        "status",
        "decline_reason",
        "created_at",
        "expires_at",
        "answered_at",
    )
    list_filter = (
        "status",
        "decline_reason",
        ("from_structure__department", admin.RelatedOnlyFieldListFilter),
        ("to_structure__department", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("request", "from_structure", "to_structure")
    search_fields = ("request__reference",)
    search_help_text = "Recherche par référence de la demande."
    date_hierarchy = "created_at"
    # The summary is the promeneur's words about the young person: it stays between the two structures.
    fields = (
        "reference",
        "from_structure",
        "to_structure",
        "created_by",
        "status",
        "decline_reason",
        "young_person_agreed",
        "data_protection_commitment",
        "created_at",
        "expires_at",
        "answered_at",
        "answered_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("summary", *REQUEST_CONTENT)
            .select_related("request", "from_structure", "to_structure", "created_by", "answered_by")
        )

    def get_search_results(self, request, queryset, search_term):
        search_term = search_term.strip()
        if not search_term:
            return queryset, False
        return queryset.filter(request__reference__icontains=search_term), False

    @admin.display(description="demande", ordering="request__reference")
    def reference(self, obj):
        return obj.request.reference


@admin.register(AccessLog)
class AccessLogAdmin(MetadataAdminMixin, RolePermissionsMixin, admin.ModelAdmin):
    """Who displayed which request's content, and when: for CAF national staff."""

    caf_staff_permissions = VIEW
    coordinator_permissions = NONE

    list_display = ("at", "user", "reference", "structure")
    list_filter = (("structure", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "structure")
    search_fields = ("reference", "user__email")
    search_help_text = "Recherche par référence ou par e-mail de la personne."
    date_hierarchy = "at"
    fields = ("at", "user", "reference", "structure")
    readonly_fields = fields
