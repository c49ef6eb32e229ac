"""The activity report's workflow: create (pre-filled), submit, lock, send back to draft."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .enums import ActivityReportStatus
from .models import ActivityReport
from .queries import structure_year_figures


@transaction.atomic
def activity_report_create(*, structure, year, by) -> ActivityReport:
    report = ActivityReport(
        structure=structure, year=year, created_by=by, figures=structure_year_figures(structure, year)
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def activity_report_refresh_figures(*, report: ActivityReport) -> ActivityReport:
    if not report.is_editable:
        raise ValidationError("Seul un bilan en brouillon peut être recalculé.")
    report.figures = structure_year_figures(report.structure, report.year)
    report.save(update_fields=["figures", "updated_at"])
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
