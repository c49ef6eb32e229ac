"""Reports as PDF documents, ready to send to the CNAF (WeasyPrint).

- a structure's annual activity report;
- a département's consolidated report: every structure's report, the coordination's figures and
  their charts.

What leaves the portal follows the statistics' rules: every count goes through the same
suppression as the statistics pages (`stats.privacy`), tables and charts alike. Charts are the
statistics' own SVG, embedded as vector images; the text is set in DejaVu, a font installed with
the system (the `fonts-dejavu-core` package), so that the document looks the same everywhere.
"""

import base64

from django.template.loader import render_to_string
from django.utils import timezone

from .charts import render_svg
from .enums import ActivityReportStatus
from .models import ActivityReport
from .privacy import protect
from .queries import Scope, all_figures


def svg_data_uri(figure):
    return "data:image/svg+xml;base64," + base64.b64encode(render_svg(figure)).decode("ascii")


def render_pdf(template_name, context):
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "generated_on": timezone.localdate()})
    # No base URL: the document fetches nothing (its images are inline).
    return HTML(string=html).write_pdf()


def report_rows(report):
    """A report's figures as (label, shown value) rows, counts suppressed as on the portal."""
    figures = report.figures or {}
    orientations = figures.get("orientations", {})
    return [
        ("Demandes reçues", protect(figures.get("requests"))),
        ("Orientations envoyées", protect(orientations.get("sent"))),
        ("Orientations reçues", protect(orientations.get("received"))),
        ("Orientations reçues et acceptées", protect(orientations.get("accepted"))),
        ("Participations à des formations", protect(figures.get("trainings_attended"))),
    ]


def structure_report_pdf(report: ActivityReport) -> bytes:
    figures = report.figures or {}
    context = {
        "report": report,
        "structure": report.structure,
        "rows": report_rows(report),
        "themes": [(name, protect(count)) for name, count in figures.get("themes", {}).items()],
        "outcomes": [(name, protect(count)) for name, count in figures.get("outcomes", {}).items()],
    }
    return render_pdf("stats/pdf/structure_report.html", context)


def department_report_pdf(department, year) -> bytes:
    structures = list(department.structures.order_by("name", "pk"))
    reports = {
        report.structure_id: report
        for report in ActivityReport.objects.filter(structure__department=department, year=year)
    }
    lines = []
    for structure in structures:
        report = reports.get(structure.pk)
        lines.append(
            {
                "structure": structure,
                "status": report.get_status_display() if report else "Non commencé",
                "rows": report_rows(report) if report else [],
                "hours_online": report.hours_online if report else None,
                "collective_actions": report.collective_actions if report else None,
            }
        )
    figures = all_figures(Scope(department_ids=frozenset({department.pk})), year)
    context = {
        "department": department,
        "year": year,
        "lines": lines,
        "submitted": sum(
            1
            for report in reports.values()
            if report.status in (ActivityReportStatus.SUBMITTED, ActivityReportStatus.LOCKED)
        ),
        "figures": [(figure, svg_data_uri(figure)) for figure in figures],
    }
    return render_pdf("stats/pdf/department_report.html", context)
