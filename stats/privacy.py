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
    shown = [protect(c) for c in counts]
    if not additive:
        return shown
    hidden = {i for i, c in enumerate(counts) if is_small(c)}
    if not hidden:
        return shown
    candidates = sorted(
        (i for i, c in enumerate(counts) if c is not None and c >= SMALL_COUNT_THRESHOLD),
        key=lambda i: (counts[i], i),
    )
    while not hidden_values_are_safe(counts, hidden) and candidates:
        hidden.add(candidates.pop(0))
    if not hidden_values_are_safe(counts, hidden):
        # Even hiding every cell leaves a small count recoverable: hide the table, zeros included.
        return [None if c is None else SECONDARY_LABEL for c in counts]
    return [
        shown[i] if i not in hidden or is_small(counts[i]) else SECONDARY_LABEL for i in range(len(counts))
    ]
