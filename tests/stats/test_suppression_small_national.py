"""Tables without a row total (themes, orientations, requests claimed): a national "< 5" bounds
its column, so the départements' "< 5" under it must not be pinned down by it."""

import itertools

import pytest

from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL, suppress_across_departments


def consistent_values(shown_column, national_shown, bound=12):
    """Every assignment of the département cells consistent with what a reader sees."""

    def choices(value):
        if value == SMALL_COUNT_LABEL:
            return range(1, 5)
        if value == SECONDARY_LABEL:
            return range(0, bound)  # hidden whole, zeros included, or at least 5: the widest
        return [value]

    totals = range(1, 5) if national_shown == SMALL_COUNT_LABEL else None
    for values in itertools.product(*(choices(v) for v in shown_column)):
        if totals is None or sum(values) in totals:
            yield values


@pytest.mark.parametrize(
    "column",
    [[1, 1, 1, 1, 0], [1, 1, 2, 0], [1, 1, 0, 0], [2, 2], [1, 3, 0]],
)
def test_no_small_cell_is_pinned_down_by_a_small_national_cell(column):
    matrix = {code: [count, 7] for code, count in zip(["24", "33", "40", "47", "64"], column, strict=False)}
    by_department, national = suppress_across_departments(matrix, additive=False)
    assert national[0] == SMALL_COUNT_LABEL
    departments = sorted(matrix)
    shown = [by_department[d][0] for d in departments]
    possible = list(consistent_values(shown, national[0]))
    for i, d in enumerate(departments):
        if 0 < matrix[d][0] < 5:
            values = {p[i] for p in possible}
            assert len(values) >= 2, (d, shown, values)
            assert {1, 4} <= values, (d, shown, values)
    # The other column, large everywhere, is shown as it is.
    assert [by_department[d][1] for d in departments] == [7] * len(departments)


def test_one_small_cell_under_a_small_national_cell_stays_small():
    by_department, national = suppress_across_departments({"24": [3], "33": [0]}, additive=False)
    assert national == [SMALL_COUNT_LABEL]
    assert by_department == {"24": [SMALL_COUNT_LABEL], "33": [0]}
