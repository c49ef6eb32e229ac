"""Reports as PDF documents, ready to send to the CNAF (WeasyPrint).

- a structure's annual activity report;
- a département's consolidated report: every structure's report, the coordination's figures and
  their charts.

What leaves the portal follows the statistics' rules: every count goes through the same
suppression as the statistics pages (`stats.privacy`), tables and charts alike; a report's figures
are suppressed with the other reports of its département (`stats.report_figures`): the cells the
portal hides from CAF staff. Charts are the statistics' own SVG, embedded as vector images; the
text is set in DejaVu, a font installed with the system (the `fonts-dejavu-core` package), so that
the document looks the same everywhere.
"""

import base64

from django.template.loader import render_to_string
from django.utils import timezone

from .charts import render_svg
from .enums import ActivityReportStatus
from .models import ActivityReport
from .queries import Scope, all_figures
from .report_figures import department_suppressed_figures


def svg_data_uri(figure):
    return "data:image/svg+xml;base64," + base64.b64encode(render_svg(figure)).decode("ascii")


def render_pdf(template_name, context):
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "generated_on": timezone.localdate()})
    # No base URL: the document fetches nothing (its images are inline).
    return HTML(string=html).write_pdf()


def structure_report_pdf(report: ActivityReport) -> bytes:
    # A document made to be sent: suppressed for everyone, as in the département's other reports.
    shown = department_suppressed_figures(report.structure.department_id, report.year)[report.pk]
    context = {
        "report": report,
        "structure": report.structure,
        "rows": shown.counts,
        "themes": shown.themes,
        "outcomes": shown.outcomes,
    }
    return render_pdf("stats/pdf/structure_report.html", context)


def department_report_pdf(department, year) -> bytes:
    structures = list(department.structures.order_by("name", "pk"))
    reports = {
        report.structure_id: report
        for report in ActivityReport.objects.filter(structure__department=department, year=year)
    }
    shown = department_suppressed_figures(department.pk, year, reports.values())
    lines = []
    for structure in structures:
        report = reports.get(structure.pk)
        lines.append(
            {
                "structure": structure,
                "status": report.get_status_display() if report else "Non commencé",
                "rows": shown[report.pk].counts if report else [],
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
