"""Small geographical helpers of the directory."""

import re

POSTCODE_RE = re.compile(r"[0-9]{5}")


def is_postcode(value):
    """Whether `value` is a French postcode: exactly five digits."""
    return bool(POSTCODE_RE.fullmatch(value or ""))


def department_code_for_postcode(postcode):
    """INSEE code of the département of a French postcode, or None if it is not one.

    The first two digits, except overseas (97x: three digits) and Corsica (20xxx: 2A below
    20200, 2B from 20200 on).
    """
    postcode = (postcode or "").strip()
    if not is_postcode(postcode):
        return None
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if int(postcode) < 20200 else "2B"
    return postcode[:2]
