"""The statistics, computed by SQL aggregation: one or a few queries per figure, whatever the volume.

A `Scope` says which rows a user's figures cover (national, départements, structures); each
`figure_*` function returns a `Figure`: the rows of a table, whose counts already went through
`privacy.suppress` (exact for a scope whose reader may see the requests' metadata), and which the
page, the chart and the CSV export all show the same way.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Case, Count, DurationField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractMinute, TruncMonth
from django.utils import timezone

from promeneurs.typography import month_name
from referrals.enums import AgeBracket, Channel, Helpfulness, OrientationStatus, Outcome, RequestStatus
from referrals.models import ContactRequest, Orientation
from structures.enums import ConventionStatus, Funder, PromeneurStatus, StructureKind, Weekday
from structures.models import (
    Convention,
    OnlineHours,
    PresenceSlot,
    Promeneur,
    Structure,
    Theme,
    TrainingAttendance,
)

from . import aggregates
from .enums import Dimension
from .privacy import SECONDARY_LABEL, suppress, suppress_across_departments

FUNDING_YEARS = 5


@dataclass(frozen=True)
class Scope:
    """Which rows the figures cover: `None` means no restriction at that level."""

    department_ids: frozenset | None = None
    structure_ids: frozenset | None = None
    # The reader may see the metadata of every request of the scope: counts are shown exactly.
    exact: bool = False
    # When the monthly figures were last refreshed: the request figures are read from them
    # (stats/aggregates.py). None: computed from the requests (a structure's scope, no refresh yet).
    refreshed_at: datetime.datetime | None = None

    @property
    def aggregated(self):
        return self.refreshed_at is not None and self.structure_ids is None

    def structure_q(self, prefix=""):
        """A filter on a structure reached through `prefix` (e.g. "from_structure__")."""
        if self.structure_ids is not None:
            return Q(**{f"{prefix}pk__in": self.structure_ids})
        if self.department_ids is not None:
            return Q(**{f"{prefix}department_id__in": self.department_ids})
        return Q()

    def requests(self):
        queryset = ContactRequest.objects.all()
        if self.structure_ids is not None:
            return queryset.filter(structure_id__in=self.structure_ids)
        if self.department_ids is not None:
            return queryset.filter(department_id__in=self.department_ids)
        return queryset

    def structures(self):
        return Structure.objects.filter(self.structure_q())


@dataclass
class Figure:
    """A table of numbers; `headers[0]` names the rows, the other headers name the value columns."""

    slug: str
    title: str
    headers: list
    rows: list = field(default_factory=list)  # (label, [value, …])
    unit: str = "count"  # count, hours, euros
    chart: str = "bar"  # bar, horizontal
    note: str = ""

    @property
    def series(self):
        """The value columns, for a chart: suppressed counts ("< 5") are left out of the drawing."""
        return [
            (header, [chart_value(values[i]) for _, values in self.rows])
            for i, header in enumerate(self.headers[1:])
        ]

    @property
    def labels(self):
        return [label for label, _ in self.rows]


def chart_value(value):
    return float(value) if isinstance(value, int | float | Decimal) else None


def counted_rows(scope, rows, additive=True, grid=None, equal_totals=()):
    """[(label, count)] → a figure's rows, each count through the suppression rule.

    `grid`: for a reader who does not see exact figures, a function giving every département's
    counts ({département: [count, …]}, in the order of `rows`), so that the cells hidden here are
    those hidden in the national table and in every other département's (privacy.py, rule 3).
    `equal_totals`: rows whose national counts are always the same number (the orientations sent
    and received), so that hiding one of them hides nothing (see `across_departments`).
    """
    counts = [count for _, count in rows]
    if scope.exact or grid is None:
        values = suppress(counts, exact=scope.exact, additive=additive)
    else:
        values = across_departments(scope, counts, grid(), additive, equal_totals)
    return [(label, [value]) for (label, _), value in zip(rows, values, strict=True)]


def shown_across_departments(matrix, additive, equal_totals=()):
    """`privacy.suppress_across_departments`, with the columns of `equal_totals` (see
    `counted_rows`): ({département: shown cells}, national cells)."""
    by_department, national = suppress_across_departments(matrix, additive=additive)
    for j in equal_totals:
        if national[j] == SECONDARY_LABEL:
            # The rule hid this national cell because its column could not be made safe; but the
            # other national cell (or the départements' cells of its column) gives it back. So the
            # column is hidden in every département instead, zeros included: knowing their sum,
            # each cell can then be anything up to it.
            for cells in by_department.values():
                cells[j] = SECONDARY_LABEL
    return by_department, national


def across_departments(scope, counts, matrix, additive, equal_totals=()):
    if not matrix:  # no request anywhere
        return suppress(counts, additive=additive)
    by_department, national = shown_across_departments(matrix, additive, equal_totals)
    if scope.department_ids is None:
        return national
    if len(scope.department_ids) == 1:
        (department_id,) = scope.department_ids
        return by_department.get(department_id, suppress(counts, additive=additive))
    # Several départements for a reader without exact figures: not offered by the pages.
    return suppress(counts, additive=additive)


def department_grid(keys, counts_by_department):
    """{département: {key: count}} → {département: [count of each key]}."""
    return {d: [counts.get(k, 0) for k in keys] for d, counts in counts_by_department.items()}


def grouped_by_department(queryset, field):
    grid = {}
    for department_id, value, n in (
        queryset.order_by()
        .values("department_id", field)
        .annotate(n=Count("pk"))
        .values_list("department_id", field, "n")
    ):
        grid.setdefault(department_id, {})[value] = n
    return grid


def requests_of_year(scope, year):
    return scope.requests().filter(created_at__year=year)


# --- Requests ------------------------------------------------------------------------------------


def figure_requests_by_month(scope, year):
    if scope.aggregated:
        counts = aggregates.monthly_totals(scope, year)
    else:
        counts = _months_from_requests(scope, year)
    return Figure(
        "demandes-par-mois",
        f"Demandes reçues par mois en {year}",
        ["Mois", "Demandes"],
        counted_rows(
            scope,
            [(month_name(m), counts.get(m, 0)) for m in range(1, 13)],
            grid=lambda: department_grid(range(1, 13), _months_by_department(scope, year)),
        ),
    )


def _months_by_department(scope, year):
    if scope.aggregated:
        return aggregates.grid_of_year(year, Dimension.TOTAL, by_month=True)
    grid = {}
    for row in (
        Scope()
        .requests()
        .filter(created_at__year=year)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("department_id", "month")
        .annotate(n=Count("pk"))
    ):
        grid.setdefault(row["department_id"], {})[as_month_number(row["month"])] = row["n"]
    return grid


def as_month_number(value):
    return aggregates.as_month(value).month


def _months_from_requests(scope, year):
    return {
        row["month"].month: row["n"]
        for row in requests_of_year(scope, year)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    }


DIMENSIONS = {"age_bracket": Dimension.AGE, "channel": Dimension.CHANNEL, "outcome": Dimension.OUTCOME}


def _by_choice(scope, year, field_name, choices, dimension=None, closed_only=False):
    dimension = dimension or DIMENSIONS[field_name]

    def grid():
        return _choices_by_department(scope, year, field_name, choices, dimension, closed_only)

    if scope.aggregated:
        counts = aggregates.figures_of_year(scope, year, dimension)
        return counted_rows(
            scope, [(label, counts.get(str(value), 0)) for value, label in choices], grid=grid
        )
    requests = requests_of_year(scope, year)
    if closed_only:
        requests = requests.filter(status=RequestStatus.CLOSED)
    return _by_choice_of(scope, requests, field_name, choices, grid=grid)


def _choices_by_department(scope, year, field_name, choices, dimension, closed_only=False):
    """{département: [count of each choice]} (for every département: only `scope.aggregated` counts)."""
    keys = [str(value) for value, _label in choices]
    if scope.aggregated:
        return department_grid(keys, aggregates.grid_of_year(year, dimension))
    requests = Scope().requests().filter(created_at__year=year)
    if closed_only:
        requests = requests.filter(status=RequestStatus.CLOSED)
    return department_grid(keys, grouped_by_department(requests, field_name))


def _by_choice_of(scope, requests, field_name, choices, grid=None):
    counts = {
        row[field_name]: row["n"] for row in requests.order_by().values(field_name).annotate(n=Count("pk"))
    }
    return counted_rows(scope, [(label, counts.get(value, 0)) for value, label in choices], grid=grid)


def figure_requests_by_theme(scope, year):
    if scope.aggregated:
        counts = {int(pk): n for pk, n in aggregates.figures_of_year(scope, year, Dimension.THEME).items()}
    else:
        through = ContactRequest.themes.through
        counts = {
            row["theme_id"]: row["n"]
            for row in through.objects.filter(contactrequest__in=requests_of_year(scope, year))
            .order_by()
            .values("theme_id")
            .annotate(n=Count("pk"))
        }
    themes = ordered_themes()
    return Figure(
        "demandes-par-theme",
        f"Demandes par thème en {year}",
        ["Thème", "Demandes"],
        # A request may have several themes: the cells add up to no total.
        counted_rows(
            scope,
            [(name, counts.get(pk, 0)) for pk, name in themes],
            additive=False,
            grid=lambda: _themes_by_department(scope, year, themes),
        ),
        chart="horizontal",
        note="Une demande peut porter sur plusieurs thèmes.",
    )


def ordered_themes():
    return list(Theme.objects.order_by("position", "name").values_list("pk", "name"))


def _themes_by_department(scope, year, themes):
    """{département: [count of each of `themes`]} (for every département)."""
    if scope.aggregated:
        by_department = aggregates.grid_of_year(year, Dimension.THEME)
        return department_grid([str(pk) for pk, _ in themes], by_department)
    through = ContactRequest.themes.through
    by_department = {}
    for department_id, theme_id, n in (
        through.objects.filter(contactrequest__created_at__year=year)
        .order_by()
        .values_list("contactrequest__department_id", "theme_id")
        .annotate(n=Count("pk"))
    ):
        by_department.setdefault(department_id, {})[theme_id] = n
    return department_grid([pk for pk, _ in themes], by_department)


def figure_requests_by_age(scope, year):
    return Figure(
        "demandes-par-age",
        f"Demandes par tranche d’âge en {year}",
        ["Tranche d’âge", "Demandes"],
        _by_choice(scope, year, "age_bracket", AgeBracket.choices),
    )


def figure_requests_by_channel(scope, year):
    return Figure(
        "demandes-par-canal",
        f"Demandes par canal de contact souhaité en {year}",
        ["Canal", "Demandes"],
        _by_choice(scope, year, "channel", Channel.choices),
    )


OUTCOME_CHOICES = [*Outcome.choices, ("", "Sans issue à ce jour (en cours, retirée ou indésirable)")]


def figure_requests_by_outcome(scope, year):
    return Figure(
        "demandes-par-issue",
        f"Issue des demandes reçues en {year}",
        ["Issue", "Demandes"],
        _by_choice(scope, year, "outcome", OUTCOME_CHOICES),
        chart="horizontal",
    )


def figure_helpfulness(scope, year):
    choices = [*Helpfulness.choices, ("", "Pas de réponse")]
    closed = _by_choice(
        scope, year, "helpfulness", choices, dimension=Dimension.HELPFULNESS, closed_only=True
    )
    return Figure(
        "ca-a-aide",
        f"« Est-ce que ça t’a aidé ? » : réponses des jeunes aux demandes closes reçues en {year}",
        ["Réponse", "Demandes closes"],
        closed,
        note="Une seule question, posée sur la page de suivi une fois la demande close.",
    )


# --- Time to claim -------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of an interval or a number."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction, **extra):
        if not 0 <= float(fraction) <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), output_field=DurationField(), **extra)


def claim_delays(scope, year):
    """(count, median, 90th percentile) of the time between a request and its claim, as timedeltas.

    From the monthly figures (national and departmental scopes, once refreshed): the delays counted
    by whole hour, so the percentiles are exact to the hour. Otherwise PostgreSQL computes them in
    one query (`percentile_cont`); elsewhere (SQLite), a bounded approach: the count, then for each percentile the one or two rows around its rank,
    fetched in order with LIMIT/OFFSET — three queries whatever the number of requests.
    """
    if scope.aggregated:
        histogram = {
            int(h): n for h, n in aggregates.figures_of_year(scope, year, Dimension.CLAIM_HOURS).items()
        }
        n = sum(histogram.values())
        median, p90 = (aggregates.weighted_percentile(histogram, f) for f in (0.5, 0.9))
        return n, hours_delta(median), hours_delta(p90)
    delay = F("claimed_at") - F("created_at")
    claimed = requests_of_year(scope, year).filter(claimed_at__isnull=False, claimed_at__gte=F("created_at"))
    if connection.vendor == "postgresql":
        result = claimed.aggregate(
            n=Count("pk"), median=PercentileCont(delay, 0.5), p90=PercentileCont(delay, 0.9)
        )
        return result["n"], result["median"], result["p90"]
    ordered = claimed.annotate(delay=delay).order_by("delay").values_list("delay", flat=True)
    n = claimed.count()
    results = []
    for fraction in (0.5, 0.9):
        position = fraction * max(n - 1, 0)
        low = math.floor(position)
        values = list(ordered[low : low + 2])
        if not values:
            results.append(None)
            continue
        high_value = values[1] if len(values) > 1 else values[0]
        results.append(values[0] + (high_value - values[0]) * (position - low))
    return n, results[0], results[1]


def hours_delta(value):
    return None if value is None else datetime.timedelta(hours=value)


def hours(delta):
    return None if delta is None else round(delta.total_seconds() / 3600, 1)


def claimed_by_department(scope, year):
    """{département: [requests claimed]}, the grid of the claim delays' count (privacy.py, rule 3)."""
    if scope.aggregated:
        counts = aggregates.totals_by_department(year, Dimension.CLAIM_HOURS)
    else:
        counts = dict(
            Scope()
            .requests()
            .filter(created_at__year=year, claimed_at__isnull=False, claimed_at__gte=F("created_at"))
            .order_by()
            .values("department_id")
            .annotate(n=Count("pk"))
            .values_list("department_id", "n")
        )
    return {department_id: [n] for department_id, n in counts.items()}


def figure_claim_delay(scope, year):
    n, median, p90 = claim_delays(scope, year)
    # The count of claimed requests adds up to no total, but the national one is the départements'
    # sum: the same counts are hidden everywhere (a "masqué" one too, with its delays).
    [(_, [shown])] = counted_rows(
        scope,
        [("Demandes prises en charge", n)],
        additive=False,
        grid=lambda: claimed_by_department(scope, year),
    )
    hidden = not isinstance(shown, int) or n == 0
    rows = [
        ("Demandes prises en charge", [shown]),
        ("Délai médian (heures)", [None if hidden else hours(median)]),
        ("Délai du 90ᵉ centile (heures)", [None if hidden else hours(p90)]),
    ]
    return Figure(
        "delai-de-prise-en-charge",
        f"Délai de prise en charge des demandes reçues en {year}",
        ["Mesure", "Valeur"],
        rows,
        unit="hours",
        note="Entre la réception et la prise en charge. Les délais ne sont pas calculés sur moins de 5 demandes.",
    )


# --- Orientations, promeneurs, hours, funding, structures ----------------------------------------


ORIENTATION_KINDS = ("sent", "received", "accepted")
ORIENTATION_LABELS = ("Envoyées", "Reçues", "Reçues et acceptées")
# Every orientation is sent by a structure and received by another: the country's "Envoyées" and
# "Reçues" are one number.
ORIENTATION_EQUAL_TOTALS = (0, 1)


def figure_orientations(scope, year):
    if scope.aggregated:
        result = dict.fromkeys(ORIENTATION_KINDS, 0)
        result.update(aggregates.figures_of_year(scope, year, Dimension.ORIENTATION))
    else:
        sent, received = scope.structure_q("from_structure__"), scope.structure_q("to_structure__")
        result = (
            Orientation.objects.filter(sent | received, created_at__year=year)
            .order_by()
            .aggregate(
                sent=Count("pk", filter=sent),
                received=Count("pk", filter=received),
                accepted=Count("pk", filter=received & Q(status=OrientationStatus.ACCEPTED)),
            )
        )
    return Figure(
        "orientations",
        f"Orientations en {year}",
        ["Orientations", "Nombre"],
        counted_rows(
            scope,
            [
                (label, result[kind])
                for kind, label in zip(ORIENTATION_KINDS, ORIENTATION_LABELS, strict=True)
            ],
            additive=False,
            grid=lambda: department_grid(ORIENTATION_KINDS, orientations_by_department(scope, year)),
            equal_totals=ORIENTATION_EQUAL_TOTALS,
        ),
    )


def orientations_by_department(scope, year):
    """{département: {kind: count}}: sent by the département's structures, received and accepted by
    them. Each national count is the sum of the départements' (every structure has one)."""
    if scope.aggregated:
        return aggregates.grid_of_year(year, Dimension.ORIENTATION)
    grid = {}
    # One query: the orientations of the year by (sending, receiving) département.
    for sender, receiver, n, accepted in (
        Orientation.objects.filter(created_at__year=year)
        .order_by()
        .values("from_structure__department_id", "to_structure__department_id")
        .annotate(n=Count("pk"), accepted=Count("pk", filter=Q(status=OrientationStatus.ACCEPTED)))
        .values_list("from_structure__department_id", "to_structure__department_id", "n", "accepted")
    ):
        for department_id, kind, count in (
            (sender, "sent", n),
            (receiver, "received", n),
            (receiver, "accepted", accepted),
        ):
            counts = grid.setdefault(department_id, {})
            counts[kind] = counts.get(kind, 0) + count
    return grid


def active_labelled_promeneurs(scope):
    return Promeneur.objects.filter(
        Q(user__isnull=True) | Q(user__is_active=True),
        scope.structure_q("structure__"),
        status=PromeneurStatus.LABELLED,
    )


def figure_promeneurs(scope, year):
    n = active_labelled_promeneurs(scope).count()
    return Figure(
        "promeneurs",
        "Promeneur·ses labellisé·es en activité",
        ["Promeneur·ses", "Nombre"],
        counted_rows(scope, [("Labellisé·es, compte actif", n)], additive=False),
        note="À ce jour, quelle que soit l’année choisie.",
    )


def slot_minutes():
    """A slot's length in minutes, in SQL; a slot whose end is before its start ends the next day."""
    start = ExtractHour("start") * 60 + ExtractMinute("start")
    end = ExtractHour("end") * 60 + ExtractMinute("end")
    wrap = Case(When(end__lte=F("start"), then=Value(24 * 60)), default=Value(0), output_field=IntegerField())
    return end - start + wrap


def figure_online_hours(scope, year):
    minutes = {
        row["weekday"]: row["minutes"] or 0
        for row in PresenceSlot.objects.filter(promeneur__in=active_labelled_promeneurs(scope))
        .order_by()
        .values("weekday")
        .annotate(minutes=Sum(slot_minutes()))
    }
    rows = [(label, [round(float(minutes.get(day, 0)) / 60, 1)]) for day, label in Weekday.choices]
    rows.append(("Total par semaine", [round(sum(float(m) for m in minutes.values()) / 60, 1)]))
    return Figure(
        "heures-en-ligne",
        "Heures de présence en ligne déclarées, par jour de la semaine",
        ["Jour", "Heures"],
        rows,
        unit="hours",
        note="Somme des créneaux hebdomadaires des promeneur·ses labellisé·es, à ce jour.",
    )


def figure_funding(scope, year):
    totals = {
        (row["year"], row["funder"]): row["total"]
        for row in Convention.objects.filter(
            scope.structure_q("structure__"),
            status__in=[ConventionStatus.SIGNED, ConventionStatus.ENDED],
            year__gt=year - FUNDING_YEARS,
            year__lte=year,
        )
        .order_by()
        .values("year", "funder")
        .annotate(total=Sum("amount"))
    }
    years = range(year - FUNDING_YEARS + 1, year + 1)
    return Figure(
        "financements",
        f"Financements des conventions signées, de {years[0]} à {year}",
        ["Année", *[f"{label} (€)" for _, label in Funder.choices]],
        [(str(y), [totals.get((y, funder), Decimal(0)) for funder, _ in Funder.choices]) for y in years],
        unit="euros",
    )


def figure_structures_by_kind(scope, year):
    counts = {
        row["kind"]: row["n"] for row in scope.structures().order_by().values("kind").annotate(n=Count("pk"))
    }
    return Figure(
        "structures-par-type",
        "Structures par type",
        ["Type", "Structures"],
        # Structures, not young people: small counts only.
        counted_rows(
            scope, [(label, counts.get(value, 0)) for value, label in StructureKind.choices], additive=False
        ),
        chart="horizontal",
        note="À ce jour.",
    )


def departments_shown_figures(year, refreshed_at):
    """The requests by outcome, by theme and the orientations of every département at once, as
    a reader without exact figures gets them on each département's page (`counted_rows` with
    its grid): {figure slug: {département: [(label, shown value)]}}, in a few queries whatever
    the number of départements. A département missing from a figure has only zeros in it."""
    scope = Scope(refreshed_at=refreshed_at)
    themes = ordered_themes()
    tables = {
        "demandes-par-issue": (
            [label for _value, label in OUTCOME_CHOICES],
            _choices_by_department(scope, year, "outcome", OUTCOME_CHOICES, Dimension.OUTCOME),
            True,
            (),
        ),
        "demandes-par-theme": (
            [name for _pk, name in themes],
            _themes_by_department(scope, year, themes),
            False,
            (),
        ),
        "orientations": (
            list(ORIENTATION_LABELS),
            department_grid(ORIENTATION_KINDS, orientations_by_department(scope, year)),
            False,
            ORIENTATION_EQUAL_TOTALS,
        ),
    }
    result = {}
    for slug, (labels, matrix, additive, equal_totals) in tables.items():
        by_department = shown_across_departments(matrix, additive, equal_totals)[0] if matrix else {}
        result[slug] = {
            department: list(zip(labels, values, strict=True)) for department, values in by_department.items()
        }
    return result


FIGURES = {
    "demandes-par-mois": figure_requests_by_month,
    "demandes-par-theme": figure_requests_by_theme,
    "demandes-par-age": figure_requests_by_age,
    "demandes-par-canal": figure_requests_by_channel,
    "demandes-par-issue": figure_requests_by_outcome,
    "ca-a-aide": figure_helpfulness,
    "delai-de-prise-en-charge": figure_claim_delay,
    "orientations": figure_orientations,
    "promeneurs": figure_promeneurs,
    "heures-en-ligne": figure_online_hours,
    "financements": figure_funding,
    "structures-par-type": figure_structures_by_kind,
}


def all_figures(scope, year):
    return [function(scope, year) for function in FIGURES.values()]


# --- The figures an activity report is pre-filled with --------------------------------------------


def structure_year_figures(structure, year):
    """Raw figures of one structure and year, stored in the report (shown through `protect`)."""
    scope = Scope(structure_ids=frozenset({structure.pk}))
    requests = requests_of_year(scope, year)
    through = ContactRequest.themes.through
    themes = {
        row["theme__name"]: row["n"]
        for row in through.objects.filter(contactrequest__in=requests)
        .order_by()
        .values("theme__name")
        .annotate(n=Count("pk"))
    }
    outcome_labels = dict(Outcome.choices)
    outcomes = {
        outcome_labels[row["outcome"]]: row["n"]
        for row in requests.exclude(outcome="").order_by().values("outcome").annotate(n=Count("pk"))
    }
    raw_orientations = Orientation.objects.filter(
        Q(from_structure=structure) | Q(to_structure=structure), created_at__year=year
    ).aggregate(
        sent=Count("pk", filter=Q(from_structure=structure)),
        received=Count("pk", filter=Q(to_structure=structure)),
        accepted=Count("pk", filter=Q(to_structure=structure, status=OrientationStatus.ACCEPTED)),
    )
    trainings = TrainingAttendance.objects.filter(
        promeneur__structure=structure, attended=True, training__starts_on__year=year
    ).count()
    declared = OnlineHours.objects.filter(promeneur__structure=structure, week__year=year).aggregate(
        hours=Sum("hours"), weeks=Count("pk")
    )
    return {
        "requests": requests.count(),
        # Hours the promeneurs declared week by week (dashboard, "Mes heures en ligne").
        "online_hours_declared": {"hours": float(declared["hours"] or 0), "weeks": declared["weeks"]},
        "themes": dict(sorted(themes.items())),
        "outcomes": outcomes,
        "orientations": raw_orientations,
        "trainings_attended": trainings,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }


def current_year():
    return timezone.localdate().year


def year_choices():
    return list(range(current_year(), 2011, -1))
