"""Secondary suppression: no hidden small count can be recovered by subtraction; exact figures for
those who already see the requests' metadata (a structure's referent, the département's coordinator)."""

import csv
import datetime
import io
import itertools
import random

import pytest
from django.utils import timezone

from referrals.enums import Outcome, RequestStatus
from stats import aggregates
from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL, suppress, suppress_across_departments
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

URL = "/tableau-de-bord/statistiques/"
ADDITIVE = ["demandes-par-mois", "demandes-par-age", "demandes-par-canal", "demandes-par-issue"]
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def feasible_values(shown, total, anything=()):
    """What an attacker who knows the total, every shown cell and the rule can say of each hidden
    cell: the set of values it can take in some table consistent with what is shown. The cells of
    `anything` (from a table hidden whole) may be any number."""
    every_cell_hidden = all(v == SECONDARY_LABEL for v in shown)
    domains = []
    for i, value in enumerate(shown):
        if value == SMALL_COUNT_LABEL:
            domains.append(range(1, 5))
        elif value == SECONDARY_LABEL:
            domains.append(range(0 if every_cell_hidden or i in anything else 5, total + 1))
        else:
            domains.append([int(value)])
    possible = [set() for _ in shown]
    for table in itertools.product(*domains):
        if sum(table) == total:
            for i, v in enumerate(table):
                possible[i].add(v)
    return possible


def assert_no_small_count_recoverable(counts, shown, anything=()):
    possible = feasible_values(shown, sum(counts), anything)
    for i, count in enumerate(counts):
        if 0 < count < 5:
            assert shown[i] in (SMALL_COUNT_LABEL, SECONDARY_LABEL), (counts, shown)
            assert len(possible[i]) > 1, f"cell {i} of {counts} recovered from {shown}"


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([7, 3, 0], [SECONDARY_LABEL, SMALL_COUNT_LABEL, 0]),
        ([20, 1, 9], [20, SMALL_COUNT_LABEL, SECONDARY_LABEL]),
        ([20, 5, 9, 1], [20, SECONDARY_LABEL, SECONDARY_LABEL, SMALL_COUNT_LABEL]),
        ([6, 5, 0], [6, 5, 0]),
        ([1, 1], [SECONDARY_LABEL, SECONDARY_LABEL]),
        ([0, 0], [0, 0]),
    ],
)
def test_suppression_hides_small_counts_and_enough_others(counts, shown):
    assert suppress(counts) == shown
    assert suppress(counts, exact=True) == counts
    assert suppress(counts, additive=False) == [SMALL_COUNT_LABEL if 0 < c < 5 else c for c in counts]


def test_subtraction_never_recovers_a_small_count_in_random_tables():
    generator = random.Random(20261201)
    for _ in range(400):
        size = generator.randint(2, 4)
        counts = [generator.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 11, 15]) for _ in range(size)]
        assert_no_small_count_recoverable(counts, suppress(counts))


# --- Through the real pages, per role -----------------------------------------------------------


def tables(content):
    """{figure slug: [cell texts]} of the additive tables of a statistics page."""
    result = {}
    for slug in ADDITIVE:
        section = content.split(f'id="{slug}"', 1)[1].split("</section>", 1)[0]
        body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        cells = []
        for row in body.split("</tr>")[:-1]:
            cell = row.split('<td class="number">', 1)[1].split("<", 1)[0]
            cells.append(cell.replace("&lt;", "<").replace("\u202f", ""))
        result[slug] = [c if c in (SMALL_COUNT_LABEL, SECONDARY_LABEL) else int(c) for c in cells]
    return result


@pytest.fixture
def december():
    """The issue's example: 6 requests in December, 5 of them "sans issue", 1 resolved online."""
    dordogne = DepartmentFactory(code="24")
    structure = StructureFactory(department=dordogne)
    promeneur = PromeneurFactory(structure=structure)
    moment = timezone.make_aware(datetime.datetime(2025, 12, 10, 12))
    requests = [ContactRequestFactory(structure=structure, created_at=moment) for _ in range(6)]
    resolved = requests[0]
    resolved.assignee, resolved.status, resolved.outcome = (
        promeneur,
        RequestStatus.CLOSED,
        Outcome.RESOLVED_ONLINE,
    )
    resolved.save()
    return dordogne, structure


def test_national_staff_cannot_recover_a_small_count_by_subtraction(client, december):
    client.force_login(UserFactory(caf_staff=True))
    for params in ({"annee": 2025}, {"annee": 2025, "departement": "24"}):
        shown = tables(client.get(URL, params).content.decode())
        # The attacker knows the year's total: every table that hides nothing gives it.
        totals = {sum(cells) for cells in shown.values() if all(isinstance(c, int) for c in cells)}
        assert totals == {6}
        for slug, cells in shown.items():
            assert SMALL_COUNT_LABEL not in cells or all(
                len(values) > 1
                for values, cell in zip(feasible_values(cells, 6), cells, strict=True)
                if cell == SMALL_COUNT_LABEL
            ), slug
        # The outcome table: 6 − 5 "sans issue" would give the 1 back, so both are hidden.
        assert 1 not in shown["demandes-par-issue"]
        assert 5 not in shown["demandes-par-issue"]


def test_national_csv_hides_what_the_page_hides(client, december):
    client.force_login(UserFactory(caf_staff=True))
    response = client.get(URL, {"annee": 2025, "format": "csv", "figure": "demandes-par-issue"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    values = [row[1] for row in rows[1:]]
    assert "1" not in values and "5" not in values
    assert SECONDARY_LABEL in values


@pytest.mark.parametrize("role", ["referent", "coordinator"])
def test_those_who_see_the_metadata_get_exact_figures(client, december, role):
    dordogne, structure = december
    if role == "referent":
        user = StructureMembershipFactory(structure=structure).user
    else:
        user = CoordinationFactory(department=dordogne).user
    client.force_login(user)
    shown = tables(client.get(URL, {"annee": 2025}).content.decode())
    assert shown["demandes-par-mois"][11] == 6
    assert 1 in shown["demandes-par-issue"]
    assert 5 in shown["demandes-par-issue"]
    rows = csv.reader(
        io.StringIO(
            client.get(URL, {"annee": 2025, "format": "csv", "figure": "demandes-par-issue"}).content.decode(
                "utf-8-sig"
            )
        ),
        delimiter=";",
    )
    assert "1" in [row[1] for row in rows]


def test_a_coordinator_of_another_departement_sees_nothing_of_it(client, december):
    client.force_login(CoordinationFactory(department=DepartmentFactory(code="33")).user)
    shown = tables(client.get(URL, {"annee": 2025, "departement": "24"}).content.decode())
    assert shown["demandes-par-mois"][11] == 0


# --- Across départements: the national figure minus the départements shown ----------------------


def assert_no_cell_recoverable_across(matrix, additive=True):
    by_department, national = suppress_across_departments(matrix, additive=additive)
    departments = sorted(matrix)
    width = len(national)
    # Down each column whose national cell is shown: the départements' cells add up to it.
    for j in range(width):
        if not isinstance(national[j], int):
            continue
        column = [matrix[d][j] for d in departments]
        whole = {i for i, d in enumerate(departments) if all(v == SECONDARY_LABEL for v in by_department[d])}
        assert_no_small_count_recoverable(column, [by_department[d][j] for d in departments], whole)
    # Along each département's table, which adds up to its total.
    if additive:
        for d in departments:
            assert_no_small_count_recoverable(matrix[d], by_department[d])
    # And along the national table.
    if additive:
        assert_no_small_count_recoverable(
            [sum(matrix[d][j] for d in departments) for j in range(width)], national
        )
    return by_department, national


def test_a_small_cell_of_a_departement_does_not_come_back_from_the_national_figure():
    # December: 3 requests in Dordogne, 20 in Gironde; the nation shows 23.
    matrix = {24: [3, 10, 12], 33: [20, 30, 40]}
    by_department, national = assert_no_cell_recoverable_across(matrix)
    assert by_department[24][0] == SMALL_COUNT_LABEL
    # 23 − 20 would give 3: Gironde's December (or the national one) is hidden too.
    assert not (isinstance(national[0], int) and isinstance(by_department[33][0], int))


def test_subtraction_across_departements_never_recovers_a_small_count_in_random_tables():
    generator = random.Random(20261202)
    for _ in range(300):
        departments = generator.randint(2, 3)
        width = generator.randint(2, 3)
        matrix = {
            d: [generator.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 11]) for _ in range(width)]
            for d in range(departments)
        }
        assert_no_cell_recoverable_across(matrix, additive=generator.random() < 0.7)


@pytest.fixture
def two_departements():
    """December 2025: 3 requests in Dordogne, 20 in Gironde; other months large enough."""
    made = {}
    for code, december_count in (("24", 3), ("33", 20)):
        department = DepartmentFactory(code=code)
        structure = StructureFactory(department=department)
        for month, count in ((3, 9), (6, 12), (12, december_count)):
            moment = timezone.make_aware(datetime.datetime(2025, month, 10, 12))
            for _ in range(count):
                ContactRequestFactory(structure=structure, created_at=moment)
        made[code] = (department, structure)
    return made


def month_cells(client, **params):
    return tables(client.get(URL, {"annee": 2025, **params}).content.decode())["demandes-par-mois"]


@pytest.mark.parametrize("refreshed", [False, True])
def test_national_staff_cannot_subtract_the_other_departements(client, two_departements, refreshed):
    if refreshed:
        aggregates.refresh()
    client.force_login(UserFactory(caf_staff=True))
    national, dordogne, gironde = (
        month_cells(client),
        month_cells(client, departement="24"),
        month_cells(client, departement="33"),
    )
    assert dordogne[11] == SMALL_COUNT_LABEL
    # December: the nation minus Gironde would give Dordogne's 3.
    assert not (isinstance(national[11], int) and isinstance(gironde[11], int))
    for cells in (national, dordogne, gironde):
        assert 3 not in cells and 23 - 20 not in cells


@pytest.mark.parametrize("role", ["coordinator", "referent"])
def test_those_who_see_the_metadata_still_get_their_exact_figures(client, two_departements, role):
    department, structure = two_departements["24"]
    if role == "coordinator":
        user = CoordinationFactory(department=department).user
    else:
        user = StructureMembershipFactory(structure=structure).user
    client.force_login(user)
    assert month_cells(client)[11] == 3
