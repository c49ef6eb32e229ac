"""An activity report's figures as they are shown: the same values in the report's page, its PDF,
the export of the reports and the département's consolidated report.

A reader without exact figures (CAF national staff; and every PDF, made to be sent to the CNAF)
reads a report next to the others of its département and to the département's statistics, so a
report's figures are suppressed for the département's reports of the year at once
(`department_shown_figures`):

1. each report column (requests, each orientation count, trainings attended, each outcome, each
   theme), read down the département's reports, adds up to the département's figure: it is a
   table whose total is known, with primary and secondary suppression down the column (as a
   département's tables are in the national one, `privacy.suppress_across_departments`); a
   column that cannot be made safe is hidden whole;
2. a report's outcomes add up to its closed requests: its outcomes keep their secondary
   suppression along the row, at the same time as the columns' (`privacy.hide_until_safe`
   iterates until both are safe, then until they are safe together: a row giving back a large
   cell that its column subtracts);
3. where the département's own figure is hidden on the statistics page for CAF staff (an outcome,
   a theme or an orientation count shown « < 5 » or « masqué »), its column is hidden whole in
   every report of the département. The département's requests and trainings have no single cell
   on the statistics page: their columns get the first rule only, their total taken as known.

The result is a function of the département's reports and statistics for the year only, so the
same cells are hidden whichever of the four documents the reader opens first. Those who see the
requests' metadata (the structure's referent, the département's coordinators) get the exact
figures on the portal (`exact_figures`).
"""

from dataclasses import dataclass

from .aggregates import last_refresh
from .models import ActivityReport
from .privacy import SECONDARY_LABEL, hide_until_safe, is_small, protect
from .queries import departments_shown_figures

COUNTS = [
    (("requests",), "Demandes reçues"),
    (("orientations", "sent"), "Orientations envoyées"),
    (("orientations", "received"), "Orientations reçues"),
    (("orientations", "accepted"), "Orientations reçues et acceptées"),
    (("trainings_attended",), "Participations à des formations"),
]

# The row of the département's orientation figure (statistics page) that each count adds up to.
ORIENTATION_ROWS = {"sent": "Envoyées", "received": "Reçues", "accepted": "Reçues et acceptées"}


@dataclass(frozen=True)
class ShownFigures:
    """One report's figures as shown: (label, value) rows; a value is a count, "< 5", "masqué"
    or None (not in the report)."""

    counts: list
    themes: list
    outcomes: list


def count_of(figures, path):
    value = figures
    for key in path:
        value = (value or {}).get(key)
    return value


def report_cells(report):
    """{column: count} of one report: ("count", key), ("outcome", label), ("theme", name)."""
    figures = report.figures or {}
    cells = {("count", path[-1]): count_of(figures, path) for path, _label in COUNTS}
    cells.update({("outcome", label): n for label, n in (figures.get("outcomes") or {}).items()})
    cells.update({("theme", name): n for name, n in (figures.get("themes") or {}).items()})
    return cells


def shown_figures(report, values, more=()):
    """A report's rows from {column: shown value}; `more`: columns the report has no count for
    that it shows all the same (hidden: a missing row would tell its count is 0)."""
    figures = report.figures or {}
    themes = sorted({*(figures.get("themes") or {}), *(name for kind, name in more if kind == "theme")})
    outcomes = sorted({*(figures.get("outcomes") or {}), *(name for kind, name in more if kind == "outcome")})
    return ShownFigures(
        counts=[(label, values[("count", path[-1])]) for path, label in COUNTS],
        themes=[(name, values[("theme", name)]) for name in themes],
        outcomes=[(label, values[("outcome", label)]) for label in outcomes],
    )


def exact_figures(report):
    """For a reader who sees the requests' metadata: every count as it is."""
    return shown_figures(report, report_cells(report))


def suppress_reports(reports, hidden_columns=frozenset()):
    """{report pk: ShownFigures} for the reports of one département and year (the module's rule).

    `hidden_columns`: the columns whose département figure is hidden on the statistics page
    (rule 3), hidden whole in every report.
    """
    reports = sorted(reports, key=lambda report: report.pk)
    cells = {report.pk: report_cells(report) for report in reports}
    columns = sorted({column for row in cells.values() for column in row}, key=repr)
    matrix = {pk: [row.get(column, 0) for column in columns] for pk, row in cells.items()}
    outcomes = [j for j, (kind, _name) in enumerate(columns) if kind == "outcome"]
    closed = {j for j, column in enumerate(columns) if column in hidden_columns}

    def column_cells(j):
        return {(pk, j) for pk in matrix if (matrix[pk][j] or 0) > 0}

    def close_column(j):
        closed.add(j)
        return column_cells(j)

    hidden, whole = hide_until_safe(
        matrix,
        row_groups=[outcomes],
        column_known=lambda j: j not in closed,
        close_column=close_column,
        initially_hidden={cell for j in closed for cell in column_cells(j)},
    )
    result = {}
    for report in reports:
        row, whole_outcomes = matrix[report.pk], (report.pk, 0) in whole
        values = {}
        for j, column in enumerate(columns):
            count = row[j]
            if count is not None and (
                j in closed
                or (whole_outcomes and j in outcomes)
                or ((report.pk, j) in hidden and not is_small(count))
            ):
                values[column] = SECONDARY_LABEL
            else:
                values[column] = protect(count)
        # A column hidden whole, or the report's outcomes hidden whole, shows every row of it,
        # zeros included: the rows missing from a report would otherwise tell they are 0.
        more = {columns[j] for j in closed}
        if whole_outcomes:
            more |= {columns[j] for j in outcomes}
        result[report.pk] = shown_figures(report, values, more)
    return result


def hidden_columns_by_department(year, refreshed_at):
    """{département: the report columns whose département figure CAF staff see hidden on the
    statistics page} (each département's page as they get it: suppressed across départements,
    from the monthly figures once refreshed), for every département at once: the statistics'
    grids are read once, whatever the number of départements."""
    orientations = {label: key for key, label in ORIENTATION_ROWS.items()}
    figures = departments_shown_figures(year, refreshed_at)
    hidden = {}
    for kind, slug in (
        ("outcome", "demandes-par-issue"),
        ("theme", "demandes-par-theme"),
        ("count", "orientations"),
    ):
        for department_id, rows in figures[slug].items():
            for label, value in rows:
                if kind == "count":
                    label = orientations.get(label)
                if label is not None and not isinstance(value, int):
                    hidden.setdefault(department_id, set()).add((kind, label))
    return {department_id: frozenset(columns) for department_id, columns in hidden.items()}


def suppressed_by_department(reports):
    """{report pk: ShownFigures} for reports of any départements and years, each suppressed with
    the other reports of its département and year (the reports come with their structure), in a
    few queries whatever the number of départements and reports."""
    refreshed_at = last_refresh()
    groups = {}
    for report in reports:
        groups.setdefault((report.structure.department_id, report.year), []).append(report)
    hidden = {
        year: hidden_columns_by_department(year, refreshed_at) for year in {year for _d, year in groups}
    }
    result = {}
    for (department_id, year), group in groups.items():
        result.update(suppress_reports(group, hidden[year].get(department_id, frozenset())))
    return result


def department_suppressed_figures(department_id, year, reports=None):
    """{report pk: ShownFigures} for the reports of the département and year (all of them unless
    `reports`, which must then be all of them)."""
    if reports is None:
        reports = ActivityReport.objects.filter(structure__department_id=department_id, year=year)
    hidden = hidden_columns_by_department(year, last_refresh()).get(department_id, frozenset())
    return suppress_reports(reports, hidden)
