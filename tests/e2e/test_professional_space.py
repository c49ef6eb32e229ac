"""In the browser, at 320 px and 1280 px: the promeneur's own space and the dashboard homes.

Every page in each state (empty, filled, errors) passes axe-core with zero violation and has no
horizontal scroll; after an action, the focus is on the confirmation message (or on the errors)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.enums import RequestStatus
from structures.models import Absence, NetworkAccount, PresenceSlot
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.e2e.helpers import log_in
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = [320, 1280]


def check(page, axe):
    """Zero axe violation, and nothing wider than the window (no horizontal scroll)."""
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def focused_text(page):
    return page.evaluate("document.activeElement && document.activeElement.innerText")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_promeneur_edits_their_space(live_server, page, axe, width):
    page.set_viewport_size({"width": width, "height": 800})
    structure = StructureFactory(name="Centre social des Essais")
    promeneur = PromeneurFactory(structure=structure, first_name="Léa", user__email="lea@essais.test")
    PromeneurFactory(structure=structure, first_name="Hugo")
    ContactRequestFactory(structure=structure, assignee=promeneur, is_urgent=True)
    ContactRequestFactory(structure=structure)

    log_in(page, live_server, promeneur.user.email, fresh=True)
    expect(page.locator("main")).to_contain_text("Votre profil public est incomplet")
    check(page, axe)

    # The inbox: a table on wide screens, cards on narrow ones; no horizontal scroll either way.
    page.goto(live_server.url + "/tableau-de-bord/demandes/")
    check(page, axe)

    # The profile: empty, with errors (a malformed handle), then filled.
    page.goto(live_server.url + "/tableau-de-bord/profil/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil public")
    check(page, axe)
    page.get_by_role("textbox", name=re.compile("Présentation")).fill("Je suis là le mercredi après-midi.")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_role("status")).to_contain_text("Profil enregistré")
    assert "Profil enregistré" in focused_text(page)
    page.get_by_role("link", name="Ajouter un compte").click()
    page.get_by_label("Réseau").select_option(label="Instagram")
    page.get_by_label("Pseudo ou numéro").fill("lea pdn !")
    page.get_by_role("button", name="Ajouter le compte").click()
    expect(page.get_by_text("Un pseudo Instagram compte 1 à 30 caractères")).to_be_visible()
    assert "n’est pas enregistré" in focused_text(page)
    check(page, axe)
    page.get_by_label("Pseudo ou numéro").fill("lea.pdn24")
    page.get_by_role("button", name="Ajouter le compte").click()
    expect(page.get_by_role("status")).to_contain_text("« lea.pdn24 » ajouté")
    check(page, axe)
    assert NetworkAccount.objects.filter(promeneur=promeneur, handle="lea.pdn24").exists()

    # Weekly slots: an overlap refused, then a slot across midnight.
    page.goto(live_server.url + "/tableau-de-bord/profil/horaires/")
    check(page, axe)
    page.get_by_label("Jour").select_option(label="mercredi")
    page.get_by_label("Début").fill("14:00")
    page.get_by_label("Fin").fill("17:00")
    page.get_by_role("button", name="Ajouter le créneau").click()
    expect(page.get_by_role("status")).to_contain_text("Créneau du mercredi")
    page.get_by_label("Jour").select_option(label="mercredi")
    page.get_by_label("Début").fill("16:00")
    page.get_by_label("Fin").fill("18:00")
    page.get_by_role("button", name="Ajouter le créneau").click()
    expect(page.get_by_text("Ce créneau chevauche celui du mercredi")).to_be_visible()
    check(page, axe)
    page.get_by_label("Jour").select_option(label="vendredi")
    page.get_by_label("Début").fill("22:00")
    page.get_by_label("Fin").fill("01:00")
    page.get_by_role("button", name="Ajouter le créneau").click()
    expect(page.get_by_role("status")).to_contain_text("22 h 00 – 1 h 00 le lendemain")
    check(page, axe)
    assert PresenceSlot.objects.filter(promeneur=promeneur).count() == 2

    # Absences: an end before the start refused, then today's absence.
    page.goto(live_server.url + "/tableau-de-bord/profil/absences/")
    check(page, axe)
    today = timezone.localdate()
    page.get_by_role("textbox", name=re.compile("^Du")).fill((today + datetime.timedelta(days=5)).isoformat())
    page.get_by_label("Au (inclus)").fill(today.isoformat())
    page.get_by_role("button", name="Déclarer l’absence").click()
    expect(page.get_by_text("La fin de l’absence ne peut pas précéder son début.")).to_be_visible()
    check(page, axe)
    page.get_by_role("textbox", name=re.compile("^Du")).fill(today.isoformat())
    page.get_by_label("Au (inclus)").fill((today + datetime.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Déclarer l’absence").click()
    expect(page.get_by_role("status")).to_contain_text("les demandes vont à vos collègues")
    expect(page.locator(".preview")).to_contain_text("Absent·e jusqu’au")
    check(page, axe)
    assert Absence.objects.filter(promeneur=promeneur).count() == 1

    # Hours spent online.
    page.goto(live_server.url + "/tableau-de-bord/profil/heures-en-ligne/")
    check(page, axe)
    page.get_by_label("Heures passées en ligne").fill("6,5")
    page.get_by_role("button", name="Enregistrer la semaine").click()
    expect(page.get_by_role("status")).to_contain_text("6,5 h enregistrées")
    check(page, axe)

    # The public profile says the promeneur is away and points to the colleague.
    page.goto(live_server.url + promeneur.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Absent·e jusqu’au")
    expect(page.get_by_role("link", name=re.compile("Hugo"))).to_be_visible()
    check(page, axe)


@pytest.mark.parametrize("width", WIDTHS)
def test_referent_coordinator_and_moderator_homes(live_server, page, axe, width):
    page.set_viewport_size({"width": width, "height": 800})
    structure = StructureFactory(name="MJC des Essais")
    away = PromeneurFactory(structure=structure, first_name="Théo")
    today = timezone.localdate()
    Absence.objects.create(promeneur=away, starts_on=today, ends_on=today + datetime.timedelta(days=3))
    ContactRequestFactory(structure=structure, assignee=away, status=RequestStatus.CLAIMED)
    ContactRequestFactory(structure=structure, created_at=timezone.now() - datetime.timedelta(days=3))
    # Théo is away and alone in the MJC: two structures nobody can answer for.
    StructureFactory(name="Structure sans personne", department=structure.department)
    referent = StructureMembershipFactory(structure=structure, user__email="referent@essais.test").user
    CoordinationFactory(department=structure.department, user__email="coordination@essais.test")
    UserFactory(email="moderation@essais.test", moderator=True)
    CommentFactory(pending=True)

    log_in(page, live_server, referent.email, fresh=True)
    expect(page.locator("main")).to_contain_text("absent·e jusqu’au")
    expect(page.get_by_role("link", name=re.compile("Réattribuer la demande"))).to_be_visible()
    check(page, axe)
    page.get_by_role("link", name=re.compile("Historique du profil")).first.click()
    check(page, axe)

    log_in(page, live_server, "coordination@essais.test", fresh=True)
    expect(page.get_by_role("heading", name="Santé du réseau")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Structures sans promeneur joignable : 2")
    check(page, axe)

    log_in(page, live_server, "moderation@essais.test", fresh=True)
    expect(page.get_by_role("heading", name="Commentaires à modérer : 1")).to_be_visible()
    check(page, axe)
