"""A structure's report figures, as CAF national staff read them next to the département's other
reports and statistics: the report's page, its PDF, the export of the reports and the département's
consolidated PDF show the same cells, and no small count comes back by subtraction."""

import csv
import datetime
import html
import io
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.enums import Outcome, RequestStatus
from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL, hidden_values_are_safe
from stats.report_figures import COUNTS, suppress_reports
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.stats.factories import ActivityReportFactory
from tests.stats.test_documents import pdf_text
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

CANARY = 3
COUNT_LABELS = [label for _path, label in COUNTS]
VALUE = r"(< 5|masqué|—|\d+)"
RESOLVED, MET, ORIENTED = Outcome.RESOLVED_ONLINE.label, Outcome.MET.label, Outcome.ORIENTED.label


def figures(requests, sent, trainings, themes, outcomes):
    return {
        "requests": requests,
        "orientations": {"sent": sent, "received": 0, "accepted": 0},
        "trainings_attended": trainings,
        "themes": themes,
        "outcomes": outcomes,
    }


# Centre Y's 3s are the canary. With "< 5" alone, or with the columns suppressed in one document
# only, each comes back as the département's figure (the column's sum) minus the other two.
REPORTS = {
    "Centre X": figures(6, 6, 6, {"Loisirs": 6, "Santé": 12}, {RESOLVED: 6, MET: 14}),
    "Centre Y": figures(CANARY, CANARY, CANARY, {"Loisirs": CANARY, "Santé": 11}, {RESOLVED: CANARY, MET: 8}),
    "Centre Z": figures(20, 25, 9, {"Loisirs": 15, "Santé": 10}, {RESOLVED: 12, MET: 9}),
}


@pytest.fixture
def reports(dordogne):
    made = {}
    for name, report_figures in REPORTS.items():
        structure = StructureFactory(name=name, department=dordogne)
        made[name] = ActivityReportFactory(structure=structure, figures=report_figures)
    return made


def value_of(text):
    text = html.unescape(text).replace("\u202f", "")
    return int(text) if text.isdigit() else text


def page_values(client, report):
    """{label: shown value} of the report's page (counts, themes and outcomes)."""
    response = client.get(f"/tableau-de-bord/bilans/{report.structure.slug}/2025/")
    assert response.status_code == 200
    cells = re.findall(
        r'<th scope="row">([^<]*)</th><td class="number">([^<]*)</td>', response.content.decode()
    )
    return {html.unescape(label): value_of(value) for label, value in cells}


def pdf_values(client, report):
    text = pdf_text(client.get(f"/tableau-de-bord/bilans/{report.structure.slug}/2025/bilan.pdf"))
    labels = [*COUNT_LABELS, *report.figures["themes"], *report.figures["outcomes"]]
    found = {}
    for label in labels:
        (value,) = re.findall(re.escape(label) + " " + VALUE, text)
        found[label] = value_of(value)
    return found


def export_values(client):
    """{structure name: {label: shown value}} of the CSV export's count columns."""
    response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    columns = header[5:10]
    result = {}
    for row in rows[1:]:
        line = dict(zip(header, row, strict=True))
        result[line["Structure"]] = {
            label: value_of(line[column]) for label, column in zip(COUNT_LABELS, columns, strict=True)
        }
    return result


def consolidated_values(client, names):
    """{structure name: {label: shown value}} of the consolidated PDF (requests, orientations sent)."""
    text = pdf_text(client.get("/tableau-de-bord/bilans/rapport-departemental/24/2025.pdf"))
    result = {}
    for name in names:
        (values,) = re.findall(
            re.escape(name) + " Centre social, Périgueux Brouillon " + VALUE + " " + VALUE, text
        )
        result[name] = {COUNT_LABELS[0]: value_of(values[0]), COUNT_LABELS[1]: value_of(values[1])}
    return result


def every_place(client, reports):
    """{structure name: {place: {label: value}}} as the logged-in user reads them."""
    export = export_values(client)
    consolidated = consolidated_values(client, reports)
    return {
        name: {
            "page": page_values(client, report),
            "pdf": pdf_values(client, report),
            "export": export[name],
            "consolidated": consolidated[name],
        }
        for name, report in reports.items()
    }


def true_counts(report):
    found = report.figures
    return {
        **dict(
            zip(
                COUNT_LABELS,
                [
                    found["requests"],
                    found["orientations"]["sent"],
                    found["orientations"]["received"],
                    found["orientations"]["accepted"],
                    found["trainings_attended"],
                ],
                strict=True,
            )
        ),
        **found["themes"],
        **found["outcomes"],
    }


def assert_not_recoverable(columns_of_counts, columns_of_shown):
    """Down each column (a known total), the hidden cells stay undetermined; so do each report's
    outcomes along its row."""
    for label, counts in columns_of_counts.items():
        shown = columns_of_shown[label]
        if all(value == SECONDARY_LABEL for value in shown):
            continue  # the column hidden whole
        # A zero shown "masqué" is taken as known: the safe side.
        hidden = {
            i for i, value in enumerate(shown) if value in (SMALL_COUNT_LABEL, SECONDARY_LABEL) and counts[i]
        }
        assert hidden_values_are_safe(counts, hidden), (label, counts, shown)
        for count, value in zip(counts, shown, strict=True):
            if isinstance(value, int):
                assert value == count, (label, counts, shown)


def test_caf_staff_read_the_same_cells_everywhere_and_no_small_count_comes_back(client, reports):
    client.force_login(UserFactory(caf_staff=True))
    places = every_place(client, reports)

    # (a) the canary never shows as a number for its structure, anywhere.
    for place, values in places["Centre Y"].items():
        for label, value in values.items():
            assert value != CANARY and value != str(CANARY), (place, label)

    # (c) each cell reads the same in every place that shows it.
    merged = {}
    for name, by_place in places.items():
        for place, values in by_place.items():
            for label, value in values.items():
                merged.setdefault((name, label), {})[place] = value
    for cell, by_place in merged.items():
        assert len(set(by_place.values())) == 1, (cell, by_place)
    shown = {cell: next(iter(by_place.values())) for cell, by_place in merged.items()}

    # The example: X's 6 requests, hidden in the consolidated report to protect Y's 3,
    # are hidden on X's page and in the export as well.
    assert shown[("Centre X", "Demandes reçues")] == SECONDARY_LABEL
    assert shown[("Centre Y", "Demandes reçues")] == SMALL_COUNT_LABEL
    assert shown[("Centre Z", "Demandes reçues")] == 20
    # Down the outcomes too: X's 6 "réglées en ligne" hide with Y's 3, and Y's outcomes row then
    # hides its 8 (Y's outcomes add up to its closed requests). X's 14 "rencontres" hide as well:
    # shown, the column would give back Y's 8 (31 − 14 − 9), and Y's row its 3 (11 − 8).
    assert shown[("Centre X", RESOLVED)] == SECONDARY_LABEL
    assert shown[("Centre Y", MET)] == SECONDARY_LABEL
    assert shown[("Centre X", MET)] == SECONDARY_LABEL

    # (b) no hidden cell pinned down by subtraction from the département's figure (every
    # column's figure is shown on the statistics page: the département has no request).
    names = list(reports)
    labels = {label for name in names for (n, label) in shown if n == name}
    counts = {label: [true_counts(reports[name]).get(label, 0) for name in names] for label in labels}
    assert_not_recoverable(
        counts, {label: [shown.get((name, label), 0) for name in names] for label in labels}
    )
    for name in names:
        outcomes = reports[name].figures["outcomes"]
        row = [shown[(name, label)] for label in outcomes]
        hidden = {i for i, value in enumerate(row) if not isinstance(value, int)}
        assert hidden_values_are_safe(list(outcomes.values()), hidden)


def test_the_referent_and_the_coordinator_keep_their_exact_figures(client, reports, dordogne):
    report = reports["Centre X"]
    client.force_login(StructureMembershipFactory(structure=report.structure).user)
    values = page_values(client, report)
    assert values["Demandes reçues"] == 6 and values[RESOLVED] == 6 and values["Loisirs"] == 6

    client.force_login(CoordinationFactory(department=dordogne).user)
    assert page_values(client, reports["Centre Y"])["Demandes reçues"] == CANARY
    export = export_values(client)
    assert export["Centre X"]["Demandes reçues"] == 6
    assert export["Centre Y"]["Orientations envoyées"] == CANARY
    # The PDFs are made to be sent (to the CNAF): suppressed for everyone, the same cells.
    consolidated = consolidated_values(client, reports)
    assert consolidated["Centre X"]["Demandes reçues"] == SECONDARY_LABEL
    assert pdf_values(client, report)["Demandes reçues"] == SECONDARY_LABEL


def test_a_departement_figure_hidden_on_the_statistics_page_hides_its_column(client, reports, dordogne):
    """Two requests of the département oriented, two about « Santé », one orientation sent: the
    statistics page hides these figures from CAF staff, so no report of the département shows
    its share of them, large as it is."""
    structure = reports["Centre X"].structure
    promeneur = PromeneurFactory(structure=structure)
    health = ThemeFactory(slug="sante", name="Santé")
    moment = timezone.make_aware(datetime.datetime(2025, 4, 2, 10))
    for _ in range(2):
        ContactRequestFactory(
            structure=structure,
            created_at=moment,
            themes=[health],
            assignee=promeneur,
            claimed_at=moment,
            status=RequestStatus.CLOSED,
            outcome=Outcome.ORIENTED,
        )
    for name, report in reports.items():
        report.figures["outcomes"][ORIENTED] = {"Centre X": 6, "Centre Y": 7, "Centre Z": 30}[name]
        report.save()
    client.force_login(UserFactory(caf_staff=True))
    statistics = client.get("/tableau-de-bord/statistiques/", {"annee": 2025, "departement": "24"})
    content = statistics.content.decode()
    assert re.search(rf'<th scope="row">{ORIENTED}</th><td class="number">(&lt; 5|masqué)</td>', content)
    assert re.search(r'<th scope="row">Santé</th><td class="number">&lt; 5</td>', content)
    for report in reports.values():
        for values in (page_values(client, report), pdf_values(client, report)):
            assert values[ORIENTED] == SECONDARY_LABEL
            assert values["Santé"] == SECONDARY_LABEL
    # Loisirs has no request on the statistics page (a figure of 0, shown): the column rule only.
    assert page_values(client, reports["Centre Z"])["Loisirs"] == 15


def test_a_departement_of_one_structure(client, dordogne):
    """Its report's figures are the département's: a small one is hidden whole, not "< 5"."""
    report = ActivityReportFactory(
        structure=StructureFactory(name="Centre seul", department=dordogne),
        figures=figures(12, 2, 0, {"Loisirs": 12}, {RESOLVED: 9, MET: 3}),
    )
    client.force_login(UserFactory(caf_staff=True))
    places = every_place(client, {"Centre seul": report})["Centre seul"]
    for values in places.values():
        assert values["Demandes reçues"] == 12
        assert values["Orientations envoyées"] == SECONDARY_LABEL
    for place in ("page", "pdf"):
        assert places[place][MET] == SECONDARY_LABEL
        # The outcomes add up to the closed requests: the 9 goes with the 3.
        assert places[place][RESOLVED] == SECONDARY_LABEL
        assert places[place]["Loisirs"] == 12
        assert places[place]["Participations à des formations"] == 0


def test_a_column_of_zeros_stays_zero(client, reports):
    client.force_login(UserFactory(caf_staff=True))
    for by_place in every_place(client, reports).values():
        for place in ("page", "pdf", "export"):
            assert by_place[place]["Orientations reçues"] == 0
            assert by_place[place]["Orientations reçues et acceptées"] == 0


def test_export_query_count_does_not_grow_with_the_structures(client):
    departments = [DepartmentFactory(code="24"), DepartmentFactory(code="33")]

    def add_reports(n):
        for department in departments:
            for _ in range(n):
                ActivityReportFactory(structure=StructureFactory(department=department))

    add_reports(1)
    client.force_login(UserFactory(caf_staff=True))
    client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    with CaptureQueriesContext(connection) as few:
        assert client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025}).status_code == 200
    add_reports(15)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 2 * 16
    assert len(many) <= len(few)


class FakeReport:
    def __init__(self, pk, found):
        self.pk, self.figures = pk, found


def test_no_small_count_comes_back_in_random_departements():
    generator = random.Random(20261202)
    sizes = [0, 0, 1, 2, 3, 4, 5, 6, 8, 11, 20]
    for _ in range(300):
        reports = [
            FakeReport(
                pk,
                figures(
                    generator.choice(sizes),
                    generator.choice(sizes),
                    generator.choice(sizes),
                    {
                        name: generator.choice(sizes)
                        for name in ("Loisirs", "Santé")
                        if generator.random() < 0.8
                    },
                    {
                        label: generator.choice(sizes)
                        for label in (RESOLVED, MET, ORIENTED)
                        if generator.random() < 0.8
                    },
                ),
            )
            for pk in range(generator.randint(1, 4))
        ]
        shown = suppress_reports(reports)
        columns, shown_columns = {}, {}
        for report in reports:
            truth = true_counts(report)
            values = shown[report.pk]
            cells = dict(values.counts + values.themes + values.outcomes)
            for label in {label for other in reports for label in true_counts(other)}:
                columns.setdefault(label, []).append(truth.get(label, 0))
                shown_columns.setdefault(label, []).append(cells.get(label, 0))
            counts = list(report.figures["outcomes"].values())
            row = [cells[label] for label in report.figures["outcomes"]]
            hidden = {i for i, value in enumerate(row) if not isinstance(value, int) and counts[i]}
            if not all(value == SECONDARY_LABEL for value in row):
                assert hidden_values_are_safe(counts, hidden)
        assert_not_recoverable(columns, shown_columns)


def add_departments_with_reports(first_code, n_departments, n_reports, moment):
    """Départements with reports, requests (some outcomes and themes small) and orientations."""
    health = ThemeFactory(slug=f"sante-{first_code}", name=f"Santé {first_code}")
    for code in range(first_code, first_code + n_departments):
        department = DepartmentFactory(code=str(code))
        structures = [StructureFactory(department=department) for _ in range(n_reports)]
        for structure in structures:
            ActivityReportFactory(structure=structure)
        promeneur = PromeneurFactory(structure=structures[0])
        for outcome in (Outcome.ORIENTED, Outcome.MET, Outcome.MET):
            ContactRequestFactory(
                structure=structures[0],
                created_at=moment,
                themes=[health],
                assignee=promeneur,
                claimed_at=moment,
                status=RequestStatus.CLOSED,
                outcome=outcome,
            )


@pytest.mark.parametrize("refreshed", [False, True], ids=["from-requests", "from-monthly-figures"])
def test_export_query_count_does_not_grow_with_the_departements(client, django_assert_num_queries, refreshed):
    """The statistics' grids are read once for every département, not once per département."""
    from stats import aggregates

    moment = timezone.make_aware(datetime.datetime(2025, 4, 2, 10))
    client.force_login(UserFactory(caf_staff=True))

    def export():
        if refreshed:
            aggregates.refresh(full=True)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
        assert response.status_code == 200
        return len(queries), response

    add_departments_with_reports(10, 2, 1, moment)
    export()  # the session, the first time
    few, _response = export()
    add_departments_with_reports(20, 12, 4, moment)
    if refreshed:
        aggregates.refresh(full=True)
    with django_assert_num_queries(few):
        response = client.get("/tableau-de-bord/bilans/export.csv", {"annee": 2025})
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 2 * 1 + 12 * 4


@pytest.mark.parametrize("refreshed", [False, True], ids=["from-requests", "from-monthly-figures"])
def test_the_departements_hidden_columns_at_once_are_those_of_each_statistics_page(refreshed):
    """Read at once for every département, the hidden figures are those each département's
    statistics page shows CAF staff (read one département at a time)."""
    from stats import aggregates
    from stats.queries import Scope, figure_orientations, figure_requests_by_outcome, figure_requests_by_theme
    from stats.report_figures import ORIENTATION_ROWS, hidden_columns_by_department

    generator = random.Random(20261202)
    themes = [ThemeFactory(slug=f"theme-{i}", name=f"Thème {i}") for i in range(3)]
    moment = timezone.make_aware(datetime.datetime(2025, 4, 2, 10))
    departments = [DepartmentFactory(code=str(10 + i)) for i in range(6)]
    for department in departments:
        structure = StructureFactory(department=department)
        promeneur = PromeneurFactory(structure=structure)
        for _ in range(generator.randint(0, 14)):
            ContactRequestFactory(
                structure=structure,
                created_at=moment,
                themes=generator.sample(themes, generator.randint(0, 2)),
                assignee=promeneur,
                claimed_at=moment,
                status=RequestStatus.CLOSED,
                outcome=generator.choice([Outcome.ORIENTED, Outcome.MET, Outcome.RESOLVED_ONLINE]),
            )
    if refreshed:
        aggregates.refresh(full=True)
    refreshed_at = aggregates.last_refresh()
    at_once = hidden_columns_by_department(2025, refreshed_at)
    orientations = {label: key for key, label in ORIENTATION_ROWS.items()}
    hidden_somewhere = False
    for department in departments:
        scope = Scope(department_ids=frozenset({department.pk}), refreshed_at=refreshed_at)
        expected = set()
        for kind, figure in (
            ("outcome", figure_requests_by_outcome(scope, 2025)),
            ("theme", figure_requests_by_theme(scope, 2025)),
            ("count", figure_orientations(scope, 2025)),
        ):
            for label, (value, *_rest) in figure.rows:
                label = orientations.get(label) if kind == "count" else label
                if label is not None and not isinstance(value, int):
                    expected.add((kind, label))
        assert at_once.get(department.pk, frozenset()) == expected, department.code
        hidden_somewhere |= bool(expected)
    assert hidden_somewhere
