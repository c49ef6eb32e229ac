"""Reports as PDF documents: they render, say what the portal says, and hide small counts."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.stats.factories import ActivityReportFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def pdf_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    # Words as they read, whatever the line breaks of the layout.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def structure(dordogne):
    return StructureFactory(name="Centre social Ruban Vert", department=dordogne)


@pytest.fixture
def coordinator(dordogne):
    return CoordinationFactory(department=dordogne).user


def test_structure_report_pdf_has_its_figures_and_hides_small_counts(client, structure):
    report = ActivityReportFactory(
        structure=structure,
        hours_online="120.5",
        collective_actions=4,
        comments="Une année riche en ateliers.",
    )
    client.force_login(StructureMembershipFactory(structure=structure).user)
    page = client.get(f"/tableau-de-bord/bilans/{structure.slug}/2025/").content.decode()
    url = f"/tableau-de-bord/bilans/{structure.slug}/2025/bilan.pdf"
    assert url in page
    text = pdf_text(client.get(url))
    assert "Bilan d’activité 2025" in text
    assert "Centre social Ruban Vert" in text
    assert "Une année riche en ateliers." in text
    # The factory's figures: 12 requests, 2 orientations sent (suppressed), none received.
    assert "12" in text
    assert "< 5" in text
    assert report.figures["orientations"]["sent"] == 2
    assert "Orientations envoyées 2" not in text


def test_structure_report_pdf_does_not_exist_before_the_report(client, structure, coordinator):
    client.force_login(coordinator)
    assert client.get(f"/tableau-de-bord/bilans/{structure.slug}/2025/bilan.pdf").status_code == 404


def test_department_report_pdf_has_structures_figures_and_charts(client, structure, coordinator, dordogne):
    ActivityReportFactory(structure=structure)
    StructureFactory(name="MJC sans bilan", department=dordogne)
    moment = timezone.make_aware(datetime.datetime(2025, 3, 3, 10))
    for _ in range(7):
        ContactRequestFactory(structure=structure, created_at=moment)
    ContactRequestFactory(structure=structure, created_at=moment.replace(month=5))
    client.force_login(coordinator)
    listing = client.get("/tableau-de-bord/bilans/", {"annee": 2025}).content.decode()
    url = "/tableau-de-bord/bilans/rapport-departemental/24/2025.pdf"
    assert url in listing
    response = client.get(url)
    text = pdf_text(response)
    assert "Rapport départemental 2025" in text
    assert "Centre social Ruban Vert" in text and "MJC sans bilan" in text
    assert "Non commencé" in text
    assert "Demandes reçues par mois" in text
    assert "< 5" in text
    # The charts are embedded as vector images (SVG drawn into the PDF), not fetched.
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2


@pytest.mark.parametrize("who", ["other_coordinator", "referent", "promeneur"])
def test_department_report_is_404_outside_the_departement(client, structure, who):
    users = {
        "other_coordinator": lambda: CoordinationFactory(department=DepartmentFactory(code="33")).user,
        "referent": lambda: StructureMembershipFactory(structure=structure).user,
        "promeneur": lambda: UserFactory(),
    }
    client.force_login(users[who]())
    assert client.get("/tableau-de-bord/bilans/rapport-departemental/24/2025.pdf").status_code == 404


def test_caf_staff_choose_the_departement_of_the_report(client, structure):
    client.force_login(UserFactory(caf_staff=True))
    response = client.get(
        "/tableau-de-bord/bilans/rapport-departemental/",
        {"rapport-departement": "24", "rapport-annee": "2025"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/tableau-de-bord/bilans/rapport-departemental/24/2025.pdf"
    assert "Rapport départemental 2025" in pdf_text(client.get(response["Location"]))


def test_department_report_hides_a_structure_count_that_subtraction_would_give_back(
    client, coordinator, dordogne
):
    """3 + 10 + 12 requests: "< 5" alone would give the 3 back from the département's total (25)."""
    for name, requests in [("Centre A", 3), ("Centre B", 10), ("Centre C", 12)]:
        figures = {
            "requests": requests,
            "themes": {},
            "outcomes": {},
            "orientations": {},
            "trainings_attended": 0,
        }
        ActivityReportFactory(structure=StructureFactory(name=name, department=dordogne), figures=figures)
    client.force_login(coordinator)
    text = pdf_text(client.get("/tableau-de-bord/bilans/rapport-departemental/24/2025.pdf"))
    # The second smallest count is hidden with the small one; the largest stays readable.
    assert "Centre A Centre social, Périgueux Brouillon < 5" in text
    assert "Centre B Centre social, Périgueux Brouillon masqué" in text
    assert "Centre C Centre social, Périgueux Brouillon 12" in text


def test_structure_report_outcomes_are_suppressed_together(client, structure):
    figures = {
        "requests": 20,
        "themes": {},
        "outcomes": {"Résolue en ligne": 14, "Orientée": 3, "Rencontre": 6},
        "orientations": {},
        "trainings_attended": 0,
    }
    ActivityReportFactory(structure=structure, figures=figures)
    # Another structure of the département, so that the columns (read down the département's
    # reports) need nothing more hidden in this report.
    other = {**figures, "outcomes": {"Résolue en ligne": 30, "Orientée": 12, "Rencontre": 20}}
    ActivityReportFactory(structure=StructureFactory(department=structure.department), figures=other)
    client.force_login(StructureMembershipFactory(structure=structure).user)
    text = pdf_text(client.get(f"/tableau-de-bord/bilans/{structure.slug}/2025/bilan.pdf"))
    assert "Orientée < 5" in text
    assert "Rencontre masqué" in text
    assert "Résolue en ligne 14" in text
