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
from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL, suppress
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


def feasible_values(shown, total):
    """What an attacker who knows the total, every shown cell and the rule can say of each hidden
    cell: the set of values it can take in some table consistent with what is shown."""
    every_cell_hidden = all(v == SECONDARY_LABEL for v in shown)
    domains = []
    for value in shown:
        if value == SMALL_COUNT_LABEL:
            domains.append(range(1, 5))
        elif value == SECONDARY_LABEL:
            domains.append(range(0 if every_cell_hidden else 5, total + 1))
        else:
            domains.append([int(value)])
    possible = [set() for _ in shown]
    for table in itertools.product(*domains):
        if sum(table) == total:
            for i, v in enumerate(table):
                possible[i].add(v)
    return possible


def assert_no_small_count_recoverable(counts, shown):
    possible = feasible_values(shown, sum(counts))
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
