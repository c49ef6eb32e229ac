"""An absence declared in the promeneur's own space takes them out of every list of contact targets
(the rule itself: `structures.reachability.reachable_condition`, tested in tests/accounts/).

The absence is declared through the dashboard page, then each consequence is read through the real
pages: no contact button on the profile (which points to colleagues and to the structure's form),
a request to them goes to the structure's pool, they are offered in no reassignment or dispatch
list, and "en ligne maintenant" is false."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from referrals.models import ContactRequest
from tests.referrals.factories import ContactRequestFactory
from tests.referrals.test_public import NOW, page_of, submit
from tests.structures.factories import (
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


TODAY = datetime.date.fromisoformat(NOW[:10])


@pytest.fixture
def team(clock):
    structure = StructureFactory(name="Centre social des Absences")
    nina = PromeneurFactory(structure=structure, first_name="Nina")
    # Online all day, every day of the frozen week: "en ligne maintenant" depends on the absence only.
    for weekday in range(7):
        PresenceSlotFactory(
            promeneur=nina, weekday=weekday, start=datetime.time(0), end=datetime.time(23, 59)
        )
    colleague = PromeneurFactory(structure=structure, first_name="Colin")
    return structure, nina, colleague


@pytest.fixture
def clock():
    from freezegun import freeze_time

    with freeze_time(NOW) as frozen:
        yield frozen


def declare_absence(promeneur, days=3):
    client = Client()
    client.force_login(promeneur.user)
    today = TODAY
    response = client.post(
        reverse("dashboard:absences"),
        {
            "kind": "leave",
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=days)).isoformat(),
        },
    )
    assert response.status_code == 302


def test_profile_of_an_absent_promeneur_points_to_colleagues_and_the_structure_form(client, team):
    structure, nina, colleague = team
    before = page_of(client.get(nina.get_absolute_url()))
    assert reverse("referrals:contact_promeneur", args=[nina.slug]) in before
    assert "En ligne maintenant" in before

    declare_absence(nina)

    page = page_of(client.get(nina.get_absolute_url()))
    assert reverse("referrals:contact_promeneur", args=[nina.slug]) not in page
    assert "En ligne maintenant" not in page
    assert "Nina n’est pas disponible en ce moment pour recevoir une demande\u202f: absent·e jusqu’au" in page
    assert colleague.get_absolute_url() in page
    assert reverse("referrals:contact_structure", args=[structure.slug]) in page


def test_alone_and_absent_the_profile_points_to_the_structure_form(client, clock):
    nina = PromeneurFactory(first_name="Nina")
    declare_absence(nina)
    page = page_of(client.get(nina.get_absolute_url()))
    assert reverse("referrals:contact_structure", args=[nina.structure.slug]) in page
    assert "ses collègues" not in page and "son ou sa collègue" not in page


def test_a_request_to_an_absent_promeneur_goes_to_the_structure_pool(client, clock, team):
    structure, nina, _colleague = team
    declare_absence(nina)
    submit(client, clock, reverse("referrals:contact_promeneur", args=[nina.slug]))
    request = ContactRequest.objects.get()
    assert request.assignee is None
    assert request.structure == structure


def test_an_absent_promeneur_is_offered_in_no_reassignment_or_dispatch_list(client, team):
    structure, nina, colleague = team
    held = ContactRequestFactory(structure=structure, claimed=True, assignee=colleague)
    pooled = ContactRequestFactory(department_pool=True, department=structure.department)
    referent = StructureMembershipFactory(structure=structure).user
    coordinator = CoordinationFactory(department=structure.department).user

    def options(user, request, field):
        client.force_login(user)
        html = page_of(client.get(request.get_absolute_url()))
        select = re.search(rf'<select name="{field}".*?</select>', html, re.S)
        return select.group(0) if select else ""

    assert nina.display_name in options(referent, held, "promeneur")
    assert "Nina" in options(coordinator, pooled, "promeneur")

    declare_absence(nina)

    assert nina.display_name not in options(referent, held, "promeneur")
    assert "Nina" not in options(coordinator, pooled, "promeneur")


def test_the_directory_does_not_show_an_absent_promeneur_online(client, team):
    _structure, nina, _colleague = team

    def online():
        response = client.get(reverse("structures:directory") + "?en_ligne=on")
        return [promeneur.first_name for promeneur in response.context["promeneurs"]]

    assert online() == ["Nina"]
    declare_absence(nina)
    client.logout()
    assert online() == []
