"""The Django admin of the structures domain, as CAF staff and coordinators use it.

Permissions come from the roles of design §2, never from auth `Permission` rows:
`accounts.admin_permissions.RolePermissionsMixin` gives each admin (and inline) what CAF national
staff and departmental coordinators may do, and narrows the rows of a coordinator to their
départements.
"""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin

from accounts import access
from accounts.admin_permissions import ALL, NONE, VIEW, RolePermissionsMixin, scope_filter
from promeneurs.spreadsheets import FrenchCSV, FrenchXLSX
from promeneurs.typography import french_euros, french_hours

from . import admin_accounts  # noqa: F401  (the accounts' admin, with their roles here)
from .enums import Funder, PromeneurStatus
from .models import (
    Absence,
    Charter,
    CharterAcceptance,
    Convention,
    Coordination,
    Department,
    ImportJob,
    NetworkAccount,
    PresenceSlot,
    Promeneur,
    Structure,
    StructureMembership,
    Theme,
    Training,
    TrainingAttendance,
)
from .resources import (
    ConventionResource,
    PromeneurResource,
    StructureResource,
    TrainingAttendanceResource,
    TrainingResource,
    refusals,
)
from .services import promeneur_deactivate


class SpreadsheetImportExportMixin(ImportExportMixin):
    """Import (CSV or XLSX) for CAF national staff only; export for whoever sees the list, of their rows.

    An import is checked whole first (a dry run): the page then lists every refused row with its
    line and a French sentence per problem, and offers to confirm only when no row is refused.
    """

    import_formats = [FrenchCSV, FrenchXLSX]
    export_formats = [FrenchCSV, FrenchXLSX]
    import_template_name = "admin/structures/import.html"

    def has_import_permission(self, request):
        return access.is_national_staff(request.user)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context and context.get("result") is not None:
            resource = self.choose_import_resource_class(context["form"], request)()
            context["refusals"] = refusals(context["result"], resource)
            context["refused_rows"] = len(context["refusals"])
            totals = context["result"].totals
            context["accepted"] = {
                "new": totals.get("new", 0),
                "update": totals.get("update", 0),
                "skip": totals.get("skip", 0),
            }
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        # Numbers and dates stay numbers and dates in a spreadsheet; CSV gets French text.
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        return file_format.export_data(data)

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        # The export form posts back to its own URL, whose query string holds the changelist's
        # filters (the template expects this variable, which only the export action sets).
        context.setdefault("export_url", request.get_full_path())
        return context


# --- Reference data ---------------------------------------------------------------------------


class DepartmentCoordinationInline(RolePermissionsMixin, admin.TabularInline):
    model = Coordination
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0
    verbose_name = "coordinateur·rice"
    verbose_name_plural = "coordinateur·rices du département"
    coordinator_permissions = VIEW
    scope_lookup = "department"
    object_scope_lookup = "pk"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Department)
class DepartmentAdmin(RolePermissionsMixin, admin.ModelAdmin):
    # Départements are reference data (a migration loads the 101): no creation, no deletion.
    caf_staff_permissions = frozenset({"view", "change"})
    coordinator_permissions = VIEW
    scope_lookup = "pk"

    list_display = ("code", "name", "coordination_name", "coordination_email")
    list_display_links = ("code", "name")
    search_fields = ("code", "name", "coordination_name")
    readonly_fields = ("code", "name")
    fields = ("code", "name", "coordination_name", "coordination_email")
    inlines = [DepartmentCoordinationInline]


@admin.register(Theme)
class ThemeAdmin(RolePermissionsMixin, admin.ModelAdmin):
    coordinator_permissions = VIEW

    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


# --- Structures -------------------------------------------------------------------------------


class ConventionInline(RolePermissionsMixin, admin.TabularInline):
    model = Convention
    fields = ("funder", "year", "amount", "starts_on", "ends_on", "status", "reference")
    extra = 0
    show_change_link = True
    coordinator_permissions = ALL
    object_scope_lookup = "department"


class StructureMembershipInline(RolePermissionsMixin, admin.TabularInline):
    model = StructureMembership
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0
    coordinator_permissions = ALL
    object_scope_lookup = "department"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Structure)
class StructureAdmin(RolePermissionsMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    # A structure with conventions or promeneurs cannot be deleted (PROTECT): hide it instead.
    coordinator_permissions = frozenset({"view", "add", "change"})
    scope_lookup = "department"
    resource_classes = [StructureResource]

    list_display = ("name", "kind", "commune", "postcode", "department", "is_public", "updated_at")
    list_filter = (("department", admin.RelatedOnlyFieldListFilter), "kind", "is_public")
    list_select_related = ("department",)
    search_fields = ("name", "slug", "commune", "postcode", "email")
    autocomplete_fields = ("department",)
    readonly_fields = ("created_at", "updated_at")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "description")}),
        ("Adresse", {"fields": ("address", "postcode", "commune", "department", ("latitude", "longitude"))}),
        ("Contact", {"fields": ("email", "phone", "website")}),
        ("Annuaire", {"fields": ("is_public", "created_at", "updated_at")}),
    )
    inlines = [ConventionInline, StructureMembershipInline]

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("department")


@admin.register(StructureMembership)
class StructureMembershipAdmin(RolePermissionsMixin, admin.ModelAdmin):
    coordinator_permissions = ALL
    scope_lookup = "structure__department"

    list_display = ("user", "structure", "department", "role", "created_at")
    list_filter = (("structure__department", admin.RelatedOnlyFieldListFilter), "role")
    list_select_related = ("user", "structure", "structure__department")
    search_fields = ("user__email", "user__first_name", "user__last_name", "structure__name")
    autocomplete_fields = ("user", "structure")

    @admin.display(description="département", ordering="structure__department__code")
    def department(self, obj):
        return obj.structure.department


@admin.register(Coordination)
class CoordinationAdmin(RolePermissionsMixin, admin.ModelAdmin):
    coordinator_permissions = VIEW
    scope_lookup = "department"

    list_display = ("user", "department", "created_at")
    list_filter = (("department", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "department")
    search_fields = ("user__email", "user__first_name", "user__last_name", "department__name")
    autocomplete_fields = ("user", "department")


# --- Conventions ------------------------------------------------------------------------------


@admin.register(Convention)
class ConventionAdmin(RolePermissionsMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    coordinator_permissions = ALL
    scope_lookup = "structure__department"
    resource_classes = [ConventionResource]
    # The funding totals above the list (the import and export buttons are added around it).
    change_list_template = "admin/structures/convention/change_list.html"

    list_display = (
        "structure",
        "department",
        "funder",
        "year",
        "amount_in_euros",
        "status",
        "starts_on",
        "ends_on",
    )
    list_filter = (
        "year",
        "funder",
        "status",
        ("structure__department", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("structure", "structure__department")
    search_fields = ("structure__name", "structure__commune", "reference")
    autocomplete_fields = ("structure",)
    date_hierarchy = "starts_on"
    fields = ("structure", "funder", "year", "amount", "starts_on", "ends_on", "status", "reference")

    @admin.display(description="département", ordering="structure__department__code")
    def department(self, obj):
        return obj.structure.department

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("structure")

    @admin.display(description="montant", ordering="amount")
    def amount_in_euros(self, obj):
        return french_euros(obj.amount)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # The filtered rows only exist once the changelist is built: the summary is added to its
        # context then, rather than building the changelist a second time.
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context:
            context["funding_totals"] = self.funding_totals(context["cl"].queryset)
        return response

    @staticmethod
    def funding_totals(queryset):
        """Amounts per year and funder, with the totals, in one SQL aggregation."""
        rows = (
            queryset.order_by()
            .values("year", "funder")
            .annotate(total=Sum("amount"), conventions=Count("pk"))
            .order_by("-year", "funder")
        )
        funder_order = {value: index for index, value in enumerate(Funder.values)}
        years = defaultdict(list)
        for row in rows:
            years[row["year"]].append(row)
        summary = []
        grand_total = Decimal(0)
        count = 0
        for year in sorted(years, reverse=True):
            funders = sorted(years[year], key=lambda row: funder_order.get(row["funder"], len(funder_order)))
            year_total = sum((row["total"] or Decimal(0) for row in funders), Decimal(0))
            grand_total += year_total
            count += sum(row["conventions"] for row in funders)
            summary.append(
                {
                    "year": year,
                    "funders": [
                        {
                            "label": Funder(row["funder"]).label,
                            "amount": french_euros(row["total"]),
                            "conventions": row["conventions"],
                        }
                        for row in funders
                    ],
                    "total": french_euros(year_total),
                }
            )
        return {"years": summary, "total": french_euros(grand_total), "conventions": count}


# --- Promeneurs -------------------------------------------------------------------------------


class PromeneurChildInline(RolePermissionsMixin, admin.TabularInline):
    """An inline of the promeneur page: its rows follow their promeneur's scope."""

    extra = 0
    coordinator_permissions = ALL
    object_scope_lookup = "structure__department"


class NetworkAccountInline(PromeneurChildInline):
    model = NetworkAccount
    fields = ("network", "handle", "url")


class PresenceSlotInline(PromeneurChildInline):
    model = PresenceSlot
    fields = ("weekday", "start", "end")


class AbsenceInline(PromeneurChildInline):
    model = Absence
    fields = ("starts_on", "ends_on", "note")


class PromeneurCharterAcceptanceInline(PromeneurChildInline):
    model = CharterAcceptance
    fields = ("charter", "accepted_on")


class PromeneurTrainingAttendanceInline(PromeneurChildInline):
    model = TrainingAttendance
    fields = ("training", "attended")
    autocomplete_fields = ("training",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("training")


@admin.register(Promeneur)
class PromeneurAdmin(RolePermissionsMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    # A promeneur who stops is marked « parti·e », not deleted.
    coordinator_permissions = frozenset({"view", "add", "change"})
    scope_lookup = "structure__department"
    resource_classes = [PromeneurResource]

    list_display = (
        "__str__",
        "structure",
        "department",
        "status",
        "labelled_on",
        "weekly_hours",
        "account",
    )
    list_filter = (
        "status",
        ("structure__department", admin.RelatedOnlyFieldListFilter),
        "structure__kind",
        "themes",
    )
    list_select_related = ("structure", "structure__department", "user")
    search_fields = ("first_name", "display_name", "slug", "job", "structure__name", "user__email")
    autocomplete_fields = ("structure", "user")
    date_hierarchy = "labelled_on"
    readonly_fields = ("created_at", "updated_at")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("first_name", "display_name", "slug", "structure", "job", "user")}),
        ("Profil public", {"fields": ("photo", "bio", "themes", ("age_min", "age_max"))}),
        ("Label", {"fields": ("status", "labelled_on", "created_at", "updated_at")}),
    )
    inlines = [
        NetworkAccountInline,
        PresenceSlotInline,
        AbsenceInline,
        PromeneurCharterAcceptanceInline,
        PromeneurTrainingAttendanceInline,
    ]
    actions = ["label_promeneurs", "suspend_promeneurs", "mark_promeneurs_as_left"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("presence_slots")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.user_id is not None:
            # The reader's identity cannot be moved: the account is fixed once set (design §3.8).
            fields.append("user")
        if obj is not None and obj.user_id is not None and obj.user_id == request.user.pk:
            # Nobody labels (or suspends) themselves.
            fields += ["status", "labelled_on"]
        return fields

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("structure").prefetch_related("themes")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "themes":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="département", ordering="structure__department__code")
    def department(self, obj):
        return obj.structure.department

    @admin.display(description="heures en ligne / semaine")
    def weekly_hours(self, obj):
        return french_hours(obj.weekly_hours)

    @admin.display(description="compte", ordering="user__email")
    def account(self, obj):
        return obj.user.email if obj.user else "—"

    def change_statuses(self, request, queryset, status):
        """Moves the selected promeneurs to `status` where the transition table allows it."""
        changed = skipped = 0
        target = PromeneurStatus(status).label
        rows = Promeneur.objects.select_for_update().filter(pk__in=queryset.values("pk")).order_by("pk")
        for promeneur in rows:
            if promeneur.user_id is not None and promeneur.user_id == request.user.pk:
                skipped += 1  # nobody labels (or suspends) themselves
                continue
            previous = promeneur.get_status_display()
            try:
                promeneur.change_status(status)
            except ValidationError:
                skipped += 1
                continue
            changed += 1
            self.log_change(request, promeneur, f"Statut : « {previous} » → « {target} ».")
        if changed:
            text = (
                f"{changed} promeneur·se passé·e à « {target} »."
                if changed == 1
                else f"{changed} promeneur·ses passé·es à « {target} »."
            )
        else:
            text = f"Aucun·e promeneur·se passé·e à « {target} »."
        if skipped:
            text += (
                f" {skipped} ignoré·e : ce passage n’est pas autorisé depuis son statut."
                if skipped == 1
                else f" {skipped} ignoré·es : ce passage n’est pas autorisé depuis leur statut."
            )
        self.message_user(request, text, messages.WARNING if skipped else messages.SUCCESS)

    @admin.action(description="Labelliser les promeneur·ses sélectionné·es", permissions=["change"])
    def label_promeneurs(self, request, queryset):
        self.change_statuses(request, queryset, PromeneurStatus.LABELLED)

    @admin.action(description="Suspendre les promeneur·ses sélectionné·es", permissions=["change"])
    def suspend_promeneurs(self, request, queryset):
        self.change_statuses(request, queryset, PromeneurStatus.SUSPENDED)

    @admin.action(
        description="Départ : désactiver le compte, remettre les demandes à la structure, masquer le profil",
        permissions=["change"],
    )
    def mark_promeneurs_as_left(self, request, queryset):
        left = returned = 0
        for promeneur in queryset.exclude(status=PromeneurStatus.LEFT).order_by("pk"):
            returned += promeneur_deactivate(promeneur=promeneur, by=request.user)
            left += 1
            self.log_change(request, promeneur, "Départ : compte désactivé, demandes remises à la structure.")
        self.message_user(
            request,
            f"{left} départ(s) enregistré(s) : comptes désactivés, {returned} demande(s) remise(s) "
            "à la file de leur structure, profils masqués.",
        )


# --- Trainings and charter --------------------------------------------------------------------


class NationalTrainingsVisibleMixin:
    """Coordinators may look at national trainings (no département), not change them."""

    def is_in_scope(self, request, obj, action):
        if action == "view" and isinstance(obj, Training) and obj.department_id is None:
            return True
        return super().is_in_scope(request, obj, action)


class TrainingAttendanceInline(NationalTrainingsVisibleMixin, RolePermissionsMixin, admin.TabularInline):
    model = TrainingAttendance
    fields = ("promeneur", "attended")
    autocomplete_fields = ("promeneur",)
    extra = 0
    coordinator_permissions = ALL
    # On a national training, a coordinator only sees the attendance of their own promeneurs…
    scope_lookup = "promeneur__structure__department"
    # …and may edit the attendance of their départements' trainings only.
    object_scope_lookup = "department"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("promeneur")


@admin.register(Training)
class TrainingAdmin(
    NationalTrainingsVisibleMixin, RolePermissionsMixin, SpreadsheetImportExportMixin, admin.ModelAdmin
):
    """Trainings of a département, or national ones (no département).

    A coordinator sees their départements' trainings and the national ones, and edits only theirs.
    """

    coordinator_permissions = ALL
    scope_lookup = "department"
    resource_classes = [TrainingResource]

    list_display = ("title", "kind", "department_or_national", "starts_on", "location", "attendee_count")
    list_filter = ("kind", ("department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("department",)
    search_fields = ("title", "location")
    autocomplete_fields = ("department",)
    date_hierarchy = "starts_on"
    fields = ("title", "kind", "department", "starts_on", "location")
    inlines = [TrainingAttendanceInline]

    def get_scoped_queryset(self, request, queryset):
        if access.is_coordinator(request.user) and not access.is_national_staff(request.user):
            return queryset.filter(
                models.Q(department__in=access.coordinated_department_ids(request.user))
                | models.Q(department__isnull=True)
            )
        return super().get_scoped_queryset(request, queryset)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                attendee_count=Count(
                    "trainingattendance", filter=scope_filter(request, "trainingattendance__promeneur")
                )
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "department" and not access.is_national_staff(request.user):
            # Only CAF national staff organise national trainings.
            field.required = True
        return field

    @admin.display(description="département", ordering="department__code")
    def department_or_national(self, obj):
        return obj.department or "Nationale"

    @admin.display(description="participant·es", ordering="attendee_count")
    def attendee_count(self, obj):
        return obj.attendee_count


@admin.register(TrainingAttendance)
class TrainingAttendanceAdmin(RolePermissionsMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    """Attendance rows, listed and imported on their own (a file per training session)."""

    coordinator_permissions = ALL
    scope_lookup = "promeneur__structure__department"
    resource_classes = [TrainingAttendanceResource]

    list_display = ("promeneur", "structure", "training", "attended")
    list_filter = ("attended", ("promeneur__structure__department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("promeneur", "promeneur__structure", "training")
    search_fields = ("promeneur__first_name", "promeneur__display_name", "training__title")
    autocomplete_fields = ("training", "promeneur")

    @admin.display(description="structure", ordering="promeneur__structure__name")
    def structure(self, obj):
        return obj.promeneur.structure.name

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("training", "promeneur")


@admin.register(Charter)
class CharterAdmin(RolePermissionsMixin, admin.ModelAdmin):
    coordinator_permissions = VIEW

    list_display = ("__str__", "published_on", "acceptances_link")
    search_fields = ("version",)
    date_hierarchy = "published_on"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                acceptance_count=Count("acceptances", filter=scope_filter(request, "acceptances__promeneur"))
            )
        )

    @admin.display(description="signatures", ordering="acceptance_count")
    def acceptances_link(self, obj):
        # A coordinator counts the signatures of their départements, as in the list it links to.
        url = reverse("admin:structures_charteracceptance_changelist") + f"?charter__id__exact={obj.pk}"
        return format_html('<a href="{}">{} signature(s)</a>', url, obj.acceptance_count)


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(RolePermissionsMixin, admin.ModelAdmin):
    coordinator_permissions = ALL
    scope_lookup = "promeneur__structure__department"

    list_display = ("promeneur", "structure", "charter", "accepted_on")
    list_filter = ("charter", ("promeneur__structure__department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("promeneur", "promeneur__structure", "charter")
    search_fields = ("promeneur__first_name", "promeneur__display_name", "promeneur__structure__name")
    autocomplete_fields = ("promeneur",)
    date_hierarchy = "accepted_on"

    @admin.display(description="structure", ordering="promeneur__structure__name")
    def structure(self, obj):
        return obj.promeneur.structure.name


# --- Imports of large files in the background ---------------------------------------------------


class ImportJobForm(forms.ModelForm):
    upload = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur « ; » ou « , ») ou XLSX, avec les colonnes de l’import de ces données.",
    )

    class Meta:
        model = ImportJob
        fields = ["kind"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError("Choisissez un fichier .csv ou .xlsx.")
        if upload.size > IMPORT_JOB_MAX_BYTES:
            raise ValidationError(
                f"Ce fichier dépasse {IMPORT_JOB_MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers."
            )
        return upload


IMPORT_JOB_MAX_BYTES = 20 * 1024 * 1024


@admin.register(ImportJob)
class ImportJobAdmin(RolePermissionsMixin, admin.ModelAdmin):
    """Large files imported by a Celery worker: upload, then follow the progress and the result."""

    caf_staff_permissions = frozenset({"view", "add"})
    coordinator_permissions = NONE

    form = ImportJobForm
    list_display = ("__str__", "status", "total_rows", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    readonly_fields = ("kind", "file_name", "status", "total_rows", "created_by", "created_at", "finished_at")
    change_form_template = "admin/structures/importjob/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "upload"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        from .tasks import run_import_job

        upload = form.cleaned_data["upload"]
        obj.file_name = upload.name[:255]
        obj.content = upload.read()
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: run_import_job.delay(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, "Le fichier est envoyé : sa vérification commence. Suivez-la sur cette page."
        )
        return redirect(reverse("admin:structures_importjob_change", args=[obj.pk]))

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/progression/",
                self.admin_site.admin_view(self.progress_view),
                name="structures_importjob_progress",
            )
        ]
        return urls + super().get_urls()

    def progress_view(self, request, object_id):
        job = self.get_object(request, object_id)
        if job is None or not self.has_view_permission(request, job):
            raise Http404("Import inconnu.")
        return JsonResponse(
            {
                "status": job.status,
                "label": job.get_status_display(),
                "percent": job.percent,
                "processed": job.processed_rows,
                "total": job.total_rows,
                "finished": job.is_finished,
            }
        )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")
