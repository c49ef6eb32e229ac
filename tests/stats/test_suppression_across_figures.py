"""Across départements (privacy.py, rule 3) for the orientations and the claim delays' count: CAF
national staff read the national page and each département's; the national figure minus the
départements shown must give back no hidden cell. Exact figures for the coordination and referents."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.enums import OrientationStatus
from stats import aggregates
from stats.privacy import SECONDARY_LABEL, SMALL_COUNT_LABEL
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory, OrientationFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    StructureFactory,
    StructureMembershipFactory,
)

URL = "/tableau-de-bord/statistiques/"
CODES = ("24", "33", "40")
SENT, RECEIVED, ACCEPTED = 0, 1, 2
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def at(month, hour=12):
    return timezone.make_aware(datetime.datetime(2025, month, 10, hour))


def parse(text):
    text = text.replace("&lt;", "<").replace("\u202f", "").replace("\xa0", "")
    if text in (SMALL_COUNT_LABEL, SECONDARY_LABEL):
        return text
    if text == "—":
        return None
    if "," in text:
        return float(text.replace(",", "."))
    return int(text)


def figure_cells(client, slug, **params):
    """The value cells of a figure's table on the statistics page, in row order."""
    content = client.get(URL, {"annee": 2025, **params}).content.decode()
    section = content.split(f'id="{slug}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        parse(row.split('<td class="number">', 1)[1].split("<", 1)[0]) for row in body.split("</tr>")[:-1]
    ]


def pages(client, slug):
    """What CAF national staff read: the national table and each département's."""
    return figure_cells(client, slug), {code: figure_cells(client, slug, departement=code) for code in CODES}


def assert_no_hidden_cell_recoverable(truth, national, shown, same_total=()):
    """The attack: for each column whose national count the reader knows (shown, or shown in another
    column of `same_total`, which holds the same number), every column of départements consistent
    with what is shown is enumerated; each small count must still be able to take several values.

    `truth` and `shown`: {code: [count of each column]}, real and as shown."""
    for j in range(len(national)):
        linked = same_total if j in same_total else (j,)
        known = [national[k] for k in linked if isinstance(national[k], int)]
        if not known:
            continue
        total = known[0]
        column = [shown[code][j] for code in CODES]
        whole = all(v == SECONDARY_LABEL for v in column)  # a column hidden zeros included
        domains = []
        for value in column:
            if value == SMALL_COUNT_LABEL:
                domains.append(range(1, 5))
            elif value == SECONDARY_LABEL:
                domains.append(range(0 if whole else 5, total + 1))
            else:
                domains.append([value])
        possible = [set() for _ in CODES]
        for cells in itertools.product(*domains):
            if sum(cells) == total:
                for i, v in enumerate(cells):
                    possible[i].add(v)
        for i, code in enumerate(CODES):
            count = truth[code][j]
            if 0 < count < 5:
                assert column[i] in (SMALL_COUNT_LABEL, SECONDARY_LABEL), (j, code, national, shown)
                assert len(possible[i]) > 1, (
                    f"column {j}: {code}'s {count} recovered from {national}, {shown}"
                )


@pytest.fixture
def structures():
    return {code: StructureFactory(department=DepartmentFactory(code=code)) for code in CODES}


def orient(sender, receiver, n, accepted=0):
    """`n` orientations in April 2025 from `sender` to `receiver`, `accepted` of them accepted."""
    request = ContactRequestFactory(structure=sender, claimed=True)
    for i in range(n):
        OrientationFactory(
            request=request,
            from_structure=sender,
            to_structure=receiver,
            created_at=at(4),
            status=OrientationStatus.ACCEPTED if i < accepted else OrientationStatus.PROPOSED,
        )


# (sender, receiver, orientations, accepted), and {département: [sent, received, accepted]}.
ORIENTATION_CASES = {
    # 24 sends 3, 33 sends 7: the nation's 10 minus 33's 7 would give 24's 3 back; the same down
    # the received and accepted columns.
    "subtraction": (
        [("24", "33", 3, 2), ("33", "40", 7, 6)],
        {"24": [3, 0, 0], "33": [7, 3, 2], "40": [0, 7, 6]},
    ),
    # 24 and 33 send 4 each: no hiding makes their column safe, and hiding the nation's "Envoyées"
    # is not enough, its "Reçues" (40's 8) is the same number.
    "sent equals received": (
        [("24", "40", 4, 0), ("33", "40", 4, 0)],
        {"24": [4, 0, 0], "33": [4, 0, 0], "40": [0, 8, 0]},
    ),
}


@pytest.mark.parametrize("refreshed", [False, True])
@pytest.mark.parametrize("case", ORIENTATION_CASES)
def test_national_staff_cannot_recover_a_departements_orientations(client, structures, case, refreshed):
    made, truth = ORIENTATION_CASES[case]
    for sender, receiver, n, accepted in made:
        orient(structures[sender], structures[receiver], n, accepted)
    if refreshed:
        aggregates.refresh()
    client.force_login(UserFactory(caf_staff=True))
    national, shown = pages(client, "orientations")
    # The nation's counts are the départements' sums (as an attacker knows).
    totals = [sum(truth[code][j] for code in CODES) for j in range(3)]
    assert totals[SENT] == totals[RECEIVED]
    for value, total in zip(national, totals, strict=True):
        assert value in (total, SECONDARY_LABEL)
    for code in CODES:
        for value, count in zip(shown[code], truth[code], strict=True):
            assert value in (count, SMALL_COUNT_LABEL, SECONDARY_LABEL)
    assert shown["24"][SENT] in (SMALL_COUNT_LABEL, SECONDARY_LABEL)
    assert_no_hidden_cell_recoverable(truth, national, shown, same_total=(SENT, RECEIVED))
    if case == "subtraction":
        # What the rule gives here: the large cell of each small one's column is hidden too.
        assert national[:2] == [10, 10]
        assert shown["33"][SENT] == SECONDARY_LABEL and shown["40"][RECEIVED] == SECONDARY_LABEL


# {département: requests claimed in 2025}
CLAIM_CASES = {"subtraction": {"24": 3, "33": 7, "40": 0}, "no safe column": {"24": 4, "33": 4, "40": 0}}


def claim(structure, n):
    for _ in range(n):
        request = ContactRequestFactory(structure=structure, created_at=at(3), claimed=True)
        request.claimed_at = request.created_at + datetime.timedelta(hours=2)
        request.save()


@pytest.mark.parametrize("refreshed", [False, True])
@pytest.mark.parametrize("case", CLAIM_CASES)
def test_national_staff_cannot_recover_a_departements_claimed_requests(client, structures, case, refreshed):
    claimed = CLAIM_CASES[case]
    for code, n in claimed.items():
        claim(structures[code], n)
    if refreshed:
        aggregates.refresh()
    client.force_login(UserFactory(caf_staff=True))
    national, shown = pages(client, "delai-de-prise-en-charge")
    truth = {code: [n] for code, n in claimed.items()}
    assert_no_hidden_cell_recoverable(truth, national[:1], {code: cells[:1] for code, cells in shown.items()})
    # A hidden count, "< 5" or "masqué", hides its delays.
    for cells in (national, *shown.values()):
        if not isinstance(cells[0], int):
            assert cells[1:] == [None, None], cells
    if case == "subtraction":
        assert national == [10, 2.0, 2.0]
        assert shown["24"][0] == SMALL_COUNT_LABEL
        assert shown["33"] == [SECONDARY_LABEL, None, None]
    else:
        # 4 + 4: whatever 24 and 33 show, the nation's 8 would give them back; the nation hides it.
        assert national == [SECONDARY_LABEL, None, None]
        assert shown["24"][0] == shown["33"][0] == SMALL_COUNT_LABEL


@pytest.mark.parametrize("refreshed", [False, True])
@pytest.mark.parametrize("role", ["coordinator", "referent"])
def test_those_who_see_the_metadata_keep_exact_orientations_and_claims(client, structures, role, refreshed):
    orient(structures["24"], structures["33"], 3, 2)
    orient(structures["33"], structures["40"], 7, 6)
    claim(structures["24"], 3)
    claim(structures["33"], 7)
    if refreshed:
        aggregates.refresh()
    if role == "coordinator":
        user = CoordinationFactory(department=structures["24"].department).user
    else:
        user = StructureMembershipFactory(structure=structures["24"]).user
    client.force_login(user)
    assert figure_cells(client, "orientations") == [3, 0, 0]
    assert figure_cells(client, "delai-de-prise-en-charge") == [3, 2.0, 2.0]
    if role == "coordinator":
        assert figure_cells(client, "orientations", departement="24") == [3, 0, 0]


def populate(structures, claimed, orientations):
    codes = sorted(structures)
    for i, code in enumerate(codes):
        claim(structures[code], claimed)
        orient(structures[code], structures[codes[(i + 1) % len(codes)]], orientations, 1)


@pytest.mark.parametrize("refreshed", [False, True])
@pytest.mark.parametrize("params", [{}, {"departement": "24"}])
def test_the_pages_queries_do_not_grow_with_the_departements(
    client, django_assert_max_num_queries, structures, refreshed, params
):
    populate(structures, 3, 2)
    if refreshed:
        aggregates.refresh()
    client.force_login(UserFactory(caf_staff=True))
    client.get(URL, {"annee": 2025, **params})  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"annee": 2025, **params})
    more = {
        code: StructureFactory(department=DepartmentFactory(code=code)) for code in ("01", "13", "59", "69")
    }
    populate({**structures, **more}, 6, 4)
    if refreshed:
        aggregates.refresh()
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL, {"annee": 2025, **params})
    assert response.status_code == 200
