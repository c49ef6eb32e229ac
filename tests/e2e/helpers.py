"""What the browser tests share: their marks, and signing in through the login page."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD

# A browser test runs against the live server (so its database is transactional); whitenoise warns
# when STATIC_ROOT was never collected, which is not these tests' concern.
BROWSER_TEST = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def log_in(page, live_server, email, *, fresh=False):
    """Sign `email` in (password DEFAULT_PASSWORD) and land on the dashboard; `fresh` first drops
    the cookies of whoever was signed in."""
    if fresh:
        page.context.clear_cookies()
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
