"""What a handle looks like on each network, and the profile address made from it.

Each rule follows what the network itself accepts for a user name; the message says it in French,
with an example. `profile_url` builds the public address from the handle when the network has one
(Discord has none: its invitation link is asked for).
"""

import re
from dataclasses import dataclass

from .enums import Network


@dataclass(frozen=True)
class HandleRule:
    pattern: str
    message: str
    url_template: str = ""

    def matches(self, handle):
        return re.fullmatch(self.pattern, handle) is not None


HANDLE_RULES = {
    Network.INSTAGRAM: HandleRule(
        r"[A-Za-z0-9._]{1,30}",
        "Un pseudo Instagram compte 1 à 30 caractères : lettres, chiffres, points et tirets bas "
        "(par exemple lea.pdn24).",
        "https://www.instagram.com/{handle}/",
    ),
    Network.SNAPCHAT: HandleRule(
        r"[A-Za-z][A-Za-z0-9._-]{2,14}",
        "Un pseudo Snapchat commence par une lettre et compte 3 à 15 caractères : lettres, chiffres, "
        "points, tirets (par exemple lea-pdn24).",
        "https://www.snapchat.com/add/{handle}",
    ),
    Network.TIKTOK: HandleRule(
        r"[A-Za-z0-9._]{2,24}",
        "Un pseudo TikTok compte 2 à 24 caractères : lettres, chiffres, points et tirets bas "
        "(par exemple lea_pdn24).",
        "https://www.tiktok.com/@{handle}",
    ),
    Network.DISCORD: HandleRule(
        r"[a-z0-9._]{2,32}",
        "Un nom d’utilisateur Discord compte 2 à 32 caractères : minuscules, chiffres, points et tirets "
        "bas (par exemple lea_pdn24).",
    ),
    Network.FACEBOOK: HandleRule(
        r"[A-Za-z0-9.]{5,50}",
        "Un nom d’utilisateur Facebook compte 5 à 50 caractères : lettres, chiffres et points "
        "(par exemple lea.pdn24).",
        "https://www.facebook.com/{handle}",
    ),
    Network.WHATSAPP: HandleRule(
        r"\+?[0-9]{8,15}",
        "Pour WhatsApp, indiquez le numéro professionnel au format international, sans espaces "
        "(par exemple +33612345678).",
        "https://wa.me/{digits}",
    ),
    Network.YOUTUBE: HandleRule(
        r"[A-Za-z0-9._-]{3,30}",
        "Un identifiant YouTube compte 3 à 30 caractères : lettres, chiffres, points, tirets "
        "(par exemple lea-pdn24).",
        "https://www.youtube.com/@{handle}",
    ),
    Network.X: HandleRule(
        r"[A-Za-z0-9_]{1,15}",
        "Un nom d’utilisateur X compte 1 à 15 caractères : lettres, chiffres et tirets bas "
        "(par exemple lea_pdn24).",
        "https://x.com/{handle}",
    ),
    Network.TWITCH: HandleRule(
        r"[A-Za-z0-9_]{4,25}",
        "Un nom d’utilisateur Twitch compte 4 à 25 caractères : lettres, chiffres et tirets bas "
        "(par exemple lea_pdn24).",
        "https://www.twitch.tv/{handle}",
    ),
}


def normalise_handle(network, handle):
    """The handle as stored: without spaces around it, nor the "@" people often type first."""
    handle = handle.strip()
    if Network(network) != Network.WHATSAPP:
        handle = handle.removeprefix("@")
    return handle


def profile_url(network, handle):
    """The public address of `handle` on `network`, or "" when the network has none to build."""
    template = HANDLE_RULES[Network(network)].url_template
    if not template:
        return ""
    return template.format(handle=handle, digits=handle.lstrip("+"))
