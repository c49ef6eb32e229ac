import csv
import datetime
import io

import pytest
from django.utils import timezone

from referrals.enums import Outcome, RequestStatus
from stats.enums import ActivityReportStatus
from stats.models import ActivityReport
from structures.models import Training, TrainingAttendance
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.stats.factories import ActivityReportFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def url(structure, action=""):
    return f"/tableau-de-bord/bilans/{structure.slug}/2025/" + (f"{action}/" if action else "")


@pytest.fixture
def structure():
    return StructureFactory(department=DepartmentFactory(code="24"))


@pytest.fixture
def referent(structure):
    return StructureMembershipFactory(structure=structure).user


@pytest.fixture
def coordinator():
    return CoordinationFactory(department=DepartmentFactory(code="24")).user


def test_referent_creates_a_prefilled_report(client, structure, referent):
    theme = ThemeFactory(slug="t-sante", name="Santé T")
    promeneur = PromeneurFactory(structure=structure)
    moment = timezone.make_aware(datetime.datetime(2025, 3, 3, 10))
    for _ in range(6):
        ContactRequestFactory(
            structure=structure,
            created_at=moment,
            themes=[theme],
            assignee=promeneur,
            status=RequestStatus.CLOSED,
            outcome=Outcome.MET,
            claimed_at=moment,
        )
    ContactRequestFactory(structure=structure, created_at=moment.replace(year=2024))
    training = Training.objects.create(title="Formation initiale", starts_on=datetime.date(2025, 2, 1))
    TrainingAttendance.objects.create(training=training, promeneur=promeneur)
    client.force_login(referent)

    assert "Créer le bilan 2025" in client.get(url(structure)).content.decode()
    response = client.post(url(structure, "creer"), follow=True)

    report = ActivityReport.objects.get(structure=structure, year=2025)
    assert report.status == ActivityReportStatus.DRAFT
    assert report.figures["requests"] == 6
    assert report.figures["themes"] == {"Santé T": 6}
    assert report.figures["outcomes"] == {"Rencontre en personne": 6}
    assert report.figures["trainings_attended"] == 1
    assert report.figures["orientations"] == {"sent": 0, "received": 0, "accepted": 0}
    content = response.content.decode()
    assert '<th scope="row">Demandes reçues</th><td class="number">6</td>' in content
    # The referent sees the structure's requests in the dashboard: its own report is exact.
    assert '<th scope="row">Participations à des formations</th><td class="number">1</td>' in content
    # CAF national staff do not see the metadata: the small count is suppressed for them; the
    # structure is the only one of its département, whose figure it is: hidden, not even "< 5".
    client.force_login(UserFactory(caf_staff=True))
    content = client.get(response.redirect_chain[-1][0]).content.decode()
    assert '<th scope="row">Participations à des formations</th><td class="number">masqué</td>' in content
    assert '<th scope="row">Participations à des formations</th><td class="number">1</td>' not in content


def test_life_of_a_report_draft_submitted_locked(client, structure, referent, coordinator):
    report = ActivityReportFactory(structure=structure)
    client.force_login(referent)
    # Submitting before completing it is refused, with a French message.
    response = client.post(url(structure, "transmettre"), follow=True)
    assert "Complétez les heures de présence en ligne" in response.content.decode()
    response = client.post(
        url(structure), {"hours_online": "120.5", "collective_actions": "4", "comments": "Bonne année."}
    )
    assert response.status_code == 302
    client.post(url(structure, "transmettre"))
    report.refresh_from_db()
    assert report.status == ActivityReportStatus.SUBMITTED
    assert report.submitted_by == referent
    # Submitted: the referent can no longer change it.
    client.post(url(structure), {"hours_online": "1", "collective_actions": "1", "comments": "Changé"})
    report.refresh_from_db()
    assert report.comments == "Bonne année."
    # The referent cannot lock it.
    assert client.post(url(structure, "verrouiller")).status_code == 404

    client.force_login(coordinator)
    client.post(url(structure, "verrouiller"))
    report.refresh_from_db()
    assert report.status == ActivityReportStatus.LOCKED
    assert report.locked_by == coordinator and report.locked_at is not None

    # Locked: read-only for everyone.
    for user in (referent, coordinator, UserFactory(caf_staff=True)):
        client.force_login(user)
        client.post(url(structure), {"hours_online": "9", "collective_actions": "9", "comments": "X"})
        client.post(url(structure, "renvoyer"), {"coordinator_comment": "À revoir"})
        client.post(url(structure, "transmettre"))
        client.post(url(structure, "recalculer"))
        report.refresh_from_db()
        assert report.status == ActivityReportStatus.LOCKED
        assert report.comments == "Bonne année."
        content = client.get(url(structure)).content.decode()
        assert "Ce bilan est verrouillé" in content
        assert "Enregistrer le brouillon" not in content


def test_coordinator_sends_a_report_back_to_draft_with_a_comment(client, structure, coordinator):
    report = ActivityReportFactory(
        structure=structure, status=ActivityReportStatus.SUBMITTED, hours_online=10, collective_actions=1
    )
    client.force_login(coordinator)
    response = client.post(url(structure, "renvoyer"), {"coordinator_comment": ""}, follow=True)
    assert "Dites au ou à la référent·e ce qu’il faut reprendre." in response.content.decode()
    client.post(url(structure, "renvoyer"), {"coordinator_comment": "Précisez les actions collectives."})
    report.refresh_from_db()
    assert report.status == ActivityReportStatus.DRAFT
    assert report.coordinator_comment == "Précisez les actions collectives."


@pytest.mark.parametrize("who", ["other_referent", "other_coordinator", "promeneur", "nobody"])
def test_users_outside_the_structure_get_404(client, structure, who):
    ActivityReportFactory(structure=structure)
    other = StructureFactory(department=DepartmentFactory(code="33"), postcode="33000")
    user = {
        "other_referent": lambda: StructureMembershipFactory(structure=other).user,
        "other_coordinator": lambda: CoordinationFactory(department=DepartmentFactory(code="33")).user,
        "promeneur": lambda: PromeneurFactory(structure=structure).user,
        "nobody": UserFactory,
    }[who]()
    client.force_login(user)
    for action in ("", "creer", "transmettre", "verrouiller", "renvoyer", "recalculer"):
        method = client.get if action == "" else client.post
        assert method(url(structure, action)).status_code == 404, action
    if who in ("promeneur", "nobody"):
        assert client.get("/tableau-de-bord/bilans/").status_code == 404
    if who != "other_coordinator":
        assert client.get("/tableau-de-bord/bilans/export.csv").status_code == 404


def test_anonymous_is_sent_to_login(client, structure):
    for path in ("/tableau-de-bord/bilans/", url(structure), "/tableau-de-bord/bilans/export.csv"):
        assert client.get(path).status_code == 302


def test_coordinator_sees_the_status_of_each_structure_of_their_departement(client, structure, coordinator):
    ActivityReportFactory(structure=structure, status=ActivityReportStatus.SUBMITTED)
    StructureFactory(name="MJC sans bilan", department=structure.department)
    StructureFactory(name="Structure girondine", department=DepartmentFactory(code="33"), postcode="33000")
    client.force_login(coordinator)
    content = client.get("/tableau-de-bord/bilans/", {"annee": 2025}).content.decode()
    assert "Transmis à la coordination" in content
    assert "MJC sans bilan" in content and "Non commencé" in content
    assert "Structure girondine" not in content


def test_export_of_the_departement_reports(client, structure, coordinator):
    ActivityReportFactory(structure=structure, hours_online="120.5", collective_actions=4, comments="RAS")
    ActivityReportFactory(
        structure=StructureFactory(department=DepartmentFactory(code="33"), postcode="33000")
    )
    client.force_login(coordinator)
    response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["Département", "Structure", "Type", "Année", "Statut", "Demandes reçues"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Structure"] == structure.name
    assert row["Demandes reçues"] == "12"
    # The coordinator's own départements: exact figures.
    assert row["Orientations envoyées"] == "2"
    assert row["Orientations reçues"] == "0"
    assert row["Heures en ligne"] == "120,5"
    assert row["Statut"] == "Brouillon"
    # CAF staff export every département.
    client.force_login(UserFactory(caf_staff=True))
    response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    # Beyond those who see the metadata, small counts are suppressed (the structure's 2 is its
    # département's whole figure: hidden, not even "< 5").
    row = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[1] == structure.name)
    assert row["Orientations envoyées"] == "masqué"
    assert row["Demandes reçues"] == "12"


def test_report_list_query_count_does_not_grow(client, django_assert_num_queries, coordinator, structure):
    client.force_login(coordinator)
    client.get("/tableau-de-bord/bilans/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/tableau-de-bord/bilans/", {"annee": 2025})
    assert len(few) == 9  # pinned: a new query shows here, even on a page of one row
    for _ in range(20):
        ActivityReportFactory(structure=StructureFactory(department=structure.department))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/tableau-de-bord/bilans/", {"annee": 2025})


def test_transmettre_refused_keeps_what_was_typed(client, structure, referent):
    report = ActivityReportFactory(structure=structure)
    client.force_login(referent)
    response = client.post(
        url(structure),
        {"action": "submit", "hours_online": "", "collective_actions": "7", "comments": "Écrit ici."},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Complétez les heures de présence en ligne avant de transmettre le bilan." in content
    assert 'value="7"' in content and "Écrit ici." in content
    report.refresh_from_db()
    assert report.status == ActivityReportStatus.DRAFT
    assert (report.collective_actions, report.comments) == (7, "Écrit ici.")

    response = client.post(
        url(structure),
        {"action": "submit", "hours_online": "12,5", "collective_actions": "7", "comments": "Écrit ici."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ActivityReportStatus.SUBMITTED
    assert str(report.hours_online) == "12.5"


def test_report_list_links_only_to_reports_that_exist(client, structure, coordinator, referent):
    started = StructureFactory(department=structure.department, name="MJC avec bilan")
    ActivityReportFactory(structure=started)
    client.force_login(coordinator)
    content = client.get("/tableau-de-bord/bilans/", {"annee": 2025}).content.decode()
    assert url(started) in content
    assert url(structure) not in content
    assert client.get(url(structure)).status_code == 404
    # The referent starts the report from its page: the link is there for them.
    client.force_login(referent)
    assert url(structure) in client.get("/tableau-de-bord/bilans/", {"annee": 2025}).content.decode()


def test_report_export_neutralises_formulas_and_opens_in_xlsx(client, structure, coordinator):
    ActivityReportFactory(structure=structure, hours_online="120.5", comments='=cmd|" /C calc"!A0')
    client.force_login(coordinator)
    response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert dict(zip(rows[0], rows[1], strict=True))["Commentaires"] == '\'=cmd|" /C calc"!A0'

    response = client.get("/tableau-de-bord/bilans/export.xlsx", {"annee": 2025})
    assert response.status_code == 200
    assert 'filename="bilans-2025.xlsx"' in response["Content-Disposition"]
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, line = ([cell.value for cell in row] for row in sheet.iter_rows())
    row = dict(zip(header, line, strict=True))
    assert row["Commentaires"] == '\'=cmd|" /C calc"!A0'
    assert row["Demandes reçues"] == 12
    # The coordinator sees these requests' metadata: exact counts, as numbers.
    assert row["Orientations envoyées"] == 2
    assert float(row["Heures en ligne"]) == 120.5
