"""The short secret code that reopens a follow-up page with the request's reference (/suivi/).

Six digits, drawn by `secrets`, shown once on the acknowledgment page and kept only as a password
hash. Wrong attempts are counted per reference and per address (a keyed hash of each, in the
cache, for an hour): past the limits, /suivi/ refuses to check until the hour is over, so the
10⁶ codes of a reference cannot be tried.
"""

import logging
import re
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from promeneurs import antispam

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
WINDOW = 3600  # seconds
REFERENCE_RE = re.compile(r"^PDN-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def new_code():
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code):
    return make_password(code)


def code_matches(code, encoded):
    return bool(encoded) and check_password(code, encoded)


def normalise_reference(typed):
    """ "pdn 7k2m q4xd", "PDN7K2MQ4XD", " PDN-7K2M-Q4XD " → "PDN-7K2M-Q4XD"; anything else as typed, upper case."""
    letters = re.sub(r"[^0-9A-Za-z]", "", typed or "").upper()
    if len(letters) == 11 and letters.startswith("PDN"):
        return f"PDN-{letters[3:7]}-{letters[7:]}"
    return (typed or "").strip().upper()


def normalise_code(typed):
    """The digits typed, spaces and dashes ignored: "482 915" → "482915"."""
    return re.sub(r"[\s.-]", "", typed or "")


def _key(kind, value):
    digest = salted_hmac("referrals.access_codes", f"{kind}:{value}").hexdigest()[:32]
    return f"follow-up-code:{kind}:{digest}"


def _keys(request, reference):
    return [
        (_key("reference", reference), settings.FOLLOW_UP_CODE_ATTEMPTS_PER_REFERENCE),
        (_key("address", antispam.client_ip(request)), settings.FOLLOW_UP_CODE_ATTEMPTS_PER_ADDRESS),
    ]


def attempts_exhausted(request, reference):
    """Whether this reference, or this address, already had too many wrong attempts in the hour.

    If the cache fails, the attempt is refused: a broken counter must not open the door to guessing.
    """
    try:
        return any(cache.get(key, 0) >= limit for key, limit in _keys(request, reference))
    except Exception:
        logger.warning("Follow-up code attempts not checked: the cache failed.", exc_info=True)
        return True


def attempt_failed(request, reference):
    for key, _limit in _keys(request, reference):
        try:
            if not cache.add(key, 1, timeout=WINDOW):
                cache.incr(key)
        except Exception:
            logger.warning("A wrong follow-up code was not counted: the cache failed.", exc_info=True)
