"""Browser test of the contact form: a young person asks a promeneur to contact them, then withdraws."""

import datetime
import os
import re

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from playwright.sync_api import expect

from referrals.enums import RequestStatus
from referrals.models import CONTENT_FIELDS, ContactRequest
from tests.content import stored_request
from tests.structures.factories import DepartmentFactory, PresenceSlotFactory, PromeneurFactory, ThemeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
MESSAGE = "Bonjour, je me fais harceler sur Snapchat depuis la rentrée et je ne sais pas quoi faire."


@pytest.fixture
def promeneur(settings):
    # No waiting in the browser: the minimum delay of the form is a setting read at each request.
    settings.CONTACT_FORM_MIN_SECONDS = 0
    cache.clear()
    ThemeFactory(slug="harcelement-e2e", name="Harcèlement (parcours e2e du formulaire)")
    promeneur = PromeneurFactory(
        first_name="Charlotte",
        job="Animatrice jeunesse",
        structure__name="Centre social du Ruban",
        structure__department=DepartmentFactory(code="24"),
    )
    for weekday in range(7):
        PresenceSlotFactory(
            promeneur=promeneur, weekday=weekday, start=datetime.time(14), end=datetime.time(17)
        )
    return promeneur


def captcha_answer(page):
    key = page.locator("input[name='captcha_0']").input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_ask_to_be_contacted_then_follow_and_withdraw_the_request(live_server, page, axe, promeneur):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and errors.append(response.url))
    page.goto(f"{live_server.url}/contact/promeneur/{promeneur.slug}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Demander à être contacté·e par Charlotte")
    assert axe(page) == []
    screenshot(page, "contact-form")

    # Sent empty: the errors are listed at the top, focused, and each is tied to its box.
    page.get_by_role("button", name="Envoyer ma demande").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("7 points à corriger")
    expect(page.get_by_label("Ton prénom ou un pseudo")).to_have_accessible_description(
        "Pas de nom de famille : un prénom ou un pseudo suffit. Erreur : Indique ton prénom ou un pseudo, "
        "pour que le promeneur ou la promeneuse sache comment t’appeler."
    )
    assert axe(page) == []
    screenshot(page, "contact-form-errors")
    summary.get_by_role("link", name=re.compile("Écris ton message")).click()
    expect(page.get_by_label("Ton message")).to_be_focused()

    # Under 12: the guidance shows at once.
    page.get_by_role("radio", name="Moins de 12 ans").check()
    expect(page.get_by_role("heading", name="Tu as moins de 12 ans")).to_be_visible()
    page.get_by_role("radio", name="15 à 17 ans").check()
    expect(page.get_by_role("heading", name="Tu as moins de 12 ans")).to_be_hidden()

    page.get_by_label("Ton prénom ou un pseudo").fill("Lou")
    page.get_by_label("Ta commune ou ton code postal").fill("Périgueux")
    page.get_by_role("radio", name="E-mail").check()
    page.get_by_label("Ton adresse e-mail").fill("lou@example.test")
    page.get_by_label("Harcèlement (parcours e2e du formulaire)").check()
    page.get_by_label("Ton message").fill(MESSAGE)
    left = f"{2000 - len(MESSAGE):,}".replace(",", "\u202f")  # "1 911", as French writes it
    expect(page.locator("#id_message_counter")).to_have_text(f"Il te reste {left} caractères sur 2\u202f000.")
    page.get_by_label("J’ai lu ce qui précède et je suis d’accord pour envoyer ma demande.").check()
    answer = page.get_by_label("Les lettres qui manquent")
    answer.fill(captcha_answer(page))
    # "Enter" sends the form (and does not ask for a new challenge, the form's first button).
    answer.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Ta demande est envoyée")
    contact_request = stored_request()
    assert contact_request.assignee == promeneur
    expect(page.locator(".reference-box")).to_have_text(f"Sa référence : {contact_request.reference}")
    expect(page.get_by_text("Charlotte — Centre social du Ruban a reçu ta demande")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MESSAGE)
    expect(page.locator("main")).not_to_contain_text("lou@example.test")
    # The short code, shown once, with copy buttons that the script reveals.
    expect(page.locator("#code-suivi")).to_have_text(re.compile(r"^\d{6}$"))
    expect(page.get_by_role("button", name="Copier le code")).to_be_visible()
    expect(page.get_by_role("button", name="Copier le lien")).to_be_visible()
    assert axe(page) == []
    screenshot(page, "acknowledgment")

    follow_up = page.locator(".follow-up-link a")
    assert re.fullmatch(rf"{live_server.url}/suivi/[^/]+/", follow_up.inner_text())
    follow_up.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi de ta demande")
    expect(page.locator(".request-summary")).to_contain_text("Reçue")
    assert axe(page) == []
    screenshot(page, "follow-up")

    page.get_by_role("link", name="Retirer ma demande").click()
    expect(page.get_by_text("Es-tu sûr·e ?")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Oui, retirer ma demande").click()

    expect(page.locator(".request-summary")).to_contain_text("Retirée")
    expect(page.get_by_text("Tu as retiré ta demande")).to_be_visible()
    assert axe(page) == []
    contact_request = stored_request(contact_request)
    assert contact_request.status == RequestStatus.WITHDRAWN
    assert all(getattr(contact_request, field) == "" for field in CONTENT_FIELDS)
    assert errors == []


def test_new_challenge_keeps_what_was_typed(live_server, page, axe, promeneur):
    page.goto(f"{live_server.url}/contact/promeneur/{promeneur.slug}/")
    page.get_by_label("Ton prénom ou un pseudo").fill("Lou")
    page.get_by_label("Ton message").fill(MESSAGE)
    first_key = page.locator("input[name='captcha_0']").input_value()

    page.get_by_role("button", name="Nouveau défi (un autre mot)").click()

    expect(page.get_by_role("status")).to_have_text(
        "Voici un nouveau mot. Ta demande n’est pas encore envoyée."
    )
    expect(page.locator("input[name='captcha_0']")).not_to_have_value(first_key)
    expect(page.get_by_label("Ton prénom ou un pseudo")).to_have_value("Lou")
    expect(page.get_by_label("Ton message")).to_have_value(MESSAGE)
    assert ContactRequest.objects.count() == 0
    assert axe(page) == []


def test_general_form_routes_to_the_department_chosen_and_is_accessible(live_server, page, axe, promeneur):
    page.goto(f"{live_server.url}/contact/structure/{promeneur.structure.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Demander à être contacté·e par Centre social du Ruban"
    )
    assert axe(page) == []

    page.goto(f"{live_server.url}/contact/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Demander à être contacté·e par un promeneur ou une promeneuse"
    )
    assert axe(page) == []
    page.get_by_label("Ton prénom ou un pseudo").fill("Lou")
    page.get_by_role("radio", name="22 à 25 ans").check()
    page.get_by_label("Ou choisis ton département").select_option("24")
    page.get_by_role("radio", name="SMS").check()
    page.get_by_label("Ton numéro de portable, pour les SMS").fill("+33 6 12 34 56 78")
    page.get_by_label("Ton message").fill(MESSAGE)
    page.get_by_label("C’est urgent").check()
    page.get_by_label("J’ai lu ce qui précède et je suis d’accord pour envoyer ma demande.").check()
    page.get_by_label("Les lettres qui manquent").fill(captcha_answer(page))
    page.get_by_role("button", name="Envoyer ma demande").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ta demande est envoyée")
    expect(
        page.get_by_text("La coordination des Promeneurs du Net du département (Dordogne)")
    ).to_be_visible()
    # Urgent: the emergency numbers come before what happens next.
    assert page.locator("#urgences").evaluate(
        "el => !!(el.compareDocumentPosition(document.getElementById('titre-suite')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert axe(page) == []
    contact_request = stored_request()
    assert (contact_request.department.code, contact_request.structure, contact_request.phone) == (
        "24",
        None,
        "06 12 34 56 78",
    )
