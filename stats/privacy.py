"""Small-count suppression: the one rule every figure, chart and export goes through."""

SMALL_COUNT_THRESHOLD = 5
SMALL_COUNT_LABEL = "< 5"


def protect(count):
    """A count as it may be shown: "< 5" from 1 to 4, so no young person can be singled out.

    Zero stays 0: it tells nothing about anyone. `None` (no data) stays `None`.
    """
    if count is None:
        return None
    if 0 < count < SMALL_COUNT_THRESHOLD:
        return SMALL_COUNT_LABEL
    return count


def is_protected(value):
    return value == SMALL_COUNT_LABEL
