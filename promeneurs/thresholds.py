"""The delays of the workflows as the pages and e-mails write them, read from the settings (where each
is defined once): `{{ thresholds.reminder_hours }}` in any template rendered for a request (context
processor) and in the e-mails (notifications/emails.py)."""

from django.conf import settings


def thresholds():
    return {
        "reminder_hours": settings.REQUEST_REMINDER_HOURS,
        "escalation_hours": settings.REQUEST_ESCALATION_HOURS,
        "urgent_escalation_hours": settings.URGENT_ESCALATION_HOURS,
        "orientation_lifetime_days": settings.ORIENTATION_LIFETIME_DAYS,
        "label_renewal_notice_days": settings.LABEL_RENEWAL_NOTICE_DAYS,
        "convention_end_notice_days": settings.CONVENTION_END_NOTICE_DAYS,
        "request_retention_months": settings.REQUEST_RETENTION_MONTHS,
    }
