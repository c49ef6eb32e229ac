"""In the browser: the statistics page and the activity report pass axe-core."""

import re

from playwright.sync_api import expect

from tests.accounts.factories import UserFactory
from tests.e2e.helpers import BROWSER_TEST, log_in
from tests.referrals.factories import ContactRequestFactory
from tests.stats.factories import ActivityReportFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = BROWSER_TEST


def test_statistics_page_passes_axe(live_server, page, axe):
    structure = StructureFactory(department=DepartmentFactory(code="24"))
    for _ in range(6):
        ContactRequestFactory(structure=structure)
    CoordinationFactory(department=structure.department, user=UserFactory(email="coord@caf.test"))
    log_in(page, live_server, "coord@caf.test")
    page.goto(live_server.url + "/tableau-de-bord/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    chart = page.get_by_role("img", name=re.compile("Graphique : Demandes reçues par mois"))
    expect(chart).to_be_visible()
    # The SVG is a separate request: wait until it has loaded (and fail if it never does).
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    assert axe(page) == []


def test_report_pages_pass_axe(live_server, page, axe):
    structure = StructureFactory(department=DepartmentFactory(code="24"))
    StructureMembershipFactory(structure=structure, user=UserFactory(email="ref@structure.test"))
    ActivityReportFactory(structure=structure, year=2025)
    log_in(page, live_server, "ref@structure.test")
    page.goto(f"{live_server.url}/tableau-de-bord/bilans/{structure.slug}/2025/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan d’activité 2025")
    page.get_by_label("Heures de présence en ligne dans l’année").fill("-5")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    assert axe(page) == []
    page.get_by_label("Heures de présence en ligne dans l’année").fill("120")
    page.get_by_label("Actions collectives menées").fill("3")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.get_by_role("button", name="Transmettre à la coordination").click()
    expect(page.get_by_text("Le bilan est transmis")).to_be_visible()
    assert axe(page) == []
    page.goto(f"{live_server.url}/tableau-de-bord/bilans/?annee=2025")
    assert axe(page) == []
