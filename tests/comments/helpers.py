"""Helpers shared by the tests of comments and of Fil info."""

import re

from captcha.models import CaptchaStore

from tests.accounts.factories import UserFactory
from tests.structures.factories import CoordinationFactory, PromeneurFactory, StructureMembershipFactory

# A Wednesday, 10:00 in Paris.
NOW = "2026-05-13 10:00:00+02:00"
NAME = "Lou des Bois"
EMAIL = "lou.secrete@example.test"
BODY = "Merci pour cet article !\nJe partage : https://exemple.fr/page?a=1&b=2.\n\nÀ bientôt."

ROLES = ["promeneur", "referent", "coordinator", "moderator", "caf_staff"]
MODERATING_ROLES = {"moderator", "caf_staff"}


def make_user(role):
    if role == "promeneur":
        return PromeneurFactory().user
    if role == "referent":
        return StructureMembershipFactory().user
    if role == "coordinator":
        return CoordinationFactory().user
    if role == "moderator":
        return UserFactory(moderator=True)
    if role == "caf_staff":
        return UserFactory(caf_staff=True)
    raise ValueError(role)


def open_form(client, url):
    """GET the page; return its HTML, the CAPTCHA key shown, its expected answer and the timestamp."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]{40})"', page).group(1)
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    return page, key, CaptchaStore.objects.get(hashkey=key).response, token


def comment_data(key, answer, token, **overrides):
    data = {
        "nom": NAME,
        "email": EMAIL,
        "commentaire": BODY,
        "captcha_0": key,
        "captcha_1": answer,
        "jeton": token,
        "site_web": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_comment(client, clock, url, wait=30, **overrides):
    """Open the form, wait like a human, send it; returns the response."""
    _, key, answer, token = open_form(client, url)
    clock.tick(wait)
    return client.post(url, comment_data(key, answer, token, **overrides))


def textarea_value(page, name="commentaire"):
    match = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL)
    return match.group(1) if match else None
