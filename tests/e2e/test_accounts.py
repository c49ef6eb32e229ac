"""Browser tests of the professional space's entrance and the legal pages: axe-core and keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "animatrice@structure.test"


def tab_to(page, selector, max_presses=25):
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/comptes/login/", "Connexion"),
        ("/comptes/password/reset/", "Réinitialisation du mot de passe"),
        ("/confidentialite/", "Confidentialité et données personnelles"),
        ("/accessibilite/", "Déclaration d’accessibilité"),
        ("/mentions-legales/", "Mentions légales"),
    ],
)
def test_page_has_no_accessibility_violation(live_server, page, axe, path, heading):
    page.goto(live_server.url + path)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert axe(page) == []


def test_login_page_with_an_error_has_no_accessibility_violation(live_server, page, axe):
    UserFactory(email=EMAIL)
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_label("Courriel").fill(EMAIL)
    page.get_by_label("Mot de passe", exact=False).fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Connexion").click()

    expect(page.get_by_role("alert")).to_contain_text("incorrect")
    expect(page.get_by_label("Courriel")).to_have_value(EMAIL)
    assert axe(page) == []


def test_log_in_with_the_keyboard_only(live_server, page, axe):
    UserFactory(email=EMAIL)
    page.goto(live_server.url + "/comptes/login/")

    tab_to(page, "#id_login")
    page.keyboard.type(EMAIL)
    tab_to(page, "#id_password")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    assert axe(page) == []
