"""The notifications' dashboard pages in a browser: axe-core (WCAG 2.1 A and AA) and the keyboard."""

import pytest
from playwright.sync_api import expect

from notifications.enums import NotificationFrequency, NotificationKind
from notifications.models import Notification, NotificationPreference
from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def test_the_list_of_notifications_has_no_accessibility_violation(
    live_server, page, axe, world, make_request
):
    user = world["promeneur"].user
    contact_request = make_request()
    for kind in (
        NotificationKind.REQUEST_NEW,
        NotificationKind.REQUEST_REMINDER,
        NotificationKind.CHARTER_DUE,
    ):
        Notification.objects.create(
            recipient=user,
            kind=kind,
            context={
                "request_id": contact_request.pk,
                "reference": contact_request.reference,
                "hours": 48,
                "charter_version": "2026",
            },
        )
    log_in(page, live_server, user.email)

    page.goto(live_server.url + "/tableau-de-bord/notifications/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mes notifications")
    expect(
        page.get_by_role("link", name=f"Demande {contact_request.reference} en attente depuis 48 h")
    ).to_be_visible()
    assert axe(page) == []


def test_choose_the_daily_digest_with_the_keyboard(live_server, page, axe, world):
    user = world["coordinator"]
    log_in(page, live_server, user.email)
    page.goto(live_server.url + "/tableau-de-bord/notifications/preferences/")
    assert axe(page) == []

    page.get_by_role("radio", name="Tout de suite", exact=False).focus()
    page.keyboard.press("ArrowDown")  # radio buttons: the arrows move the choice
    expect(page.get_by_role("radio", name="Un récapitulatif par jour", exact=False)).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Préférence enregistrée")
    assert NotificationPreference.objects.get(user=user).frequency == NotificationFrequency.DAILY_DIGEST
    assert axe(page) == []
