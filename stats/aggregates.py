"""Monthly figures, pre-aggregated, so that the statistics cost the same at any volume.

`MonthlyFigure` holds, for each month (Paris time), département and dimension — the total, the age
bracket, the channel, the outcome, the theme, the whole hours between receipt and claim, the young
person's answer to "ça t'a aidé ?" (closed requests) — the number of requests, the orientations
sent, received and accepted (their month, not their request's), and the same rolled
up for the whole country (department None), which the national figures read. National and departmental statistics read these rows (a few thousand a year,
whatever the number of requests); a structure's statistics still read its own requests.

`refresh()` is the periodic work (CELERY_BEAT_SCHEDULE): it recomputes the months in which a
request was created, changed or deleted since the last refresh — every request has `updated_at`;
a deletion is caught by comparing each month's stored total with the requests left — and records
when it ran, which the statistics page shows ("chiffres arrêtés le …"). `refresh(full=True)`
recomputes every month (nightly, and the first time). Until a first refresh, the statistics are
computed from the requests themselves.
"""

import datetime

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from referrals.enums import OrientationStatus, RequestStatus
from referrals.models import ContactRequest, Orientation

from .enums import Dimension
from .models import MonthlyFigure, StatisticsRefresh

HOUR = datetime.timedelta(hours=1)


def as_month(value):
    """TruncMonth's value (a datetime in Paris time) as the first day of its month."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def month_requests(month):
    start = timezone.make_aware(datetime.datetime(month.year, month.month, 1))
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(datetime.datetime(following.year, following.month, 1))
    return ContactRequest.objects.filter(created_at__gte=start, created_at__lt=end)


def month_orientations(month):
    start, end = month_bounds(month)
    return Orientation.objects.filter(created_at__gte=start, created_at__lt=end).order_by()


def month_bounds(month):
    start = timezone.make_aware(datetime.datetime(month.year, month.month, 1))
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime.datetime(following.year, following.month, 1))


def orientation_months():
    """{month: (orientations, accepted)}: an answer to an orientation changes no request."""
    return {
        as_month(row["month"]): (row["n"], row["accepted"])
        for row in Orientation.objects.annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"), accepted=Count("pk", filter=Q(status=OrientationStatus.ACCEPTED)))
    }


def month_rows(month):
    """The MonthlyFigure rows of one month, computed from its requests (a few grouped queries)."""
    requests = month_requests(month).order_by()
    rows = []

    def add(dimension, grouped, field):
        rows.extend(
            MonthlyFigure(
                month=month,
                department_id=row["department_id"],
                dimension=dimension,
                value=str(row[field]) if field else "",
                count=row["n"],
            )
            for row in grouped
        )

    add(Dimension.TOTAL, requests.values("department_id").annotate(n=Count("pk")), None)
    for dimension, field in (
        (Dimension.AGE, "age_bracket"),
        (Dimension.CHANNEL, "channel"),
        (Dimension.OUTCOME, "outcome"),
    ):
        add(dimension, requests.values("department_id", field).annotate(n=Count("pk")), field)
    through = ContactRequest.themes.through
    add(
        Dimension.THEME,
        through.objects.filter(contactrequest__in=requests)
        .order_by()
        .values("theme_id", department_id=F("contactrequest__department_id"))
        .annotate(n=Count("pk")),
        "theme_id",
    )
    # Claim delays in whole hours: enough for the median and the 90th percentile to the tenth of an hour
    # when claims happen on the hour, and within the hour otherwise.
    claimed = requests.filter(claimed_at__isnull=False, claimed_at__gte=F("created_at"))
    delays = {}
    for department_id, created, claimed_at in claimed.values_list(
        "department_id", "created_at", "claimed_at"
    ).iterator(5000):
        key = (department_id, int((claimed_at - created) / HOUR))
        delays[key] = delays.get(key, 0) + 1
    rows.extend(
        MonthlyFigure(month=month, department_id=d, dimension=Dimension.CLAIM_HOURS, value=str(h), count=n)
        for (d, h), n in delays.items()
    )
    add(
        Dimension.HELPFULNESS,
        requests.filter(status=RequestStatus.CLOSED)
        .values("department_id", "helpfulness")
        .annotate(n=Count("pk")),
        "helpfulness",
    )
    orientations = month_orientations(month)
    for kind, field, extra in (
        ("sent", "from_structure__department_id", {}),
        ("received", "to_structure__department_id", {}),
        ("accepted", "to_structure__department_id", {"status": OrientationStatus.ACCEPTED}),
    ):
        rows.extend(
            MonthlyFigure(month=month, department_id=d, dimension=Dimension.ORIENTATION, value=kind, count=n)
            for d, n in orientations.filter(**extra).values_list(field).annotate(n=Count("pk"))
        )
    # The national roll-up: what a national figure reads (department None).
    national = {}
    for row in rows:
        national[(row.dimension, row.value)] = national.get((row.dimension, row.value), 0) + row.count
    rows.extend(
        MonthlyFigure(month=month, department=None, dimension=dimension, value=value, count=n)
        for (dimension, value), n in national.items()
    )
    return rows


def months_to_refresh(since):
    """Months with a request created or changed since `since`, or whose stored total differs from
    the requests left (a deletion)."""
    changed = {
        as_month(moment)
        for moment in ContactRequest.objects.filter(updated_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    }
    actual = {
        as_month(row["month"]): row["n"]
        for row in ContactRequest.objects.annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    }
    stored = {
        row["month"]: row["n"]
        for row in MonthlyFigure.objects.filter(dimension=Dimension.TOTAL, department__isnull=True)
        .order_by()
        .values("month")
        .annotate(n=Sum("count"))
    }
    differing = {m for m in set(actual) | set(stored) if actual.get(m, 0) != stored.get(m, 0)}
    stored_orientations = {}
    for month, value, n in MonthlyFigure.objects.filter(
        dimension=Dimension.ORIENTATION, department__isnull=True, value__in=["sent", "accepted"]
    ).values_list("month", "value", "count"):
        sent, accepted = stored_orientations.get(month, (0, 0))
        stored_orientations[month] = (n, accepted) if value == "sent" else (sent, n)
    actual_orientations = orientation_months()
    differing |= {
        m
        for m in set(actual_orientations) | set(stored_orientations)
        if actual_orientations.get(m, (0, 0)) != stored_orientations.get(m, (0, 0))
    }
    return changed | differing


def refresh(full=False):
    """Recompute the months that changed since the last refresh (all of them when `full`)."""
    started = timezone.now()
    state = StatisticsRefresh.objects.order_by("pk").first()
    if full or state is None:
        months = (
            {
                as_month(m)
                for m in ContactRequest.objects.annotate(month=TruncMonth("created_at"))
                .order_by()
                .values_list("month", flat=True)
                .distinct()
            }
            | set(MonthlyFigure.objects.values_list("month", flat=True).distinct())
            | set(orientation_months())
        )
    else:
        # A request saved while the previous refresh ran is looked at again.
        months = months_to_refresh(state.started_at)
    for month in sorted(months):
        with transaction.atomic():
            MonthlyFigure.objects.filter(month=month).delete()
            MonthlyFigure.objects.bulk_create(month_rows(month), batch_size=5000)
    StatisticsRefresh.objects.update_or_create(
        pk=1, defaults={"started_at": started, "finished_at": timezone.now()}
    )
    return len(months)


def last_refresh():
    """When the figures were last refreshed (None: never, the figures come from the requests)."""
    return StatisticsRefresh.objects.filter(pk=1).values_list("started_at", flat=True).first()


def of_scope(rows, scope):
    """The national roll-up for the whole country, the départements' rows otherwise."""
    if scope.department_ids is None:
        return rows.filter(department__isnull=True)
    return rows.filter(department_id__in=scope.department_ids)


def figures_of_year(scope, year, dimension):
    """{(value): count} of a dimension over a year, for a national or departmental scope."""
    rows = of_scope(MonthlyFigure.objects.filter(dimension=dimension, month__year=year), scope)
    return {
        value: n
        for value, n in rows.order_by().values("value").annotate(n=Sum("count")).values_list("value", "n")
    }


def monthly_totals(scope, year):
    rows = of_scope(MonthlyFigure.objects.filter(dimension=Dimension.TOTAL, month__year=year), scope)
    return {
        m.month: n
        for m, n in rows.order_by().values("month").annotate(n=Sum("count")).values_list("month", "n")
    }


def weighted_percentile(histogram, fraction):
    """percentile_cont over values given as {value: count} (linear interpolation between ranks)."""
    total = sum(histogram.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = int(position), min(int(position) + 1, total - 1)
    values = []
    seen = 0
    wanted = {low, high}
    for value in sorted(histogram):
        count = histogram[value]
        for rank in sorted(wanted):
            if seen <= rank < seen + count:
                values.append((rank, value))
        seen += count
    by_rank = dict(values)
    return by_rank[low] + (by_rank[high] - by_rank[low]) * (position - low)


def grid_of_year(year, dimension, by_month=False):
    """{département: {value: count}} of a dimension over a year (the months for `by_month`)."""
    rows = MonthlyFigure.objects.filter(dimension=dimension, month__year=year, department__isnull=False)
    key = "month" if by_month else "value"
    grid = {}
    for department_id, value, n in (
        rows.order_by()
        .values("department_id", key)
        .annotate(n=Sum("count"))
        .values_list("department_id", key, "n")
    ):
        grid.setdefault(department_id, {})[value.month if by_month else value] = n
    return grid


def totals_by_department(year, dimension):
    """{département: count} of a dimension over a year, all its values together."""
    rows = MonthlyFigure.objects.filter(dimension=dimension, month__year=year, department__isnull=False)
    return dict(
        rows.order_by().values("department_id").annotate(n=Sum("count")).values_list("department_id", "n")
    )
