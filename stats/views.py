import dataclasses
import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from promeneurs.pagination import paginate
from promeneurs.spreadsheets import csv_response, xlsx_response
from promeneurs.typography import short_date
from structures.models import Department, Structure

from . import aggregates, documents, report_figures, services
from .charts import render_svg
from .enums import ActivityReportStatus
from .formatting import format_value
from .forms import ActivityReportForm, DepartmentReportForm, ReturnToDraftForm, StatsFilterForm, YearForm
from .models import ActivityReport
from .queries import FIGURES, Scope, all_figures, current_year

# --- Who sees what ---------------------------------------------------------------------------------


is_national = access.is_national_staff


def stats_access_or_404(user):
    """The user's statistics scope and the départements they may filter by (None: no filter)."""
    # Coordinators and referents already see the metadata of these requests: exact figures
    # (design §3b.5). National staff see every département, so suppressed ones (stats/privacy.py).
    if is_national(user):
        return Scope(), Department.objects.all()
    if access.is_coordinator(user):
        ids = access.coordinated_department_ids(user)
        return Scope(department_ids=ids, exact=True), Department.objects.filter(pk__in=ids)
    if access.is_referent(user):
        return Scope(structure_ids=access.referent_structure_ids(user), exact=True), None
    raise Http404("Pas de statistiques pour ce compte.")


def filtered_scope(request):
    """(scope, form, year, query string) of a statistics request."""
    scope, departments = stats_access_or_404(request.user)
    data = request.GET if "annee" in request.GET or "departement" in request.GET else None
    form = StatsFilterForm(data, departments=departments)
    year, department = form.year(), form.department()
    params = {"annee": year}
    if department is not None:
        # The form offers only the user's own départements (all of them to national staff).
        scope = Scope(department_ids=frozenset({department.pk}), exact=scope.exact)
        params["departement"] = department.code
    if scope.structure_ids is None:
        # National and departmental figures come from the monthly figures once they exist.
        scope = dataclasses.replace(scope, refreshed_at=aggregates.last_refresh())
    return scope, form, year, urlencode(params)


def scope_label(user, form):
    department = form.department()
    if department is not None:
        return f"Département {department}"
    if is_national(user):
        return "France entière"
    if access.is_coordinator(user):
        return "Vos départements"
    return "Vos structures"


# --- Statistics ----------------------------------------------------------------------------------


SPREADSHEET_FORMATS = ("csv", "xlsx")


def spreadsheet_response(file_format, name, header, rows):
    """The table as a download: CSV for French spreadsheets (BOM, `;`, decimal commas) or XLSX."""
    if file_format == "xlsx":
        return xlsx_response(f"{name}.xlsx", header, rows, title=name)
    return csv_response(f"{name}.csv", header, rows)


def spreadsheet_value(value, native):
    """A figure's cell: as shown on the page in CSV; a number stays a number in XLSX ("< 5" is text)."""
    if native and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return format_value(value, grouping=False)


def figure_file(figure, year, file_format):
    native = file_format == "xlsx"
    rows = ([label, *[spreadsheet_value(v, native) for v in values]] for label, values in figure.rows)
    return spreadsheet_response(file_format, f"{figure.slug}-{year}", figure.headers, rows)


def statistics(request):
    scope, form, year, query = filtered_scope(request)
    file_format = request.GET.get("format")
    if file_format in SPREADSHEET_FORMATS:
        function = FIGURES.get(request.GET.get("figure", ""))
        if function is None:
            raise Http404("Tableau inconnu.")
        return figure_file(function(scope, year), year, file_format)
    context = {
        "form": form,
        "year": year,
        "query": query,
        "scope_label": scope_label(request.user, form),
        "exact": scope.exact,
        "refreshed_at": scope.refreshed_at if scope.aggregated else None,
        "figures": all_figures(scope, year),
    }
    return render(request, "stats/statistics.html", context)


def chart(request, slug):
    function = FIGURES.get(slug)
    if function is None:
        raise Http404("Graphique inconnu.")
    scope, _form, year, _query = filtered_scope(request)
    response = HttpResponse(render_svg(function(scope, year)), content_type="image/svg+xml")
    # An SVG opened on its own must not run anything; its own <style> is allowed.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Activity reports ------------------------------------------------------------------------------


def report_structures(user):
    """Structures whose reports the user may see: as referent, coordinator or CAF staff."""
    if is_national(user):
        return Structure.objects.all()
    return Structure.objects.filter(access.managed_structure_ids_q(user))


def can_validate(user, structure):
    return is_national(user) or access.is_coordinator(user, structure.department_id)


def can_edit(user, structure):
    return access.is_referent(user, structure.pk)


def sees_metadata(user, structure):
    """The structure's referent and its département's coordinator see its requests' metadata:
    they get its exact figures; CAF national staff get them through the suppression rule."""
    return access.is_referent(user, structure.pk) or access.is_coordinator(user, structure.department_id)


def get_structure_for_reports_or_404(user, slug):
    return get_object_or_404(report_structures(user).select_related("department"), slug=slug)


def check_year_or_404(year):
    if not 2012 <= year <= current_year():
        raise Http404("Année hors de la période du programme.")


def report_list(request):
    user = request.user
    if not (is_national(user) or access.is_coordinator(user) or access.is_referent(user)):
        raise Http404("Pas de bilans pour ce compte.")
    form = YearForm(request.GET if "annee" in request.GET else None)
    year = form.year()
    reports = ActivityReport.objects.filter(structure=OuterRef("pk"), year=year)
    structures = (
        report_structures(user)
        .select_related("department")
        .annotate(report_status=Subquery(reports.values("status")[:1]))
        .order_by("department__code", "name", "pk")
    )
    pagination = paginate(request, structures, per_page=50)
    page = pagination["page_obj"]
    labels = dict(ActivityReportStatus.choices)
    for structure in page:
        structure.report_status_label = labels.get(structure.report_status, "Non commencé")
        # A report not started yet has no page, except for its referent, who starts it there.
        structure.report_page = structure.report_status is not None or can_edit(user, structure)
    context = {
        "form": form,
        "year": year,
        "page": page,
        "pagination": pagination,
        "can_export": is_national(user) or access.is_coordinator(user),
        # National staff choose the département in a form; a coordinator gets a link per département.
        "report_departments": (
            None
            if is_national(user)
            else Department.objects.filter(pk__in=access.coordinated_department_ids(user)).order_by("code")
        ),
        "department_form": DepartmentReportForm(initial={"annee": year}, prefix="rapport")
        if is_national(user)
        else None,
    }
    return render(request, "stats/report_list.html", context)


def department_report_choice(request):
    """National staff's form for the consolidated report of any département."""
    if not is_national(request.user):
        raise Http404("Réservé au personnel de la CAF.")
    form = DepartmentReportForm(request.GET, prefix="rapport")
    if not form.is_valid():
        raise Http404("Département ou année inconnus.")
    return redirect(
        "stats:department_report_pdf",
        code=form.cleaned_data["departement"].code,
        year=form.cleaned_data["annee"],
    )


EXPORT_HEADER = [
    "Département",
    "Structure",
    "Type",
    "Année",
    "Statut",
    "Demandes reçues",
    "Orientations envoyées",
    "Orientations reçues",
    "Orientations acceptées",
    "Formations suivies",
    "Heures en ligne",
    "Actions collectives",
    "Commentaires",
    "Transmis le",
    "Verrouillé le",
]


def report_export(request, file_format="csv"):
    user = request.user
    if not (is_national(user) or access.is_coordinator(user)):
        raise Http404("Export réservé à la coordination.")
    year = YearForm(request.GET if "annee" in request.GET else None).year()
    reports = ActivityReport.objects.filter(year=year).select_related("structure__department")
    # A coordinator's export covers their départements only: exact figures (see sees_metadata).
    exact = not is_national(user)
    if exact:
        reports = reports.filter(structure__department_id__in=access.coordinated_department_ids(user))

    native = file_format == "xlsx"

    def date(value):
        if not value:
            return ""
        day = value.astimezone(datetime.UTC).date()
        return day if native else short_date(day)

    reports = list(reports.order_by("structure__department__code", "structure__name"))
    if exact:
        shown = {report.pk: report_figures.exact_figures(report) for report in reports}
    else:
        # CAF staff: each report suppressed with the others of its département, as everywhere else.
        shown = report_figures.suppressed_by_department(reports)

    def rows():
        for report in reports:
            yield [
                str(report.structure.department),
                report.structure.name,
                report.structure.get_kind_display(),
                report.year,
                report.get_status_display(),
                *[spreadsheet_value(value, native) for _label, value in shown[report.pk].counts],
                "" if report.hours_online is None else report.hours_online,
                "" if report.collective_actions is None else report.collective_actions,
                report.comments,
                date(report.submitted_at),
                date(report.locked_at),
            ]

    return spreadsheet_response(file_format, f"bilans-{year}", EXPORT_HEADER, rows())


def report_detail(request, slug, year):
    user = request.user
    structure = get_structure_for_reports_or_404(user, slug)
    check_year_or_404(year)
    report = ActivityReport.objects.filter(structure=structure, year=year).first()
    editable = can_edit(user, structure)
    if report is None and not editable:
        raise Http404("Ce bilan n’a pas encore été commencé.")
    form = None
    if report is not None and report.is_editable and editable:
        form = ActivityReportForm(data=request.POST or None, instance=report)
        if request.method == "POST" and form.is_valid():
            # "Transmettre" sends the form as typed: it is saved as the draft, then submitted; a
            # refusal shows the page again with what was typed and the reason.
            report = form.save()
            if request.POST.get("action") != "submit":
                messages.success(request, "Le bilan est enregistré.")
                return redirect(report)
            try:
                services.activity_report_submit(report=report, by=user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Le bilan est transmis à la coordination départementale.")
                return redirect(report)
    elif request.method == "POST":
        messages.error(request, "Ce bilan ne peut plus être modifié.")
        return redirect(request.path)
    exact = sees_metadata(user, structure)
    if report is None:
        shown = None
    elif exact:
        shown = report_figures.exact_figures(report)
    else:
        # The same cells as in the département's other reports, its PDF and the export.
        shown = report_figures.department_suppressed_figures(structure.department_id, year)[report.pk]
    context = {
        "structure": structure,
        "year": year,
        "report": report,
        "shown": shown,
        "form": form,
        "can_edit": editable,
        "exact": exact,
        "can_validate": report is not None and can_validate(user, structure),
        "return_form": ReturnToDraftForm(),
        "declared": (report.figures.get("online_hours_declared") or {}) if report else {},
    }
    return render(request, "stats/report_detail.html", context)


def pdf_response(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def report_pdf(request, slug, year):
    """The structure's annual report as a PDF document (only once the report exists)."""
    report = _report_or_404(request.user, slug, year)
    return pdf_response(documents.structure_report_pdf(report), f"bilan-{report.structure.slug}-{year}.pdf")


def department_report_pdf(request, code, year):
    """A département's consolidated report: CAF staff, and the coordinators of that département."""
    user = request.user
    check_year_or_404(year)
    departments = (
        Department.objects.all()
        if is_national(user)
        else Department.objects.filter(pk__in=access.coordinated_department_ids(user))
    )
    department = get_object_or_404(departments, code=code)
    return pdf_response(
        documents.department_report_pdf(department, year), f"rapport-{department.code}-{year}.pdf"
    )


def _report_or_404(user, slug, year):
    structure = get_structure_for_reports_or_404(user, slug)
    return get_object_or_404(
        ActivityReport.objects.select_related("structure"), structure=structure, year=year
    )


@require_POST
def report_create(request, slug, year):
    structure = get_structure_for_reports_or_404(request.user, slug)
    check_year_or_404(year)
    if not can_edit(request.user, structure):
        raise Http404("Bilan réservé au ou à la référent·e de la structure.")
    report = ActivityReport.objects.filter(structure=structure, year=year).first()
    if report is None:
        report = services.activity_report_create(structure=structure, year=year, by=request.user)
        messages.success(request, "Le bilan est créé, pré-rempli avec les chiffres de l’année.")
    return redirect(report)


def _transition(request, slug, year, *, allowed, action, success):
    report = _report_or_404(request.user, slug, year)
    if not allowed(request.user, report.structure):
        raise Http404("Action non disponible.")
    try:
        action(report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(report)


@require_POST
def report_refresh(request, slug, year):
    return _transition(
        request,
        slug,
        year,
        allowed=can_edit,
        action=lambda report: services.activity_report_refresh_figures(report=report),
        success="Les chiffres du bilan sont recalculés.",
    )


@require_POST
def report_submit(request, slug, year):
    return _transition(
        request,
        slug,
        year,
        allowed=can_edit,
        action=lambda report: services.activity_report_submit(report=report, by=request.user),
        success="Le bilan est transmis à la coordination départementale.",
    )


@require_POST
def report_lock(request, slug, year):
    return _transition(
        request,
        slug,
        year,
        allowed=can_validate,
        action=lambda report: services.activity_report_lock(report=report, by=request.user),
        success="Le bilan est validé et verrouillé.",
    )


@require_POST
def report_return(request, slug, year):
    form = ReturnToDraftForm(request.POST)
    comment = form.cleaned_data["coordinator_comment"] if form.is_valid() else ""
    return _transition(
        request,
        slug,
        year,
        allowed=can_validate,
        action=lambda report: services.activity_report_return_to_draft(
            report=report, by=request.user, comment=comment
        ),
        success="Le bilan est renvoyé au brouillon, avec votre commentaire.",
    )
