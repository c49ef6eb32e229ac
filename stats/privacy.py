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

Safety is judged on every line at once, as an attacker subtracts (`hide_until_safe`): a row may
give back a large hidden cell that its column then subtracts from a shown total, so a small cell
that is safe in its row and in its column may not be in both together. The hidden cells are the
unknowns of a system whose equations are the lines with a known total, each bounded by what the
reader sees ("< 5": 1 to 4; "masqué": 5 or more; a table hidden whole: 0 or more); every hidden
cell from 1 to 4 must still be able to be 1 and 4 — exactly, by a flow of at most 3 units around
the cell in the network of lines —, and, knowing also what the hidden national cells show, take
two values at least. Otherwise the smallest cell that gives it room is hidden next.

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
    knows the sum of the hidden cells, and that the other hidden cells are at least 5: one line
    on its own (`hide_until_safe` then checks the lines together)."""
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


def hide_until_safe(
    matrix,
    *,
    row_groups=(),
    column_known,
    close_column,
    initially_hidden=(),
    joint_total=None,
    national=None,
):
    """The cells to hide in a grid of tables whose rows and columns both add up: {(row, j)}, and
    the (row, group) whose whole table could not be made safe.

    `matrix` is {row: [count, …]}, the same columns for each row. Each of `row_groups` (disjoint
    lists of column indexes) is, in every row, a table whose cells add up to a total the reader
    can know; a column `j` for which `column_known(j)` holds adds up, down the rows, to a total the
    reader can know too; `joint_total()`, when given and true, says the other columns together
    add up to a total the reader can know (the national table's, when some of its cells are
    hidden); `national()`, when given, the columns' totals (the national cells) and those of them
    hidden (None: all, zeros included), as the reader sees them. Cells from 1 to 4 are hidden,
    then further cells, the smallest first:

    1. until every such line is safe on its own (`complete_hidden`): hiding a cell for a column
       can call for more in its row, and the other way round, so this goes on until nothing
       changes;
    2. then until the grid is safe as a whole (`_Grid.unsafe_cut`): an attacker combines every line
       whose total is known, a row giving back a large hidden cell that its column then
       subtracts, so each hidden cell from 1 to 4 must still be able to be 1 and 4 with all the
       lines at once; and, with what the hidden national cells show besides (« < 5 »: 1 to 4;
       « masqué »: 5 or more), every hidden cell from 1 to 4, national ones included, must still
       take two values at least. The cell hidden next is the smallest that gives it room.

    A row's table that cannot be made safe is hidden whole; a column that cannot be made safe is
    handed to `close_column(j)`, which returns the cells to hide with it (and should make
    `column_known(j)` false); `initially_hidden`, cells hidden from the start. Zeros are never
    counted among the hidden cells (outside a row hidden whole): taking them as known to the
    reader is the safe side.
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
    if not row_groups and joint_total is None:
        # Every line is a column of its own: each checked on its own is the whole check.
        return hidden, whole
    return _hide_until_safe_together(
        matrix, hidden, whole, row_groups, column_known, close_column, joint_total, national
    ), whole


def _hide_until_safe_together(
    matrix, hidden, whole, row_groups, column_known, close_column, joint_total, national
):
    """`hidden` and the further cells that make the grid safe with every line at once (step 2 of
    `hide_until_safe`; `whole` gets the rows hidden whole)."""
    group_of = {j: g for g, group in enumerate(row_groups) for j in group}

    def grids():
        totals = _Grid(matrix, hidden, whole, group_of, column_known, joint_total)
        if national is None or national()[1] == set():
            # No national cell hidden: what they show adds nothing to the totals, and a cell that
            # can be 1 and 4 takes two values.
            return [totals, None]
        return [totals, _Grid(matrix, hidden, whole, group_of, column_known, joint_total, national())]

    # A small cell found safe stays so: hiding more, closing a column or hiding a row whole only
    # leaves more room. (cell, 0): can be 1 and 4 knowing the totals; (cell, 1): takes two values
    # knowing what the national cells show too.
    small = sorted((cell for cell in hidden if is_small(matrix[cell[0]][cell[1]])), key=repr)
    unchecked = [(cell, 0) for cell in small]
    if national is not None:
        counts, _hidden = national()
        unchecked = [(cell, 1) for cell in small] + [
            ((NATIONAL, j), 1) for j, c in enumerate(counts) if is_small(c)
        ]
        unchecked += [(cell, 0) for cell in small]
    current = grids()
    deferred = []  # the checks with the national cells, while none is hidden
    while unchecked:
        cell, model = unchecked[-1]
        grid = current[model]
        if grid is None:
            deferred.append(unchecked.pop())
            continue
        cut = grid.unsafe_cut(cell, two_values=model == 1)
        if cut is None:
            unchecked.pop()
            continue
        r, j = cell
        candidate = grid.widening_cell(cut, hidden)
        if candidate is not None:
            hidden.add(candidate)
            for each in current:
                if each is not None:
                    each.add(candidate)
            continue
        columns = grid.known_columns(cut, column_known)
        if column_known(j) or columns:
            # No cell left to hide there: a column whose total pins it down is closed.
            hidden |= close_column(j if column_known(j) else columns[0])
        elif r != NATIONAL and j in group_of and (r, group_of[j]) not in whole:
            whole.add((r, group_of[j]))
            hidden |= {(r, k) for k in row_groups[group_of[j]] if (matrix[r][k] or 0) > 0}
        else:
            # Nothing left to hide around it (a one-cell table whose total is known): no
            # suppression can help.
            unchecked.pop()
        current = grids()
        if current[1] is not None:
            unchecked = deferred + unchecked
            deferred = []
    return hidden


NATIONAL = ("national",)  # the row of the national cells (`hide_until_safe`'s `national`)
FREE = "free"  # the end of a cell's line whose total the reader does not know
UNBOUNDED = float("inf")


class _Grid:
    """The hidden cells as the reader knows them, for `hide_until_safe`: each hidden cell is an
    arc between its row's line and its column's line (FREE when the reader does not know the
    line's total; "joint" for the columns whose totals the reader knows together only); changing
    hidden values while keeping every known total is a circulation along these arcs, within the
    bounds the reader knows for each cell ("< 5": 1 to 4; "masqué": 5 or more; in a table hidden
    whole, 0 or more, zeros included). A small cell can be 1 and 4 when enough units can go round
    from one end of its arc to the other through the other arcs: a flow of at most 3 units, a few
    augmenting paths."""

    def __init__(self, matrix, hidden, whole, group_of, column_known, joint_total, national=None):
        self.matrix = matrix
        self.whole = whole
        self.group_of = group_of
        joint = joint_total is not None and joint_total()
        self.column_node = {}
        width = len(next(iter(matrix.values()), []))
        for j in range(width):
            if column_known(j) or national is not None:
                # With the national cells: a column's cells less its national cell add up to 0.
                self.column_node[j] = ("column", j)
            else:
                self.column_node[j] = ("joint",) if joint else FREE
        cells = {cell for cell in hidden if (matrix[cell[0]][cell[1]] or 0) > 0}
        for r, g in whole:
            cells |= {(r, j) for j, h in group_of.items() if h == g and matrix[r][j] is not None}
        self.national_counts, self.national_whole = None, False
        if national is not None:
            self.national_counts, national_hidden = national
            self.national_whole = national_hidden is None
            self.national_node = ("national total",) if joint_total is not None else FREE
            for j, count in enumerate(self.national_counts):
                if national_hidden is None or (j in national_hidden and count):
                    cells.add((NATIONAL, j))
        self.arcs = {}  # node: [(cell, other end, +1 from the row's end / -1 from the column's)]
        self.open_arcs = {}  # the same, only those with room while no unit is sent
        self.pair_room = {}  # {(line, line): the room of the arcs between them, that way}
        self.value, self.low, self.high = {}, {}, {}
        # The lines joined by arcs with room for 3 units both ways (union-find): a small cell whose
        # ends are joined so can be anything from 1 to 4.
        self.parent = {}
        # {node: [a bitset of the nodes one arc with room for t units leads to, for t = 1, 2, 3]},
        # and the nodes leading to it: the quick look for a path of two or three arcs.
        self.bit, self.node_of, self.outgoing, self.incoming = {}, {}, {}, {}
        for cell in sorted(cells, key=repr):
            self.add(cell)

    def add(self, cell):
        if cell[0] == NATIONAL:
            value = self.national_counts[cell[1]]
        else:
            value = self.matrix[cell[0]][cell[1]]
        self.value[cell] = value
        if self.in_whole(cell):
            self.low[cell], self.high[cell] = 0, UNBOUNDED
        elif is_small(value):
            self.low[cell], self.high[cell] = 1, SMALL_COUNT_THRESHOLD - 1
        else:
            self.low[cell], self.high[cell] = SMALL_COUNT_THRESHOLD, UNBOUNDED
        u, v = self.ends(cell)
        self.arcs.setdefault(u, []).append((cell, v, 1))
        self.arcs.setdefault(v, []).append((cell, u, -1))
        for start, end, room in ((u, v, self.high[cell] - value), (v, u, value - self.low[cell])):
            self.pair_room[(start, end)] = self.pair_room.get((start, end), 0) + room
        if self.high[cell] > value:
            self.open_arcs.setdefault(u, []).append((cell, v, 1))
        if value > self.low[cell]:
            self.open_arcs.setdefault(v, []).append((cell, u, -1))
        if not is_small(value) and value - self.low[cell] >= SMALL_COUNT_THRESHOLD - 2:
            self.parent[self.root(u)] = self.root(v)
        for start, end, room in ((u, v, self.high[cell] - value), (v, u, value - self.low[cell])):
            if room > 0:
                outgoing, incoming = self.sets(self.outgoing, start), self.sets(self.incoming, end)
                start_bit, end_bit = self.bit_of(start), self.bit_of(end)
                for t in range(min(room, SMALL_COUNT_THRESHOLD - 2)):
                    outgoing[t] |= end_bit
                    incoming[t] |= start_bit

    def bit_of(self, node):
        if node not in self.bit:
            self.bit[node] = 1 << len(self.bit)
            self.node_of[self.bit[node]] = node
        return self.bit[node]

    def sets(self, table, node):
        if node not in table:
            table[node] = [0] * (SMALL_COUNT_THRESHOLD - 2)
        return table[node]

    def short_path(self, source, sink, amount, excluded):
        """Whether paths of one to three arcs, none used twice and none `excluded`, have room
        for `amount` units together (a quick look before the search: most small cells have
        them)."""
        if amount <= 0:
            return True
        if len(self.arcs.get(source, ())) <= len(self.arcs.get(sink, ())):
            node, other, forward = source, sink, True
        else:
            node, other, forward = sink, source, False
        bit = self.bit_of
        outside = ~(bit(source) | bit(sink))
        units = self.pair_room.get((source, sink), 0)
        if excluded in self.value and set(self.ends(excluded)) == {source, sink}:
            units -= self.room(excluded, 1 if self.ends(excluded)[0] == source else -1, {})
        if units >= amount:
            return True
        used = set()  # the pairs of lines whose arcs a path already goes through
        for cell, end, direction in self.arcs.get(node, ()):
            if cell == excluded or end == node:
                continue
            # The room from `source` towards `sink` along this arc.
            room = self.room(cell, direction if forward else -direction, {})
            if room <= 0:
                continue
            if end == other:
                continue  # counted in `pair_room`
            elif bit(node) | bit(end) not in used:
                # source → end → sink, source → end → y → sink (forward); or source → end → sink,
                # source → y → end → sink, `end` being next to the sink.
                first, last = (end, sink) if forward else (source, end)
                for t in range(min(room, amount - units, SMALL_COUNT_THRESHOLD - 2), 0, -1):
                    outgoing = self.sets(self.outgoing, first)[t - 1]
                    pairs = None
                    if outgoing & bit(last) and bit(first) | bit(last) not in used:
                        pairs = [bit(first) | bit(last)]
                    else:
                        middle = outgoing & self.sets(self.incoming, last)[t - 1] & outside
                        while middle and pairs is None:
                            lowest = middle & -middle
                            middle ^= lowest
                            found = [bit(first) | lowest, lowest | bit(last)]
                            if not used.intersection(found):
                                pairs = found
                    if pairs is not None:
                        used.update(pairs)
                        used.add(bit(node) | bit(end))
                        units += t
                        break
            if units >= amount:
                return True
        return False

    def root(self, node):
        parent = self.parent
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    def in_whole(self, cell):
        r, j = cell
        if r == NATIONAL:
            return self.national_whole
        return j in self.group_of and (r, self.group_of[j]) in self.whole

    def ends(self, cell):
        r, j = cell
        if r == NATIONAL:
            # Its column's cells add up to it: it takes what they give.
            return self.column_node[j], self.national_node
        row = ("row", r, self.group_of[j]) if j in self.group_of else FREE
        return row, self.column_node[j]

    def unsafe_cut(self, cell, two_values=False):
        """None when the small `cell` keeps its room (`two_values`: can take two values at least);
        otherwise (S, T): the lines an attacker reaches from one end of its arc, and those that
        reach the other end."""
        if cell not in self.value:
            return None
        u, v = self.ends(cell)
        if u == v or self.root(u) == self.root(v):
            return None
        value = self.value[cell]
        if two_values or self.in_whole(cell):
            # (Shown "masqué" like its zeros, hidden whole:) it must at least take two values.
            cut = None
            if value < self.high[cell]:
                cut = self.flow(v, u, 1, cell)  # up by one
                if cut is None:
                    return None
            if value > self.low[cell]:
                cut = self.flow(u, v, 1, cell)  # down by one
            return cut
        cut = self.flow(u, v, value - 1, cell)  # down to 1
        if cut is not None:
            return cut
        return self.flow(v, u, SMALL_COUNT_THRESHOLD - 1 - value, cell)  # up to 4

    def room(self, cell, direction, delta):
        value = self.value[cell] + delta.get(cell, 0)
        return self.high[cell] - value if direction > 0 else value - self.low[cell]

    def reached(self, start, excluded, delta, backwards=False, goal=None):
        """The nodes reached from `start` through arcs with room (`backwards`: that reach it),
        with the arc each was reached by (stopping once `goal` is)."""
        previous = {start: None}
        stack = [start]
        if not delta and not backwards:
            # Before any unit is sent: the arcs with room, listed once.
            open_arcs = self.open_arcs
            while stack:
                node = stack.pop()
                for cell, other, direction in open_arcs.get(node, ()):
                    if other not in previous and cell != excluded:
                        previous[other] = (node, cell, direction)
                        if other == goal:
                            return previous
                        stack.append(other)
            return previous
        arcs, value, low, high = self.arcs, self.value, self.low, self.high
        while stack:
            node = stack.pop()
            for cell, other, direction in arcs.get(node, ()):
                if other in previous or cell == excluded:
                    continue
                x = value[cell] + delta.get(cell, 0)
                if (high[cell] - x if (direction > 0) != backwards else x - low[cell]) > 0:
                    previous[other] = (node, cell, direction)
                    if other == goal:
                        return previous
                    stack.append(other)
        return previous

    def flow(self, source, sink, amount, excluded):
        """None when `amount` units can go from `source` to `sink` (augmenting paths, the arc of
        `excluded` left out); else the cut (S, T) that stops them."""
        if self.short_path(source, sink, amount, excluded):
            return None
        delta = {}
        sent = 0
        while sent < amount:
            previous = self.reached(source, excluded, delta, goal=sink)
            if sink not in previous:
                return set(previous), set(self.reached(sink, excluded, delta, backwards=True))
            path, node = [], sink
            while previous[node] is not None:
                node, cell, direction = previous[node]
                path.append((cell, direction))
            step = min(amount - sent, *(self.room(cell, d, delta) for cell, d in path))
            for cell, direction in path:
                delta[cell] = delta.get(cell, 0) + direction * step
            sent += step
        return None

    def widening_cell(self, cut, hidden):
        """The smallest shown cell whose hiding opens an arc from S to T (else out of S), None if
        there is none."""
        source_side, sink_side = cut
        best = None
        for r, counts in self.matrix.items():
            for j, count in enumerate(counts):
                if count is None or count < SMALL_COUNT_THRESHOLD or (r, j) in hidden:
                    continue
                u, v = self.ends((r, j))
                # Hidden, it can grow without bound (u to v) and shrink down to 5 (v to u).
                ends = [(u, v)]
                if count > SMALL_COUNT_THRESHOLD:
                    ends.append((v, u))
                for start, end in ends:
                    if start in source_side and end not in source_side:
                        key = (end not in sink_side, count, repr((r, j)))
                        if best is None or key < best[0]:
                            best = key, (r, j)
        return None if best is None else best[1]

    def known_columns(self, cut, column_known):
        return sorted(
            node[1]
            for node in cut[0] | cut[1]
            if node != FREE and node[0] == "column" and column_known(node[1])
        )


def hide_columns_under_a_small_national_cell(national, by_department):
    """In a table whose rows have no total, a national "< 5" still bounds its column: the
    départements' "< 5" under it add up to at most 4 — four of them are each 1, three are 1 or 2.
    Such a column is hidden in every département, zeros included (a zero shown would tell which
    départements have some): each can then be anything from 0 to 4, and only their sum is bounded.
    """
    for j, count in enumerate(national):
        small_below = sum(1 for cells in by_department.values() if cells[j] == SMALL_COUNT_LABEL)
        if is_small(count) and small_below >= 2:
            for cells in by_department.values():
                cells[j] = SECONDARY_LABEL


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
        # The national cells hidden add up to what the national total leaves of the shown ones.
        joint_total=(lambda: national_hidden is not None) if additive else None,
        national=(lambda: (national, national_hidden)) if additive else None,
    )
    whole_rows = {d for d, _group in whole}  # départements whose whole table is hidden
    hidden_by_department = {}
    for d, j in hidden:
        hidden_by_department.setdefault(d, set()).add(j)
    by_department = {}
    for d in departments:
        row = None if d in whole_rows else hidden_by_department.get(d, set())
        by_department[d] = shown_values(matrix[d], row)
    if not additive:
        hide_columns_under_a_small_national_cell(national, by_department)
    if national_hidden is not None and not additive:
        # Without a total, a hidden national cell tells nothing about the others.
        national_shown = [
            SECONDARY_LABEL if j in national_hidden and not is_small(c) else protect(c)
            for j, c in enumerate(national)
        ]
    else:
        national_shown = shown_values(national, national_hidden)
    return by_department, national_shown
