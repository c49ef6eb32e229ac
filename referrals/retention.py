"""Retention (design §3.6): what is kept, for how long, and how it goes.

- **Closed requests** (closed with an outcome, or marked as spam) are anonymised
  `REQUEST_RETENTION_MONTHS` (24) months after they were closed (for spam: after the status
  change, the request's last change): `ContactRequest.erase_content()` removes what the young
  person wrote and how to reach them, the private notes, the "Réponds-moi ici" conversation and
  the orientations' summaries; the
  metadata stays for the statistics (reference, dates, age bracket, commune, themes, status,
  outcome, structure). Open requests are never anonymised, however old.
- **Withdrawn requests** are erased at once, by the withdrawal itself
  (`contact_request_withdraw`); the daily run erases any that would have escaped it.
- **The access log** is deleted after `ACCESS_LOG_RETENTION_MONTHS` (12) months.
- **Notifications** (a reference and themes, never content) are deleted after
  `NOTIFICATION_RETENTION_MONTHS` (12) months, unless still to be sent.
- **Follow-up links** expire by themselves: they are signed with a timestamp and refused after
  `FOLLOW_UP_LINK_DAYS` days (`referrals.views.public.request_for_token`). Nothing is stored, so
  there is nothing to delete.

Each step is idempotent; the whole runs every night (`referrals.tasks.apply_retention`).
"""

import calendar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.services import notifications_purge

from .enums import RequestStatus
from .models import CONTENT_FIELDS, AccessLog, ContactRequest


def months_before(moment, months):
    """`moment` minus `months` calendar months (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _erase(request_ids):
    """Erase the content of these requests, each in its own short transaction; returns how many."""
    erased = 0
    for pk in request_ids:
        with transaction.atomic():
            request = ContactRequest.objects.select_for_update().filter(pk=pk, erased_at__isnull=True).first()
            if request is None:
                continue
            request.erase_content()
            request.save(update_fields=[*CONTENT_FIELDS, "erased_at", "updated_at"])
            erased += 1
    return erased


def closed_requests_anonymise(*, now=None):
    """Anonymise the requests closed (or marked as spam) more than REQUEST_RETENTION_MONTHS ago."""
    now = now or timezone.now()
    limit = months_before(now, settings.REQUEST_RETENTION_MONTHS)
    ids = (
        ContactRequest.objects.filter(erased_at__isnull=True)
        .filter(
            Q(status=RequestStatus.CLOSED, closed_at__lte=limit)
            | Q(status=RequestStatus.SPAM, updated_at__lte=limit)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _erase(list(ids))


def withdrawn_requests_erase():
    """Erase the withdrawn requests whose content would still be there (the withdrawal erases it)."""
    ids = ContactRequest.objects.filter(status=RequestStatus.WITHDRAWN, erased_at__isnull=True).values_list(
        "pk", flat=True
    )
    return _erase(list(ids.order_by("pk")))


def access_logs_purge(*, now=None):
    now = now or timezone.now()
    limit = months_before(now, settings.ACCESS_LOG_RETENTION_MONTHS)
    deleted, _ = AccessLog.objects.filter(at__lt=limit).delete()
    return deleted


def retention_apply(*, now=None):
    """The nightly round; returns what each step did."""
    now = now or timezone.now()
    return {
        "anonymised": closed_requests_anonymise(now=now),
        "withdrawn_erased": withdrawn_requests_erase(),
        "access_logs_deleted": access_logs_purge(now=now),
        "notifications_deleted": notifications_purge(
            before=months_before(now, settings.NOTIFICATION_RETENTION_MONTHS)
        ),
    }
