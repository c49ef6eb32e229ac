"""Small-count suppression: the one rule every figure, chart and export goes through.

Who sees exact figures (design §3b.5): those who may already see the underlying requests'
metadata — a structure's referent for their structures, a coordinator for their départements.
Everybody else (CAF national staff, a coordinator looking beyond their départements — which the
filters do not allow —) sees figures where:

1. **primary suppression**: a count from 1 to 4 is shown "< 5" (0 tells nothing about anyone);
2. **secondary suppression**: in a table whose cells add up to a total the same person can know
   (the year's requests, shown by month, by age bracket, by channel, by outcome: each table gives
   it when it has no hidden cell), more cells are hidden ("masqué"), the smallest first, until no
   hidden value can be recovered by subtraction — even by someone who knows the total, every
   shown cell, and that a "masqué" cell is at least 5. If that is impossible, the whole table is
   hidden.
3. **across départements**: CAF national staff see the national tables and each département's;
   the same cells are hidden in all of them (`suppress_across_departments`), so that the national
   figure minus the départements shown gives back no hidden cell. It covers the request tables (by
   month, theme, age bracket, channel, outcome, helpfulness), the count of claimed requests (a
   hidden one hides its delays) and the orientations (sent, received, accepted; as the country's
   sent and received are one number, a column of them that cannot be made safe is hidden in every
   département, zeros included).

Activity reports read next to their département's (stats/report_figures.py) get rules 1 and 2
down each column of the département's reports and along each report's outcomes at once
(`hide_until_safe`, which rule 3 uses too).
"""

SMALL_COUNT_THRESHOLD = 5
SMALL_COUNT_LABEL = "< 5"
SECONDARY_LABEL = "masqué"


def protect(count):
    """A count as it may be shown: "< 5" from 1 to 4, so no young person can be singled out.

    Zero stays 0: it tells nothing about anyone. `None` (no data) stays `None`.
    """
    if count is None:
        return None
    if 0 < count < SMALL_COUNT_THRESHOLD:
        return SMALL_COUNT_LABEL
    return count


def is_small(count):
    return count is not None and 0 < count < SMALL_COUNT_THRESHOLD


def hidden_values_are_safe(counts, hidden):
    """Whether each small count among `hidden` can still be anything from 1 to 4 for someone who
    knows the sum of the hidden cells, and that the other hidden cells are at least 5."""
    small = [i for i in hidden if is_small(counts[i])]
    if not small:
        return True
    k, m = len(small), len(hidden) - len(small)
    total = sum(counts[i] for i in hidden)
    lowest = SMALL_COUNT_THRESHOLD
    highest = lowest - 1
    # Every small cell can reach 4: the others at their least (1 each, 5 each for the large ones).
    can_be_highest = total - (k - 1) - lowest * m >= highest
    # Every small cell can be 1: some large hidden cell takes the rest, or the other small cells can.
    can_be_one = m > 0 or total - highest * (k - 1) <= 1
    return can_be_highest and can_be_one


def suppress(counts, *, exact=False, additive=True):
    """The counts of one table as they may be shown (see the module's rule).

    `exact`: the reader may see the underlying metadata — every count as it is.
    `additive`: the cells add up to a total the reader can know (secondary suppression needed).
    """
    counts = list(counts)
    if exact:
        return counts
    if not additive:
        return [protect(c) for c in counts]
    hidden = complete_hidden(counts, {i for i, c in enumerate(counts) if is_small(c)})
    return shown_values(counts, hidden)


def complete_hidden(counts, hidden):
    """`hidden` and the smallest further cells (of 5 or more) that make it safe for someone who
    knows the sum of `counts`; None when even hiding every cell is not safe."""
    hidden = set(hidden)
    candidates = sorted(
        (i for i, c in enumerate(counts) if i not in hidden and c is not None and c >= SMALL_COUNT_THRESHOLD),
        key=lambda i: (counts[i], i),
    )
    while not hidden_values_are_safe(counts, hidden) and candidates:
        hidden.add(candidates.pop(0))
    return hidden if hidden_values_are_safe(counts, hidden) else None


def shown_values(counts, hidden):
    """The cells as shown: "< 5", "masqué" for the hidden ones; `hidden` None: the whole table is
    hidden, zeros included (even hiding every cell would leave a small count recoverable)."""
    if hidden is None:
        return [None if c is None else SECONDARY_LABEL for c in counts]
    return [protect(c) if i not in hidden or is_small(c) else SECONDARY_LABEL for i, c in enumerate(counts)]


def hide_until_safe(matrix, *, row_groups=(), column_known, close_column, initially_hidden=()):
    """The cells to hide in a grid of tables whose rows and columns both add up: {(row, j)}, and
    the (row, group) whose whole table could not be made safe.

    `matrix` is {row: [count, …]}, the same columns for each row. Each of `row_groups` (lists of
    column indexes) is, in every row, a table whose cells add up to a total the reader can know;
    a column `j` for which `column_known(j)` holds adds up, down the rows, to a total the reader
    can know too. Cells from 1 to 4 are hidden, then further cells, the smallest first, until
    every such table is safe (`complete_hidden`), row-wise and column-wise at once: hiding a cell
    for a column can call for more in its row, and the other way round, so this goes on until
    nothing changes. A row's table that cannot be made safe is hidden whole; a column that cannot
    be made safe is handed to `close_column(j)`, which returns the cells to hide with it (and
    should make `column_known(j)` false); `initially_hidden`, cells hidden from the start. Zeros are never counted among the hidden cells: taking
    them as known to the reader is the safe side.
    """
    rows = list(matrix)
    width = len(next(iter(matrix.values()), []))
    hidden = {(r, j) for r in rows for j in range(width) if is_small(matrix[r][j])} | set(initially_hidden)
    whole = set()
    changed = True
    while changed:
        changed = False
        for g, group in enumerate(row_groups):
            for r in rows:
                if (r, g) in whole:
                    continue
                cells = [matrix[r][j] for j in group]
                in_row = {i for i, j in enumerate(group) if (r, j) in hidden}
                if not in_row:
                    continue
                completed = complete_hidden(cells, in_row)
                if completed is None:
                    whole.add((r, g))
                    hidden |= {(r, j) for j in group if (matrix[r][j] or 0) > 0}
                    changed = True
                elif completed != in_row:
                    hidden |= {(r, group[i]) for i in completed}
                    changed = True
        for j in range(width):
            if not column_known(j):
                continue
            column = [matrix[r][j] for r in rows]
            # A hidden zero is counted as known: the safe side.
            in_column = {i for i, r in enumerate(rows) if (r, j) in hidden and (column[i] or 0) > 0}
            if not in_column:
                continue
            completed = complete_hidden(column, in_column)
            if completed is None:
                hidden |= close_column(j)
                changed = True
            elif completed != in_column:
                hidden |= {(rows[i], j) for i in completed}
                changed = True
    return hidden, whole


def suppress_across_departments(matrix, *, additive=True):
    """One table for every département at once, for a reader who sees the national table and may
    ask for each département's (CAF national staff): ({département: shown cells}, national cells).

    `matrix` is {département: [count, …]}, the same cells for each; the national cells are their
    sums. Subtracting the départements shown from the national figure must not give back a hidden
    cell either, so the rule also runs down each column (the départements' cells of one national
    cell): where a national cell is shown, the départements' hidden cells of its column must be safe
    knowing their sum, as the cells of one table are knowing its total (`additive`: a département's
    cells add up to its total; themes, for instance, do not). Hiding goes on, the smallest cells
    first, until every row and every column is safe; a column that cannot be made safe hides its
    national cell, and the national table then gets the rule itself. The same cells are therefore
    hidden in the national table and in each département's, whichever the reader looks at first.
    """
    departments = sorted(matrix)
    width = len(next(iter(matrix.values()), []))
    national = [sum(matrix[d][j] for d in departments) for j in range(width)]
    national_hidden = {j for j in range(width) if is_small(national[j])}
    if additive:
        national_hidden = complete_hidden(national, national_hidden)

    def column_known(j):
        return national_hidden is not None and j not in national_hidden

    def close_column(j):
        # The column cannot be made safe: its national cell is hidden instead.
        nonlocal national_hidden
        national_hidden.add(j)
        if additive:
            national_hidden = complete_hidden(national, national_hidden)
        return set()

    hidden, whole = hide_until_safe(
        {d: matrix[d] for d in departments},
        row_groups=[list(range(width))] if additive else [],
        column_known=column_known,
        close_column=close_column,
    )
    whole_rows = {d for d, _group in whole}  # départements whose whole table is hidden
    by_department = {}
    for d in departments:
        row = None if d in whole_rows else {j for (e, j) in hidden if e == d}
        by_department[d] = shown_values(matrix[d], row)
    if national_hidden is not None and not additive:
        # Without a total, a hidden national cell tells nothing about the others.
        national_shown = [
            SECONDARY_LABEL if j in national_hidden and not is_small(c) else protect(c)
            for j, c in enumerate(national)
        ]
    else:
        national_shown = shown_values(national, national_hidden)
    return by_department, national_shown
