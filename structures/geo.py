"""Small geographical helpers of the directory."""

import math
import re
import unicodedata

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


# Abbreviations people type for the words of commune names.
PLACE_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
PLACE_SEPARATORS_RE = re.compile(r"[^0-9a-z]+")
# "Saint-Astier (24)": the département the autocomplete adds after a commune's name.
DEPARTMENT_SUFFIX_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[0-9]{2,3}|2[AaBb])\)\s*$")
EARTH_RADIUS_KM = 6371.0


def place_key(text):
    """A commune's name as it is compared: lower case, no accents, words separated by one space.

    "Saint-Astier", "st astier" and "SAINT ASTIER" give "saint astier"; "L’Isle-d’Espagnac" gives
    "l isle d espagnac"; "Périgueux" gives "perigueux".
    """
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    words = PLACE_SEPARATORS_RE.sub(" ", text).split()
    return " ".join(PLACE_ABBREVIATIONS.get(word, word) for word in words)


def split_department_suffix(text):
    """("Saint-Astier", "24") from "Saint-Astier (24)"; (text, None) without a suffix."""
    match = DEPARTMENT_SUFFIX_RE.match(text or "")
    if not match:
        return text, None
    return match["name"], match["code"].upper()


def distance_km(lat1, lng1, lat2, lng2):
    """Great-circle distance between two points, in kilometres (haversine)."""
    lat1, lng1, lat2, lng2 = (math.radians(float(v)) for v in (lat1, lng1, lat2, lng2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
