"""Secondary suppression judged on every line at once: an attacker works out a large hidden cell
from its row, then a small one from its column (or the other way round), which the check of one
line at a time does not see. Each table is attacked by brute force: every assignment of the hidden
cells consistent with what is shown and the totals the reader knows."""

import random

from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL, is_small, suppress_across_departments
from stats.report_figures import suppress_reports

UNKNOWN = object()


def feasible_values(rows, cells, bounds, row_totals, column_checks):
    """{cell: the values it takes in some assignment} and {column: the sums it takes}.

    `rows`: the rows in order; `cells`: {(row, j): a known count, or UNKNOWN}; `bounds`: {(row, j):
    (lowest, highest)} of the unknown ones; `row_totals`: {row: (lowest, highest) of its total}
    (rows missing: no known total); `column_checks`: {j: a function telling whether a column sum is possible}. A
    dynamic programme over the unknown cells, row by row, keeping the columns' partial sums."""
    width = 1 + max(j for _r, j in cells)
    start = [0] * width
    for (_r, j), value in cells.items():
        if value is not UNKNOWN:
            start[j] += value
    steps = []  # (cell, last unknown of a row with a known total, what the row's unknowns add up to)
    for r in rows:
        unknown = sorted(j for (row, j), value in cells.items() if row == r and value is UNKNOWN)
        rest = None
        if r in row_totals:
            shown = sum(value for (row, _j), value in cells.items() if row == r and value is not UNKNOWN)
            lowest, highest = row_totals[r]
            rest = (lowest - shown, highest - shown)
        for index, j in enumerate(unknown):
            steps.append(((r, j), rest if index == len(unknown) - 1 else None, rest))

    def moves(state, step):
        (r, j), closing, rest = step
        columns, partial = state
        low, high = bounds[(r, j)]
        if rest is not None:
            high = min(high, rest[1] - partial)
        for value in range(low, high + 1):
            if closing is not None and not closing[0] <= partial + value <= closing[1]:
                continue
            following = list(columns)
            following[j] += value
            yield value, (tuple(following), 0 if closing is not None else partial + value)

    layers = [{(tuple(start), 0)}]
    for step in steps:
        layers.append({following for state in layers[-1] for _value, following in moves(state, step)})
    good = {state for state in layers[-1] if all(check(state[0][j]) for j, check in column_checks.items())}
    sums = {j: {state[0][j] for state in good} for j in range(width)}
    values = {}
    for index in range(len(steps) - 1, -1, -1):
        reached = set()
        for state in layers[index]:
            for value, following in moves(state, steps[index]):
                if following in good:
                    reached.add(state)
                    values.setdefault(steps[index][0], set()).add(value)
        good = reached
    return values, sums


def known_total(total):
    """What the reader knows of a row's total: itself, or « < 5 » when it is a small count (as
    every table showing it shows it)."""
    return (1, 4) if is_small(total) else (total, total)


def attack_across(matrix, by_department, national, additive):
    """The small cells (départements' and national) an attacker pins down to one value."""
    departments = sorted(matrix)
    width = len(national)
    total = sum(sum(counts) for counts in matrix.values())
    cells, bounds = {}, {}
    # A column "masqué" in every département under a national "< 5" is hidden whole, zeros included
    # (privacy.hide_columns_under_a_small_national_cell): its cells are 0 or more, not 5 or more.
    column_whole = {
        j
        for j in range(width)
        if national[j] == SMALL_COUNT_LABEL
        and all(by_department[d][j] == SECONDARY_LABEL for d in departments)
    }
    for d in departments:
        shown = by_department[d]
        whole = all(value == SECONDARY_LABEL for value in shown)
        for j, value in enumerate(shown):
            if isinstance(value, int):
                cells[(d, j)] = value
                continue
            cells[(d, j)] = UNKNOWN
            if value == SMALL_COUNT_LABEL:
                bounds[(d, j)] = (1, 4)
            else:
                bounds[(d, j)] = (0 if whole or j in column_whole else 5, total + 10)
    national_whole = all(value == SECONDARY_LABEL for value in national)
    checks = {}
    for j, value in enumerate(national):
        if isinstance(value, int):
            checks[j] = lambda s, value=value: s == value
        elif value == SMALL_COUNT_LABEL:
            checks[j] = lambda s: 1 <= s <= 4
        elif not national_whole:
            checks[j] = lambda s: s >= 5
    row_totals = {d: known_total(sum(matrix[d])) for d in departments} if additive else {}
    if additive:
        values, sums = feasible_values(departments, cells, bounds, row_totals, checks)
    else:
        # No row adds up: each column is a line of its own.
        values, sums = {}, {}
        for j in range(width):
            column_values, column_sums = feasible_values(
                departments,
                {(d, 0): cells[(d, j)] for d in departments},
                {(d, 0): bounds[(d, j)] for d in departments if (d, j) in bounds},
                {},
                {0: checks[j]} if j in checks else {},
            )
            values.update({(d, j): found for (d, _zero), found in column_values.items()})
            sums[j] = column_sums[0]
    pinned = [cell for cell, found in values.items() if is_small(matrix[cell[0]][cell[1]]) and len(found) < 2]
    national_counts = [sum(matrix[d][j] for d in departments) for j in range(width)]
    pinned += [
        ("national", j)
        for j in range(width)
        if is_small(national_counts[j]) and not isinstance(national[j], int) and len(sums[j]) < 2
    ]
    return pinned


def attack_outcomes(reports, shown):
    """The small outcome counts an attacker pins down with the reports' rows (their closed
    requests) and the outcome columns (the département's figures), all at once."""
    labels = sorted({label for report in reports for label in report.figures["outcomes"]})
    if not labels:
        return []
    rows = [report.pk for report in reports]
    truth = {
        (report.pk, j): report.figures["outcomes"].get(label, 0)
        for report in reports
        for j, label in enumerate(labels)
    }
    values = {}
    for report in reports:
        outcomes = dict(shown[report.pk].outcomes)
        for j, label in enumerate(labels):
            values[(report.pk, j)] = outcomes.get(label, 0)
    closed = {j for j in range(len(labels)) if all(values[(r, j)] == SECONDARY_LABEL for r in rows)}
    whole = {r for r in rows if all(values[(r, j)] == SECONDARY_LABEL for j in range(len(labels)))}
    cells, bounds = {}, {}
    for (r, j), value in values.items():
        if isinstance(value, int):
            cells[(r, j)] = value
            continue
        cells[(r, j)] = UNKNOWN
        if value == SMALL_COUNT_LABEL:
            bounds[(r, j)] = (1, 4)
        else:
            bounds[(r, j)] = (0 if r in whole or j in closed else 5, sum(truth.values()) + 10)
    row_totals = {r: known_total(sum(truth[(r, j)] for j in range(len(labels)))) for r in rows}
    column_totals = [sum(truth[(r, j)] for r in rows) for j in range(len(labels))]
    checks = {
        j: (lambda s, total=column_totals[j]: s == total) for j in range(len(labels)) if j not in closed
    }
    found, _sums = feasible_values(rows, cells, bounds, row_totals, checks)
    return [cell for cell, taken in found.items() if is_small(truth[cell]) and len(taken) < 2]


def assert_safe_across(matrix, additive=True):
    by_department, national = suppress_across_departments(matrix, additive=additive)
    pinned = attack_across(matrix, by_department, national, additive)
    if additive and len(national) == 1:
        # No suppression can protect a table of one cell whose total the reader knows.
        pinned = []
    assert not pinned, (matrix, by_department, national, pinned)
    return by_department, national


def assert_safe_outcomes(reports, shown):
    pinned = attack_outcomes(reports, shown)
    if len({label for report in reports for label in report.figures["outcomes"]}) == 1:
        pinned = []  # a report of one outcome: the outcome is its closed requests
    assert not pinned, ([report.figures["outcomes"] for report in reports], shown, pinned)


# --- Hand-made attacks: each one succeeds against the check of one line at a time ----------------


def test_a_large_cell_from_its_row_then_a_small_one_from_its_column():
    matrix = {24: [3, 10, 12], 33: [20, 30, 40]}
    by_department, national = assert_safe_across(matrix)
    # One line at a time, Gironde showed [masqué, 30, 40] next to the nation's [23, 40, 52]: its
    # total 90 gave back its 20, and 23 − 20 Dordogne's 3.
    assert by_department[24][0] == SMALL_COUNT_LABEL
    assert not (by_department[33][1:] == [30, 40] and national == [23, 40, 52])
    assert sum(value == SECONDARY_LABEL for value in by_department[33]) >= 2


def test_a_small_cell_from_its_row_once_its_column_gives_back_a_large_one():
    # Dordogne [< 5, 0, masqué]: its 10 is the national 20 minus Gironde's 10, then its total
    # 13 minus 10 gives back the 3.
    matrix = {24: [3, 0, 10], 33: [0, 7, 10]}
    by_department, national = assert_safe_across(matrix)
    assert by_department[24][0] == SMALL_COUNT_LABEL


def test_a_chain_through_three_departements():
    matrix = {1: [2, 6, 0], 2: [6, 0, 6], 3: [0, 6, 6]}
    assert_safe_across(matrix)


class FakeReport:
    def __init__(self, pk, outcomes, requests=20):
        self.pk = pk
        self.figures = {
            "requests": requests,
            "orientations": {"sent": 0, "received": 0, "accepted": 0},
            "trainings_attended": 0,
            "themes": {},
            "outcomes": outcomes,
        }


def test_a_report_small_outcome_from_its_row_once_the_column_gives_back_a_large_one():
    # One line at a time: X's 14 shown, the column gave back Y's 8 (31 − 14 − 9), then Y's row
    # (11 closed requests) its 3.
    reports = [
        FakeReport(1, {"Réglée": 6, "Rencontre": 14}),
        FakeReport(2, {"Réglée": 3, "Rencontre": 8}),
        FakeReport(3, {"Réglée": 12, "Rencontre": 9}),
    ]
    shown = suppress_reports(reports)
    assert_safe_outcomes(reports, shown)
    assert dict(shown[2].outcomes)["Réglée"] == SMALL_COUNT_LABEL


# --- Random tables against the brute-force attacker ------------------------------------------------


SIZES = [0, 0, 1, 2, 3, 4, 5, 6, 8, 11]


def test_no_small_count_comes_back_across_departements_in_random_tables():
    generator = random.Random(20261203)
    for _ in range(3000):
        departments = generator.randint(1, 3)
        width = generator.randint(1, 3)
        matrix = {d: [generator.choice(SIZES) for _ in range(width)] for d in range(departments)}
        assert_safe_across(matrix, additive=generator.random() < 0.75)


def test_no_small_outcome_comes_back_in_random_reports():
    generator = random.Random(20261204)
    labels = ["Orientée", "Réglée", "Rencontre"]
    for _ in range(400):
        reports = [
            FakeReport(pk, {label: generator.choice(SIZES) for label in labels if generator.random() < 0.8})
            for pk in range(generator.randint(1, 4))
        ]
        hidden_columns = frozenset(("outcome", label) for label in labels if generator.random() < 0.1)
        assert_safe_outcomes(reports, suppress_reports(reports, hidden_columns))
