"""The activity report's workflow: create (pre-filled), submit, lock, send back to draft."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .enums import ActivityReportStatus
from .models import ActivityReport
from .queries import structure_year_figures


def declared_hours(figures):
    """The hours online the promeneurs declared week by week, or None if nobody declared any."""
    declared = figures.get("online_hours_declared") or {}
    if not declared.get("weeks"):
        return None
    return Decimal(str(declared["hours"])).quantize(Decimal("0.1"))


@transaction.atomic
def activity_report_create(*, structure, year, by) -> ActivityReport:
    figures = structure_year_figures(structure, year)
    report = ActivityReport(
        structure=structure, year=year, created_by=by, figures=figures, hours_online=declared_hours(figures)
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def activity_report_refresh_figures(*, report: ActivityReport) -> ActivityReport:
    if not report.is_editable:
        raise ValidationError("Seul un bilan en brouillon peut être recalculé.")
    report.figures = structure_year_figures(report.structure, report.year)
    fields = ["figures", "updated_at"]
    if (hours := declared_hours(report.figures)) is not None:
        # The weekly declarations replace the figure typed once a year.
        report.hours_online = hours
        fields.append("hours_online")
    report.save(update_fields=fields)
    return report


@transaction.atomic
def activity_report_submit(*, report: ActivityReport, by) -> ActivityReport:
    report.check_transition(ActivityReportStatus.SUBMITTED)
    missing = [
        label
        for name, label in (
            ("hours_online", "les heures de présence en ligne"),
            ("collective_actions", "le nombre d’actions collectives"),
        )
        if getattr(report, name) is None
    ]
    if missing:
        raise ValidationError(f"Complétez {' et '.join(missing)} avant de transmettre le bilan.")
    report.status = ActivityReportStatus.SUBMITTED
    report.submitted_by, report.submitted_at = by, timezone.now()
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def activity_report_lock(*, report: ActivityReport, by) -> ActivityReport:
    report.check_transition(ActivityReportStatus.LOCKED)
    report.status = ActivityReportStatus.LOCKED
    report.locked_by, report.locked_at = by, timezone.now()
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def activity_report_return_to_draft(*, report: ActivityReport, by, comment: str) -> ActivityReport:
    report.check_transition(ActivityReportStatus.DRAFT)
    if not comment.strip():
        raise ValidationError("Dites au ou à la référent·e ce qu’il faut reprendre.")
    report.status = ActivityReportStatus.DRAFT
    report.coordinator_comment = comment.strip()
    report.submitted_at = None
    report.full_clean()
    report.save()
    return report
