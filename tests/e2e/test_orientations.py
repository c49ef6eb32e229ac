"""In the browser: a promeneur orients a young person, the target structure's referent declines it."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from referrals.enums import DeclineReason, OrientationStatus, RequestStatus
from referrals.models import Orientation
from tests.accounts.factories import UserFactory
from tests.e2e.helpers import BROWSER_TEST, log_in
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.structures.factories import (
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = BROWSER_TEST

ASSIGNEE_EMAIL = "promeneuse@centre-social.test"
REFERENT_EMAIL = "referente@mission-locale.test"
SUMMARY = "Jeune de 16 ans qui cherche un stage : à recevoir pour un premier rendez-vous."


def test_promeneur_orients_and_the_target_referent_declines(live_server, page, axe):
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    sending = StructureFactory(name="Centre social de Périgueux", department=dordogne)
    receiving = StructureFactory(
        name="Mission locale de Bordeaux", commune="Bordeaux", postcode="33000", department=gironde
    )
    StructureFactory(name="MJC de Bergerac", department=dordogne)
    assignee = PromeneurFactory(structure=sending, user=UserFactory(email=ASSIGNEE_EMAIL))
    StructureMembershipFactory(structure=receiving, user=UserFactory(email=REFERENT_EMAIL))
    contact_request = ContactRequestFactory(
        structure=sending, assignee=assignee, status=RequestStatus.IN_CONTACT, claimed_at=timezone.now()
    )

    # The assignee opens the orientation form.
    log_in(page, live_server, ASSIGNEE_EMAIL)
    page.goto(f"{live_server.url}/tableau-de-bord/demandes/{contact_request.uuid}/orienter/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Orienter le ou la jeune vers une autre structure"
    )
    assert SECRET_MESSAGE not in page.content()
    assert axe(page) == []

    # Sent without the young person's agreement: a French error, the input kept.
    page.get_by_label("Structure vers laquelle orienter").select_option(str(receiving.pk))
    page.get_by_label("Votre résumé de la situation").fill(SUMMARY)
    page.get_by_label("Je ne transmets que les informations nécessaires", exact=False).check()
    page.get_by_role("button", name="Envoyer l’orientation").click()

    expect(page.get_by_role("alert")).to_contain_text("l’accord du ou de la jeune est indispensable")
    expect(page.get_by_label("Votre résumé de la situation")).to_have_value(SUMMARY)
    expect(page.get_by_label("Je ne transmets que les informations nécessaires", exact=False)).to_be_checked()
    assert not Orientation.objects.exists()
    assert axe(page) == []

    # With the agreement, it is sent.
    page.get_by_label("Le ou la jeune est d’accord", exact=False).check()
    page.get_by_role("button", name="Envoyer l’orientation").click()

    expect(page).to_have_url(re.compile(r"/tableau-de-bord/orientations/[0-9a-f-]+/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "L’orientation vers Mission locale de Bordeaux est envoyée"
    )
    orientation = Orientation.objects.get()
    assert orientation.to_structure == receiving
    assert axe(page) == []

    # The target structure's referent finds it among the orientations received.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server, REFERENT_EMAIL)
    page.goto(live_server.url + "/tableau-de-bord/orientations/")
    received = page.get_by_role("region", name=re.compile("^Reçues"))
    expect(received).to_contain_text(contact_request.reference)
    expect(received).to_contain_text(SUMMARY)
    expect(received).to_contain_text("Proposée")
    assert SECRET_MESSAGE not in page.content()
    assert axe(page) == []

    received.get_by_role("link", name=contact_request.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Orientation de la demande {contact_request.reference}"
    )
    assert SECRET_MESSAGE not in page.content()
    assert axe(page) == []

    # Declining without a reason is refused, clearly.
    page.get_by_role("button", name="Décliner l’orientation").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif du refus")
    assert axe(page) == []

    page.get_by_label("Motif du refus", exact=False).select_option(DeclineReason.OUT_OF_AREA)
    page.get_by_role("button", name="Décliner l’orientation").click()

    expect(page.get_by_role("status")).to_contain_text("Vous avez décliné l’orientation")
    expect(page.locator("main")).to_contain_text("Hors de notre territoire")
    expect(page.get_by_role("button", name="Accepter l’orientation")).to_have_count(0)
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.DECLINED
    assert orientation.decline_reason == DeclineReason.OUT_OF_AREA
    assert axe(page) == []
