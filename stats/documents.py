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
from .privacy import protect, suppress
from .queries import Scope, all_figures


def svg_data_uri(figure):
    return "data:image/svg+xml;base64," + base64.b64encode(render_svg(figure)).decode("ascii")


def render_pdf(template_name, context):
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "generated_on": timezone.localdate()})
    # No base URL: the document fetches nothing (its images are inline).
    return HTML(string=html).write_pdf()


def report_counts(report):
    """A report's figures as (label, count) rows, as typed into the report."""
    figures = report.figures or {}
    orientations = figures.get("orientations", {})
    return [
        ("Demandes reçues", figures.get("requests")),
        ("Orientations envoyées", orientations.get("sent")),
        ("Orientations reçues", orientations.get("received")),
        ("Orientations reçues et acceptées", orientations.get("accepted")),
        ("Participations à des formations", figures.get("trainings_attended")),
    ]


def report_rows(report):
    """A report's figures as (label, shown value) rows, counts suppressed as on the portal."""
    return [(label, protect(count)) for label, count in report_counts(report)]


def structures_rows(reports):
    """Each structure's rows of the consolidated report. A row, read across the structures, adds
    up to the département's figure: it gets the statistics' secondary suppression, so that no
    structure's small count comes back by subtracting the others from a known total."""
    counted = [report_counts(report) for report in reports]
    shown = [[label for label, _ in counts] for counts in counted]
    for row in range(len(counted[0]) if counted else 0):
        column = suppress([counts[row][1] for counts in counted])
        for line, value in zip(shown, column, strict=True):
            line[row] = (line[row], value)
    return shown


def structure_report_pdf(report: ActivityReport) -> bytes:
    figures = report.figures or {}
    outcomes = figures.get("outcomes", {})
    context = {
        "report": report,
        "structure": report.structure,
        "rows": report_rows(report),
        "themes": [(name, protect(count)) for name, count in figures.get("themes", {}).items()],
        # Outcomes add up to the closed requests: secondary suppression, as on the statistics pages.
        "outcomes": list(zip(outcomes, suppress(outcomes.values()), strict=True)),
    }
    return render_pdf("stats/pdf/structure_report.html", context)


def department_report_pdf(department, year) -> bytes:
    structures = list(department.structures.order_by("name", "pk"))
    reports = {
        report.structure_id: report
        for report in ActivityReport.objects.filter(structure__department=department, year=year)
    }
    rows = dict(zip(reports, structures_rows(reports.values()), strict=True))
    lines = []
    for structure in structures:
        report = reports.get(structure.pk)
        lines.append(
            {
                "structure": structure,
                "status": report.get_status_display() if report else "Non commencé",
                "rows": rows.get(structure.pk, []),
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
