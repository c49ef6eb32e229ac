import csv
import datetime
import io

import pytest
from django.utils import timezone
from freezegun import freeze_time

from referrals.enums import AgeBracket, Channel, OrientationStatus, Outcome, RequestStatus
from stats.privacy import protect
from stats.queries import Scope, claim_delays, figure_online_hours, figure_requests_by_month
from structures.enums import Funder, StructureKind
from tests.accounts.factories import UserFactory
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory, OrientationFactory
from tests.structures.factories import (
    ConventionFactory,
    CoordinationFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

URL = "/tableau-de-bord/statistiques/"
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def at(year, month, day=10, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def requests_in(structure, n, month=3, year=2025, **kwargs):
    return [
        ContactRequestFactory(structure=structure, created_at=at(year, month), **kwargs) for _ in range(n)
    ]


def table_value(content, figure_slug, label):
    """The text of the first value cell of the row `label` in the table of `figure_slug`."""
    section = content.split(f'id="{figure_slug}"', 1)[1].split("</section>", 1)[0]
    row = section.split(f'<th scope="row">{label}</th>', 1)[1].split("</tr>", 1)[0]
    return row.split(">", 1)[1].split("<", 1)[0]


def read_csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# --- Privacy helper ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shown"), [(0, 0), (1, "< 5"), (4, "< 5"), (5, 5), (7, 7), (1234, 1234), (None, None)]
)
def test_protect_hides_counts_from_one_to_four(count, shown):
    assert protect(count) == shown


# --- Access by role ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["promeneur", "moderator", "nobody"])
def test_users_without_statistics_get_404(client, kind):
    if kind == "promeneur":
        user = PromeneurFactory().user
    else:
        user = UserFactory(is_moderator=kind == "moderator")
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "graphiques/demandes-par-mois.svg").status_code == 404
    assert client.get(URL, {"format": "csv", "figure": "demandes-par-mois"}).status_code == 404


def test_scope_per_role(client, dordogne, gironde):
    perigueux = StructureFactory(department=dordogne)
    bergerac = StructureFactory(department=dordogne)
    bordeaux = StructureFactory(department=gironde, postcode="33000", commune="Bordeaux")
    requests_in(perigueux, 6)
    requests_in(bergerac, 7)
    requests_in(bordeaux, 9)
    params = {"annee": 2025}

    def march(user, **extra):
        client.force_login(user)
        response = client.get(URL, {**params, **extra})
        assert response.status_code == 200
        assert SECRET_MESSAGE not in response.content.decode()
        return table_value(response.content.decode(), "demandes-par-mois", "mars")

    assert march(UserFactory(caf_staff=True)) == "22"
    assert march(UserFactory(caf_staff=True), departement="33") == "9"
    assert march(UserFactory(is_superuser=True), departement="24") == "13"
    coordinator_24 = CoordinationFactory(department=dordogne).user
    assert march(coordinator_24) == "13"
    # A coordinator cannot pick another département: the filter is refused and their own scope stays.
    assert march(coordinator_24, departement="33") == "13"
    assert march(CoordinationFactory(department=gironde).user) == "9"
    referent = StructureMembershipFactory(structure=bergerac).user
    assert march(referent) == "7"


# --- Figures against hand-computed fixtures ------------------------------------------------------


def test_figures_computed_by_hand(client, dordogne):
    structure = StructureFactory(department=dordogne, kind=StructureKind.MJC)
    loisirs, ecole = (
        ThemeFactory(slug="t-loisirs", name="Loisirs T"),
        ThemeFactory(slug="t-ecole", name="École T"),
    )
    # 7 requests in March (all "Loisirs T", 5 of them also "École T"), 3 in April.
    march = requests_in(structure, 7, themes=[loisirs])
    for r in march[:5]:
        r.themes.add(ecole)
    requests_in(structure, 3, month=4, channel=Channel.SMS, age_bracket=AgeBracket.AGE_18_21)
    # Outcomes: 6 closed as resolved online.
    promeneur = PromeneurFactory(structure=structure)
    for r in march[:6]:
        r.assignee, r.status, r.outcome = promeneur, RequestStatus.CLOSED, Outcome.RESOLVED_ONLINE
        r.claimed_at = r.created_at + datetime.timedelta(hours=10 * (march.index(r) + 1))
        r.save()
    # A request of another year does not count.
    requests_in(structure, 1, year=2024)
    PresenceSlotFactory(promeneur=promeneur, start=datetime.time(14), end=datetime.time(17), weekday=2)
    PresenceSlotFactory(promeneur=promeneur, start=datetime.time(22), end=datetime.time(1), weekday=4)
    ConventionFactory(structure=structure, year=2025, amount="1700.00")
    ConventionFactory(structure=structure, year=2025, funder=Funder.MSA, amount="300.00")
    # The coordinator of the département: exact figures.
    client.force_login(CoordinationFactory(department=dordogne).user)

    content = client.get(URL, {"annee": 2025}).content.decode()

    assert table_value(content, "demandes-par-mois", "mars") == "7"
    assert table_value(content, "demandes-par-mois", "avril") == "3"
    assert table_value(content, "demandes-par-mois", "mai") == "0"
    assert table_value(content, "demandes-par-theme", "Loisirs T") == "7"
    assert table_value(content, "demandes-par-theme", "École T") == "5"
    assert table_value(content, "demandes-par-canal", "E-mail") == "7"
    assert table_value(content, "demandes-par-canal", "SMS") == "3"
    assert table_value(content, "demandes-par-age", "15 à 17 ans") == "7"
    assert table_value(content, "demandes-par-issue", "Réglée en ligne") == "6"
    # Claim delays 10, 20, …, 60 hours: median 35 h, 90th percentile 55 h.
    assert table_value(content, "delai-de-prise-en-charge", "Demandes prises en charge") == "6"
    assert table_value(content, "delai-de-prise-en-charge", "Délai médian (heures)") == "35,0"
    assert table_value(content, "delai-de-prise-en-charge", "Délai du 90ᵉ centile (heures)") == "55,0"
    # 3 h on Wednesday, 3 h from Friday 22:00 to 01:00.
    assert table_value(content, "heures-en-ligne", "mercredi") == "3,0"
    assert table_value(content, "heures-en-ligne", "vendredi") == "3,0"
    assert table_value(content, "heures-en-ligne", "Total par semaine") == "6,0"
    assert table_value(content, "financements", "2025") == "1\u202f700"
    assert table_value(content, "structures-par-type", "Maison des jeunes et de la culture") == "1"
    assert table_value(content, "promeneurs", "Labellisé·e, compte actif".replace("e, ", "es, ")) == "1"

    # CAF national staff, on the same département: small counts and their complements hidden.
    client.force_login(UserFactory(caf_staff=True))
    content = client.get(URL, {"annee": 2025, "departement": "24"}).content.decode()
    assert table_value(content, "demandes-par-mois", "mars") == "masqué"
    assert table_value(content, "demandes-par-mois", "avril") == "&lt; 5"
    assert table_value(content, "demandes-par-mois", "mai") == "0"
    assert table_value(content, "demandes-par-canal", "SMS") == "&lt; 5"
    assert table_value(content, "demandes-par-canal", "E-mail") == "masqué"
    assert table_value(content, "demandes-par-theme", "Loisirs T") == "7"
    assert table_value(content, "structures-par-type", "Maison des jeunes et de la culture") == "&lt; 5"
    assert table_value(content, "promeneurs", "Labellisé·e, compte actif".replace("e, ", "es, ")) == "&lt; 5"


def test_claim_delays_with_few_requests_are_hidden(client, dordogne):
    structure = StructureFactory(department=dordogne)
    for r in requests_in(structure, 3, claimed=True):
        r.claimed_at = r.created_at + datetime.timedelta(hours=2)
        r.save()
    client.force_login(UserFactory(caf_staff=True))
    content = client.get(URL, {"annee": 2025}).content.decode()
    assert table_value(content, "delai-de-prise-en-charge", "Demandes prises en charge") == "&lt; 5"
    assert table_value(content, "delai-de-prise-en-charge", "Délai médian (heures)") == "—"


def test_claim_delay_percentiles_interpolate(dordogne):
    structure = StructureFactory(department=dordogne)
    for hours in (1, 2, 3, 4, 100):
        r = ContactRequestFactory(structure=structure, created_at=at(2025, 5), claimed=True)
        r.claimed_at = r.created_at + datetime.timedelta(hours=hours)
        r.save()
    n, median, p90 = claim_delays(Scope(), 2025)
    assert n == 5
    assert median == datetime.timedelta(hours=3)
    # Rank 0.9 × 4 = 3.6: 4 h + 0.6 × (100 − 4) h.
    assert p90 == datetime.timedelta(hours=4 + 0.6 * 96)


def test_orientations_sent_received_accepted(client, dordogne, gironde):
    mine = StructureFactory(department=dordogne)
    other = StructureFactory(department=gironde, postcode="33000")
    request = ContactRequestFactory(structure=mine, claimed=True, created_at=at(2025, 2))
    for _ in range(6):
        OrientationFactory(request=request, from_structure=mine, to_structure=other, created_at=at(2025, 2))
    back = ContactRequestFactory(structure=other, claimed=True)
    for _ in range(5):
        OrientationFactory(
            request=back,
            from_structure=other,
            to_structure=mine,
            created_at=at(2025, 3),
            status=OrientationStatus.ACCEPTED,
        )
    client.force_login(CoordinationFactory(department=dordogne).user)
    content = client.get(URL, {"annee": 2025}).content.decode()
    assert table_value(content, "orientations", "Envoyées") == "6"
    assert table_value(content, "orientations", "Reçues") == "5"
    assert table_value(content, "orientations", "Reçues et acceptées") == "5"


def test_month_figure_respects_paris_time(dordogne):
    structure = StructureFactory(department=dordogne)
    # 31 March 23:30 in Paris is 21:30 UTC: still March.
    ContactRequestFactory(
        structure=structure, created_at=datetime.datetime(2025, 3, 31, 21, 30, tzinfo=datetime.UTC)
    )
    figure = figure_requests_by_month(Scope(exact=True), 2025)
    assert dict(figure.rows)["mars"] == [1]
    assert dict(figure.rows)["avril"] == [0]


def test_online_hours_count_only_labelled_active_promeneurs(dordogne):
    PresenceSlotFactory(promeneur=PromeneurFactory(candidate=True))
    PresenceSlotFactory(promeneur=PromeneurFactory(user=UserFactory(is_active=False)))
    PresenceSlotFactory()
    assert dict(figure_online_hours(Scope(), 2025).rows)["Total par semaine"] == [3.0]


# --- CSV and charts ---------------------------------------------------------------------------------


def test_csv_export_of_a_figure_suppresses_small_counts(client, dordogne):
    structure = StructureFactory(department=dordogne)
    requests_in(structure, 7)
    requests_in(structure, 3, month=4)
    client.force_login(StructureMembershipFactory(structure=structure).user)
    response = client.get(URL, {"annee": 2025, "format": "csv", "figure": "demandes-par-mois"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="demandes-par-mois-2025.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Mois", "Demandes"]
    # The referent sees these requests in the dashboard: exact figures.
    assert ["mars", "7"] in rows
    assert ["avril", "3"] in rows
    assert ["mai", "0"] in rows
    assert len(rows) == 13
    # National staff: April is small, and March is hidden too, or 10 − 7 would give it back.
    client.force_login(UserFactory(caf_staff=True))
    rows = read_csv(client.get(URL, {"annee": 2025, "format": "csv", "figure": "demandes-par-mois"}))
    assert ["avril", "< 5"] in rows
    assert ["mars", "masqué"] in rows
    assert ["mai", "0"] in rows


def test_csv_of_unknown_figure_is_404(client):
    client.force_login(UserFactory(caf_staff=True))
    assert client.get(URL, {"format": "csv", "figure": "<script>"}).status_code == 404


def test_chart_is_an_svg_without_script_and_hides_small_counts(client, dordogne):
    structure = StructureFactory(department=dordogne)
    requests_in(structure, 3)
    client.force_login(UserFactory(caf_staff=True))
    response = client.get(URL + "graphiques/demandes-par-mois.svg", {"annee": 2025})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<script" not in svg.lower()
    # The bar of a count below 5 is not drawn: pygal writes no value for it.
    assert ">3<" not in svg
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_page_has_no_inline_script_or_style_and_links_charts(client):
    client.force_login(UserFactory(caf_staff=True))
    content = client.get(URL).content.decode()
    assert "<script" not in content
    assert "style=" not in content
    assert content.count("<h1") == 1
    assert 'src="/tableau-de-bord/statistiques/graphiques/demandes-par-mois.svg?annee=' in content
    assert 'alt="Graphique : Demandes reçues par mois' in content
    assert "format=csv&amp;figure=financements" in content


def test_bad_filters_do_not_break_the_page(client):
    client.force_login(UserFactory(caf_staff=True))
    response = client.get(URL, {"annee": "19\x00<b>", "departement": "zz" * 500})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------------


def _populate(structure, n):
    theme = ThemeFactory(slug="t-q", name="Thème Q")
    promeneur = PromeneurFactory(structure=structure)
    for r in requests_in(structure, n, themes=[theme]):
        r.assignee, r.status, r.claimed_at = promeneur, RequestStatus.CLAIMED, r.created_at
        r.save()
    PresenceSlotFactory(promeneur=promeneur)
    ConventionFactory(structure=structure, year=2025)


@pytest.mark.parametrize("role", ["caf", "coordinator", "referent"])
def test_statistics_query_count_does_not_grow(client, django_assert_num_queries, dordogne, role):
    structure = StructureFactory(department=dordogne)
    user = {
        "caf": lambda: UserFactory(caf_staff=True),
        "coordinator": lambda: CoordinationFactory(department=dordogne).user,
        "referent": lambda: StructureMembershipFactory(structure=structure).user,
    }[role]()
    client.force_login(user)
    _populate(structure, 1)
    client.get(URL, {"annee": 2025})  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"annee": 2025})
    # Pinned. On SQLite the claim delays' percentiles take two more queries (no PERCENTILE_CONT).
    extra = {"postgresql": 0, "sqlite": 2}[connection.vendor]
    # CAF staff: eight more, every département's counts of the request tables, the claimed requests
    # and the orientations (privacy.py, rule 3).
    assert len(few) == {"caf": 27, "coordinator": 20, "referent": 19}[role] + extra
    _populate(StructureFactory(department=dordogne), 0)
    for r in requests_in(structure, 30):
        r.themes.add(*ThemeFactory.create_batch(2))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"annee": 2025})
    assert response.status_code == 200


@freeze_time("2025-06-01 12:00:00")
def test_default_year_is_the_current_one(client):
    client.force_login(UserFactory(caf_staff=True))
    assert "Demandes reçues par mois en 2025" in client.get(URL).content.decode()


def test_answers_to_did_it_help_are_counted_among_closed_requests(client, dordogne):
    structure = StructureFactory(department=dordogne)
    promeneur = PromeneurFactory(structure=structure)
    closed = requests_in(structure, 7)
    for r, answer in zip(closed, ["oui"] * 5 + ["un_peu", ""], strict=True):
        r.assignee, r.status, r.outcome, r.helpfulness = promeneur, RequestStatus.CLOSED, Outcome.MET, answer
        r.save()
    # An open request is not asked, whatever its field says.
    requests_in(structure, 5, helpfulness="non")
    # The coordinator of the département sees exact figures…
    client.force_login(CoordinationFactory(department=dordogne).user)
    content = client.get(URL, {"annee": 2025}).content.decode()
    assert table_value(content, "ca-a-aide", "Oui") == "5"
    assert table_value(content, "ca-a-aide", "Un peu") == "1"
    assert table_value(content, "ca-a-aide", "Non") == "0"
    assert table_value(content, "ca-a-aide", "Pas de réponse") == "1"

    # …national staff get them through the suppression rule: no small count comes back.
    client.force_login(UserFactory(caf_staff=True))
    content = client.get(URL, {"annee": 2025, "departement": "24"}).content.decode()
    assert table_value(content, "ca-a-aide", "Un peu") != "1"


def test_xlsx_export_of_a_figure_keeps_numbers_and_suppresses_small_counts(client, dordogne):
    import openpyxl

    structure = StructureFactory(department=dordogne)
    requests_in(structure, 7)
    requests_in(structure, 3, month=4)
    client.force_login(StructureMembershipFactory(structure=structure).user)
    response = client.get(URL, {"annee": 2025, "format": "xlsx", "figure": "demandes-par-mois"})
    assert response.status_code == 200
    assert 'filename="demandes-par-mois-2025.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Mois", "Demandes"]
    # The referent: exact figures, as numbers.
    assert ["mars", 7] in rows and ["avril", 3] in rows and ["mai", 0] in rows
    # National staff: the same suppression as the page, the suppressed cells as text.
    client.force_login(UserFactory(caf_staff=True))
    response = client.get(URL, {"annee": 2025, "format": "xlsx", "figure": "demandes-par-mois"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["avril", "< 5"] in rows and ["mars", "masqué"] in rows and ["mai", 0] in rows
