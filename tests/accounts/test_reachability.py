"""Every request reaches someone who can answer (design §3b.1), through the real pages.

A promeneur is a contact target when their account is active, they are labelled (neither
suspended nor gone), their structure is public and they are not absent today
(`structures.reachability.reachable_condition`). Anyone else shows no contact button, is offered in no
dispatch or reassignment list, and a structure without a reachable promeneur sends its requests
to the département pool.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import ContactRequest
from structures.cards import with_card_data
from structures.models import Promeneur
from structures.reachability import is_reachable, is_reachable_public
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.referrals.test_public import NOW, page_of, submit
from tests.structures.factories import (
    AbsenceFactory,
    CoordinationFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

TODAY = datetime.date(2026, 5, 13)


def make_unreachable(promeneur, why):
    if why == "sans compte":
        promeneur.user.delete()  # the profile stays, without an account (SET_NULL)
        promeneur.refresh_from_db()
    elif why == "compte désactivé":
        promeneur.user.is_active = False
        promeneur.user.save()
    elif why == "absent·e aujourd’hui":
        AbsenceFactory(promeneur=promeneur, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=3))
    else:
        promeneur.status = {"candidat·e": "candidate", "suspendu·e": "suspended", "parti·e": "left"}[why]
        promeneur.save()
    return promeneur


UNREACHABLE = [
    "sans compte",
    "compte désactivé",
    "candidat·e",
    "suspendu·e",
    "parti·e",
    "absent·e aujourd’hui",
]


@pytest.fixture
def clock():
    from freezegun import freeze_time

    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def team(clock):
    structure = StructureFactory(name="MJC des Arènes")
    target = PromeneurFactory(first_name="Nina", structure=structure)
    colleague = PromeneurFactory(first_name="Yanis", structure=structure)
    PresenceSlotFactory(promeneur=colleague, weekday=3, start=datetime.time(14), end=datetime.time(16))
    return structure, target, colleague


@pytest.mark.parametrize("why", UNREACHABLE)
def test_the_rule_excludes_each_unreachable_state(team, why):
    structure, target, colleague = team
    make_unreachable(target, why)
    reachable = set(Promeneur.objects.reachable(TODAY).values_list("pk", flat=True))
    assert target.pk not in reachable and colleague.pk in reachable
    annotated = {p.pk: p.is_reachable for p in Promeneur.objects.with_reachability(TODAY)}
    assert annotated[target.pk] is False and annotated[colleague.pk] is True
    assert is_reachable(Promeneur.objects.get(pk=target.pk), TODAY) is False


def test_the_annotation_costs_one_query_whatever_the_number_of_promeneurs(team):
    def count():
        with CaptureQueriesContext(connection) as queries:
            [p.is_reachable for p in Promeneur.objects.with_reachability(TODAY)]
        return len(queries)

    few = count()
    for _ in range(8):
        AbsenceFactory(promeneur=PromeneurFactory(), starts_on=TODAY, ends_on=TODAY)
    assert count() == few == 1


@pytest.mark.parametrize("why", ["sans compte", "absent·e aujourd’hui"])
def test_profile_of_an_unreachable_promeneur_points_to_the_structure_form(client, team, why):
    structure, target, _colleague = team
    make_unreachable(target, why)
    page = page_of(client.get(target.get_absolute_url()))
    assert reverse("referrals:contact_promeneur", args=[target.slug]) not in page
    assert reverse("referrals:contact_structure", args=[structure.slug]) in page
    assert "Nina n’est pas disponible en ce moment pour recevoir une demande" in page


def test_profile_of_a_reachable_promeneur_has_the_button(client, team):
    _structure, target, _colleague = team
    page = page_of(client.get(target.get_absolute_url()))
    assert reverse("referrals:contact_promeneur", args=[target.slug]) in page


@pytest.mark.parametrize("why", ["sans compte", "absent·e aujourd’hui"])
def test_request_to_an_unreachable_promeneur_goes_to_the_team_and_never_says_they_got_it(
    client, clock, team, why
):
    _structure, target, _colleague = team
    make_unreachable(target, why)
    response = submit(client, clock, reverse("referrals:contact_promeneur", args=[target.slug]))
    request = ContactRequest.objects.get()
    assert request.assignee is None and request.structure == target.structure
    page = page_of(client.get(response["Location"]))
    assert "Nina n’est pas disponible en ce moment" in page
    assert "prise en charge par" not in page and "Nina a reçu" not in page


def test_structure_without_a_reachable_promeneur_sends_to_the_department_pool(client, clock, team):
    structure, target, colleague = team
    make_unreachable(target, "absent·e aujourd’hui")
    make_unreachable(colleague, "sans compte")
    page = page_of(client.get(reverse("referrals:contact_structure", args=[structure.slug])))
    assert "n’a pas de promeneur ou de promeneuse disponible en ce moment" in page

    submit(client, clock, reverse("referrals:contact_structure", args=[structure.slug]))

    request = ContactRequest.objects.get()
    assert request.structure is None and request.assignee is None
    assert request.department == structure.department


@pytest.mark.parametrize("why", UNREACHABLE)
def test_unreachable_promeneurs_are_offered_neither_for_dispatch_nor_for_reassignment(client, team, why):
    structure, target, colleague = team
    make_unreachable(target, why)
    ContactRequestFactory(structure=structure, claimed=True, assignee=colleague)  # colleague's workload
    third = PromeneurFactory(first_name="Inès", structure=structure)
    coordinator = CoordinationFactory(department=structure.department).user
    referent = StructureMembershipFactory(structure=structure).user

    pool_request = ContactRequestFactory(department_pool=True, department=structure.department)
    client.force_login(coordinator)
    page = page_of(client.get(pool_request.get_absolute_url()))
    assert f'value="{target.pk}"' not in page.split('name="promeneur"', 1)[1].split("</select>", 1)[0]
    assert "Yanis — MJC des Arènes · 1 demande en cours" in page
    assert "prochaine présence demain à 14 h 00" in page
    assert "compte actif, jamais connecté·e" in page
    response = client.post(
        reverse("referrals:dispatch", kwargs={"uuid": pool_request.uuid}), {"promeneur": target.pk}
    )
    assert response.status_code == 200 and ContactRequest.objects.get(pk=pool_request.pk).assignee is None

    claimed = ContactRequestFactory(structure=structure, claimed=True, assignee=third)
    client.force_login(referent)
    page = page_of(client.get(claimed.get_absolute_url()))
    options = page.split('id="reattribution-promeneur"', 1)[1].split("</select>", 1)[0]
    assert f'value="{target.pk}"' not in options and f'value="{colleague.pk}"' in options
    response = client.post(
        reverse("referrals:reassign", kwargs={"uuid": claimed.uuid}),
        {"promeneur": target.pk, "motif": "Absence de la promeneuse"},
    )
    assert response.status_code == 200
    assert ContactRequest.objects.get(pk=claimed.pk).assignee == third


def test_the_rule_is_for_today(team):
    _structure, target, _colleague = team
    AbsenceFactory(
        promeneur=target,
        starts_on=TODAY + datetime.timedelta(days=1),
        ends_on=TODAY + datetime.timedelta(days=2),
    )
    assert is_reachable(target, TODAY)
    assert not is_reachable(target, TODAY + datetime.timedelta(days=1))
    assert timezone.localdate() == TODAY


def test_the_profile_pages_reading_of_the_rule_agrees_with_the_query_on_every_case(clock):
    """The profile page decides from the rows it has read (`is_reachable_public`): on every
    combination of account, status, structure and absence, it says what the query says, and no
    promeneur the query calls reachable is missing from the public ones it reads."""
    day = datetime.timedelta(days=1)
    absences = {
        "aucune": [],
        "hier": [(TODAY - 3 * day, TODAY - day)],
        "aujourd’hui": [(TODAY, TODAY)],
        "autour": [(TODAY - day, TODAY + day)],
        "demain": [(TODAY + day, TODAY + 2 * day)],
        "passée et aujourd’hui": [(TODAY - 5 * day, TODAY - 4 * day), (TODAY, TODAY + 9 * day)],
    }
    for account in ("aucun", "actif", "désactivé"):
        for status in ("candidate", "trained", "labelled", "suspended", "left"):
            for public in (True, False):
                for periods in absences.values():
                    promeneur = PromeneurFactory(
                        user=None if account == "aucun" else UserFactory(is_active=account == "actif"),
                        status=status,
                        structure=StructureFactory(is_public=public),
                    )
                    for starts_on, ends_on in periods:
                        AbsenceFactory(promeneur=promeneur, starts_on=starts_on, ends_on=ends_on)
    expected = dict(Promeneur.objects.with_reachability(TODAY).values_list("pk", "is_reachable"))
    assert sum(expected.values()) == 3  # labelled, active, public, and absent neither today nor around
    public = list(with_card_data(Promeneur.objects.public(), timezone.now()))
    assert {p.pk for p in public} >= {pk for pk, reachable in expected.items() if reachable}
    for promeneur in public:
        assert is_reachable_public(promeneur, TODAY) is expected[promeneur.pk], promeneur
