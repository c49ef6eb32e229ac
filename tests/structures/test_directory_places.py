"""The directory's place search, nearest structures, and the empty "online now" state."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests.structures.factories import (
    CommuneFactory,
    DepartmentFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
)

DIRECTORY = reverse("structures:directory")
SUGGESTIONS = reverse("structures:commune_suggestions")
PARIS = ZoneInfo("Europe/Paris")


def found(response):
    return sorted(p.first_name for p in response.context["promeneurs"])


@pytest.fixture
def network(db):
    """Promeneurs in Périgueux, Mareuil en Périgord and Saint-Astier (Dordogne) and in Saint-Astier (47)."""
    dordogne = DepartmentFactory(code="24")
    PromeneurFactory(first_name="Perigueux", structure__commune="Périgueux", structure__department=dordogne)
    PromeneurFactory(
        first_name="Mareuil",
        structure__commune="Mareuil en Périgord",
        structure__postcode="24340",
        structure__department=dordogne,
        structure__latitude=Decimal("45.4500"),
        structure__longitude=Decimal("0.4500"),
    )
    PromeneurFactory(
        first_name="Astier",
        structure__commune="Saint-Astier",
        structure__postcode="24110",
        structure__department=dordogne,
        structure__latitude=Decimal("45.1452"),
        structure__longitude=Decimal("0.5276"),
    )
    PromeneurFactory(
        first_name="Lot",
        structure__commune="Saint-Astier",
        structure__postcode="47120",
        structure__department=DepartmentFactory(code="47"),
        structure__latitude=Decimal("44.7284"),
        structure__longitude=Decimal("0.3157"),
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("perigueux", ["Perigueux"]),
        ("PÉRIGUEUX", ["Perigueux"]),
        ("perig", ["Mareuil", "Perigueux"]),  # Périgueux, and Mareuil en *Périg*ord
        ("Mareuil", ["Mareuil"]),
        ("mareuil-en-perigord", ["Mareuil"]),
        ("24000", ["Perigueux"]),
        ("St Astier", ["Astier", "Lot"]),
        ("ST-ASTIER", ["Astier", "Lot"]),
        ("Saint-Astier (24)", ["Astier"]),
    ],
)
def test_place_search_finds_what_people_type(client, network, typed, expected):
    response = client.get(DIRECTORY, {"lieu": typed})

    assert response.status_code == 200
    assert found(response) == expected
    assert f'value="{typed}"' in response.content.decode()


def test_a_commune_without_a_structure_lists_the_nearest_structures_with_their_distance(client, network):
    CommuneFactory(
        insee_code="24037",
        name="Bergerac",
        postcodes=" 24100 ",
        latitude=Decimal("44.850165"),
        longitude=Decimal("0.483000"),
    )

    response = client.get(DIRECTORY, {"lieu": "bergerac"})

    assert found(response) == []
    nearest = [(s.commune, s.distance) for s in response.context["nearest_structures"]]
    # Saint-Astier (47) is 19 km away, Saint-Astier (24) 33 km, Périgueux 42 km, Mareuil 67 km.
    assert [commune for commune, _ in nearest] == [
        "Saint-Astier",
        "Saint-Astier",
        "Périgueux",
        "Mareuil en Périgord",
    ]
    assert nearest[0][1] == "à 19\u00a0km"
    html = response.content.decode()
    assert "Aucun promeneur à Bergerac pour l’instant" in html
    assert "à 33\u00a0km" in html


def test_nearest_structures_keep_the_other_filters(client, network):
    CommuneFactory(insee_code="24037", name="Bergerac", latitude=Decimal("44.85"), longitude=Decimal("0.48"))

    response = client.get(DIRECTORY, {"lieu": "Bergerac", "departement": "24"})

    assert {s.department.code for s in response.context["nearest_structures"]} == {"24"}


def test_a_commune_with_promeneurs_shows_no_nearest_list(client, network):
    CommuneFactory(insee_code="24322", name="Périgueux")

    response = client.get(DIRECTORY, {"lieu": "Périgueux"})

    assert found(response) == ["Perigueux"]
    assert response.context["nearest_structures"] == []


def test_nearest_structures_cost_the_same_queries_for_few_and_many_structures(client, network):
    CommuneFactory(insee_code="24037", name="Bergerac", latitude=Decimal("44.85"), longitude=Decimal("0.48"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(DIRECTORY, {"lieu": "Bergerac"})
        return len(captured)

    few = queries()
    for n in range(6):
        PromeneurFactory(structure__commune=f"Ville {n}", structure__latitude=Decimal(f"45.{n}"))
    assert queries() == few


@freeze_time(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))  # a Tuesday morning
def test_nobody_online_says_so_lists_the_next_presences_and_the_emergency_numbers(client, db):
    wednesday = PromeneurFactory(first_name="Charlotte", display_name="Charlotte — Ruban Vert")
    PresenceSlotFactory(promeneur=wednesday, weekday=2, start=datetime.time(14), end=datetime.time(17))
    tonight = PromeneurFactory(first_name="Arnaud", display_name="Arnaud — MJC")
    PresenceSlotFactory(promeneur=tonight, weekday=1, start=datetime.time(20), end=datetime.time(22))
    PromeneurFactory(first_name="Sans", display_name="Sans horaires")

    response = client.get(DIRECTORY, {"en_ligne": "on"})

    assert found(response) == []
    assert [(p.first_name, when) for p, when in response.context["next_presences"]] == [
        ("Arnaud", "mardi à 20 h 00"),
        ("Charlotte", "mercredi à 14 h 00"),
    ]
    html = response.content.decode()
    assert "Personne n’est en ligne en ce moment" in html
    assert "Arnaud — MJC</a>\u202f: mardi à 20 h 00" in html
    assert f'href="{reverse("referrals:contact")}">laisser une demande</a>' in html
    assert 'href="tel:3114"' in html
    assert "Sans horaires" not in html


@freeze_time(datetime.datetime(2026, 12, 1, 15, 0, tzinfo=PARIS))
def test_someone_online_shows_no_empty_state(client, db):
    promeneur = PromeneurFactory(first_name="Charlotte")
    PresenceSlotFactory(promeneur=promeneur, weekday=1, start=datetime.time(14), end=datetime.time(17))

    response = client.get(DIRECTORY, {"en_ligne": "on"})

    assert found(response) == ["Charlotte"]
    assert "Personne n’est en ligne" not in response.content.decode()


def test_suggestions_answer_anonymous_visitors_in_json(client, db):
    CommuneFactory(insee_code="24372", name="Saint-Astier", postcodes=" 24110 ")
    CommuneFactory(
        insee_code="47229", name="Saint-Astier", postcodes=" 47120 ", department=DepartmentFactory(code="47")
    )

    response = client.get(SUGGESTIONS, {"q": "st ast"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["communes"] == [
        {"label": "Saint-Astier (24)", "postcodes": ["24110"], "department": "Dordogne"},
        {"label": "Saint-Astier (47)", "postcodes": ["47120"], "department": "Lot-et-Garonne"},
    ]


@pytest.mark.parametrize("query", ["", "\x00", "a" * 10_000, "<script>alert(1)</script>", "%_", "☃"])
def test_suggestions_of_bad_input_are_empty_not_an_error(client, db, query):
    CommuneFactory(insee_code="24322", name="Périgueux")

    response = client.get(SUGGESTIONS, {"q": query})

    assert response.status_code == 200
    assert json.loads(response.content) == {"communes": []}


def test_the_place_field_is_a_plain_text_box_the_script_enhances(client, db):
    html = client.get(DIRECTORY).content.decode()

    assert f'data-place-autocomplete="{SUGGESTIONS}"' in html
    # The combobox roles are added by the script only: without it, nothing announces a list.
    assert 'role="combobox"' not in html
    assert '<script src="/static/js/place-autocomplete.js"></script>' in html


def test_a_structure_saved_with_a_new_commune_gets_a_new_search_key(db):
    structure = StructureFactory(commune="Périgueux")
    structure.commune = "Saint-Astier"
    structure.save(update_fields=["commune"])
    structure.refresh_from_db()

    assert structure.commune_key == "saint astier"
