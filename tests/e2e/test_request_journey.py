"""In the browser: a promeneur logs in, finds a request in their structure's pool, claims it,
gets in contact, closes it with an outcome and reads the history; axe-core on every page."""

import re

import pytest
from playwright.sync_api import expect

from referrals.enums import RequestStatus
from referrals.models import AccessLog, ContactRequest
from tests.e2e.helpers import log_in
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "lea.promeneuse@structure.test"


def test_a_promeneur_claims_follows_and_closes_a_request(live_server, page, axe):
    structure = StructureFactory(name="Centre social La Source")
    promeneur = PromeneurFactory(structure=structure, first_name="Léa", user__email=EMAIL)
    theme = ThemeFactory(slug="theme-e2e", name="Scolarité et orientation (essai)")
    contact_request = ContactRequestFactory(structure=structure, is_urgent=True, themes=[theme])

    log_in(page, live_server, EMAIL)

    # The inbox: the request waits in the structure's pool, metadata only.
    page.goto(live_server.url + "/tableau-de-bord/demandes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de contact")
    assert axe(page) == []
    page.get_by_role("link", name=re.compile(r"À prendre en charge")).click()
    table = page.get_by_role("table", name="Demandes en attente dans la file de votre structure")
    expect(table).to_contain_text(contact_request.reference)
    expect(table).to_contain_text("Scolarité et orientation (essai)")
    expect(table).to_contain_text("Urgent")
    expect(page.locator("main")).not_to_contain_text(SECRET_MESSAGE)
    assert axe(page) == []

    # The request page: metadata and the claim button, no content yet.
    table.get_by_role("link", name=contact_request.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {contact_request.reference}")
    expect(page.locator("main")).not_to_contain_text(SECRET_MESSAGE)
    assert axe(page) == []
    assert not AccessLog.objects.exists()

    page.get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_role("status")).to_contain_text("Vous avez pris en charge la demande")
    expect(page.locator(".confidential-message")).to_have_text(SECRET_MESSAGE)
    assert axe(page) == []

    # In contact, then closing: without an outcome first (a French error), then with one.
    page.get_by_label("Nouveau statut").select_option(label="En contact avec le ou la jeune")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status")).to_contain_text("« En contact »")

    page.get_by_label("Nouveau statut").select_option(label="Clore la demande")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_text("Indiquez l’issue de la demande pour la clore.")).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Nouveau statut").select_option(label="Clore la demande")
    page.get_by_label("Issue (obligatoire pour clore)").select_option(label="Réglée en ligne")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status")).to_contain_text("« Close »")

    # The history: who, when, from → to.
    history = page.get_by_role("table", name=re.compile("Changements de la demande"))
    expect(history).to_contain_text("Nouvelle → Prise en charge")
    expect(history).to_contain_text("Prise en charge → En contact")
    expect(history).to_contain_text("En contact → Close")
    expect(history).to_contain_text(promeneur.user.get_full_name())
    assert axe(page) == []

    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.outcome, contact_request.assignee) == (
        RequestStatus.CLOSED,
        "resolved_online",
        promeneur,
    )
    assert ContactRequest.objects.get(pk=contact_request.pk).history.count() == 3
    assert AccessLog.objects.filter(user=promeneur.user, request=contact_request).exists()


def test_referent_and_coordinator_pages_have_no_accessibility_violation(live_server, page, axe):
    structure = StructureFactory(name="MJC du Pont")
    lea = PromeneurFactory(structure=structure, first_name="Léa")
    hugo = PromeneurFactory(structure=structure, first_name="Hugo")
    claimed = ContactRequestFactory(structure=structure, claimed=True, assignee=lea)
    ContactRequestFactory(structure=structure)
    AccessLog.objects.create(user=lea.user, request=claimed, reference=claimed.reference, structure=structure)
    referent = StructureMembershipFactory(structure=structure, user__email="referente@mjc.test").user
    CoordinationFactory(department=structure.department, user__email="coordination@caf.test")
    in_department_pool = ContactRequestFactory(department_pool=True, department=structure.department)

    # The referent: workload, access log, reassignment (a form with an error first).
    log_in(page, live_server, referent.email)
    page.goto(live_server.url + "/tableau-de-bord/structure/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Charge de travail de la structure")
    assert axe(page) == []
    page.get_by_role("link", name="Journal des consultations").click()
    expect(page.get_by_role("table")).to_contain_text(claimed.reference)
    assert axe(page) == []
    page.get_by_role("link", name=claimed.reference).click()
    expect(page.locator("main")).not_to_contain_text(SECRET_MESSAGE)
    page.get_by_role("button", name="Réattribuer").click()
    expect(
        page.get_by_text("Choisissez le promeneur ou la promeneuse à qui confier la demande.")
    ).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Confier la demande à").select_option(value=str(hugo.pk))
    page.get_by_label("Motif de la réattribution").fill("Congé de Léa")
    page.get_by_role("button", name="Réattribuer").click()
    expect(page.get_by_role("status")).to_contain_text(f"est confiée à {hugo.display_name}")
    claimed.refresh_from_db()
    assert claimed.assignee == hugo

    # The coordinator: the département pool, and dispatch to the structure.
    page.context.clear_cookies()
    log_in(page, live_server, "coordination@caf.test")
    page.goto(live_server.url + "/tableau-de-bord/departement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordination départementale")
    assert axe(page) == []
    page.get_by_role("link", name=f"Confier la demande {in_department_pool.reference}").click()
    expect(page.locator("main")).not_to_contain_text(SECRET_MESSAGE)
    page.get_by_role("button", name="Confier", exact=True).click()
    expect(page.get_by_text("Choisissez une structure ou un·e promeneur·se.")).to_be_visible()
    assert axe(page) == []
    page.get_by_label("À une structure (sa file d’attente)").select_option(
        label=f"{structure.name} ({structure.commune})"
    )
    page.get_by_role("button", name="Confier", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"est confiée à {structure.name}")
    in_department_pool.refresh_from_db()
    assert in_department_pool.structure == structure
