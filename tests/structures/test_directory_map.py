"""The directory's map for a wide search: its structures fetched from /annuaire/carte/, not listed
in a page of hundreds of kilobytes; the same structures, filters and privacy as the page."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.structures.factories import DepartmentFactory, PromeneurFactory, StructureFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("structures:directory")
MAP = reverse("structures:directory_map")


def map_data(response):
    found = re.search(
        r'<script id="map-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1))


def promeneurs_in(department, count, name="Maison des jeunes"):
    return [
        PromeneurFactory(structure__department=department, structure__name=f"{name} {n}")
        for n in range(count)
    ]


@pytest.fixture
def wide(settings):
    """Two départements, six geocoded structures in all; more than the page lists."""
    settings.DIRECTORY_MAP_INLINE_MAX = 3
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    return {"24": promeneurs_in(dordogne, 2, "MJC Dordogne"), "33": promeneurs_in(gironde, 4, "MJC Gironde")}


def test_a_wide_search_fetches_its_map_instead_of_listing_it(client, wide):
    response = client.get(DIRECTORY)
    html = response.content.decode()
    data = map_data(response)
    assert data["structures"] == []
    assert data["source"] == MAP
    assert "6 structures accueillent les promeneurs de cette recherche." in html
    assert 'class="map-list"' not in html
    assert "Trop de structures pour les lister ici" in html
    # The promeneurs are still listed; the structures of the map are not.
    for promeneur in wide["33"]:
        assert promeneur.first_name in html
    # The map is drawn here too: it needs Leaflet's script and its stylesheet (without it the
    # markers and popups are laid out as plain images, over one another).
    assert "js/map.js" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html

    points = client.get(MAP).json()["structures"]
    assert sorted(p["name"] for p in points) == sorted(p.structure.name for p in [*wide["24"], *wide["33"]])
    assert points[0] == {
        "name": points[0]["name"],
        "commune": "Périgueux",
        "url": next(
            p.structure for p in [*wide["24"], *wide["33"]] if p.structure.name == points[0]["name"]
        ).get_absolute_url(),
        "lat": 45.184,
        "lng": 0.721,
    }


def test_the_map_of_a_search_has_the_searchs_filters(client, wide):
    data = map_data(client.get(DIRECTORY, {"departement": "33"}))
    assert data["source"] == f"{MAP}?departement=33"
    points = client.get(data["source"]).json()["structures"]
    assert sorted(p["name"] for p in points) == [f"MJC Gironde {n}" for n in range(4)]
    # A narrower search lists its structures in the page, as before.
    narrow = client.get(DIRECTORY, {"departement": "24"})
    assert [p["name"] for p in map_data(narrow)["structures"]] == ["MJC Dordogne 0", "MJC Dordogne 1"]
    assert "source" not in map_data(narrow)
    assert 'class="map-list"' in narrow.content.decode()


def test_the_map_shows_no_structure_the_directory_hides(client, wide):
    department = wide["24"][0].structure.department
    PromeneurFactory(
        structure__department=department, structure__name="Canari cachée", structure__is_public=False
    )
    PromeneurFactory(structure__department=department, structure__name="Canari candidate", candidate=True)
    PromeneurFactory(structure__department=department, structure__name="Canari partie", user__is_active=False)
    StructureFactory(department=department, name="Canari sans promeneur")
    body = client.get(MAP).content.decode()
    assert "Canari" not in body
    assert len(json.loads(body)["structures"]) == 6


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_the_directory_page_stays_small_and_its_queries_bounded_however_many_structures(client, settings):
    settings.DIRECTORY_MAP_INLINE_MAX = 100
    settings.PUBLIC_PAGE_CACHE = False
    department = DepartmentFactory(code="24")
    promeneurs_in(department, 120, "Structure canari")
    few, few_queries = queries_of(client, DIRECTORY)
    promeneurs_in(department, 240, "Structure autre")
    many, many_queries = queries_of(client, DIRECTORY)
    assert many_queries == few_queries
    # The page grows with the 20 promeneurs it shows, not with the 360 structures of the map.
    assert len(many.content) < 60_000
    assert abs(len(many.content) - len(few.content)) < 2_000
    assert "360 structures accueillent" in many.content.decode()
    # Below the limit, the page lists its structures: one query more, for their rows (above it,
    # the page reads only their number, in the same query as the promeneurs').
    settings.DIRECTORY_MAP_INLINE_MAX = 400
    listed, listed_queries = queries_of(client, DIRECTORY)
    assert 'class="map-list"' in listed.content.decode()
    listed_block = listed.content.decode().split('class="map-list"')[1].split("</details>")[0]
    assert listed_block.count("<li>") == 360
    assert listed_queries == many_queries + 1


def test_a_renamed_structure_shows_on_the_next_map(client, wide):
    structure = wide["33"][0].structure

    def names():
        return [point["name"] for point in client.get(MAP).json()["structures"]]

    assert structure.name in names()
    assert getattr(client.get(MAP), "public_page_cache", False)  # served from the cache
    structure.name = "MJC renommée"
    structure.save()
    assert "MJC renommée" in names()
    assert "MJC Gironde 0" not in names()


def test_the_map_answers_only_get(client, wide):
    assert client.post(MAP).status_code == 405


def test_a_search_on_one_page_or_several_lists_the_same_structures_in_the_same_order(client, settings):
    """On one page, the map's structures are those of the promeneurs shown (no other query); on
    several, they are read over the whole search: the same list, in the same order."""
    settings.DIRECTORY_MAP_INLINE_MAX = 100
    department = DepartmentFactory(code="24")
    for name in ("Maison des jeunes", "école du quartier", "MJC Aval", "Élan", "Maison des jeunes"):
        PromeneurFactory(structure__department=department, structure__name=name)
    PromeneurFactory(
        structure__department=department,
        structure__name="MJC Aval bis",
        structure__latitude=None,
        structure__longitude=None,
    )
    shared = PromeneurFactory(structure__department=department, structure__name="Centre partagé")
    PromeneurFactory(structure=shared.structure)
    hidden = PromeneurFactory(
        structure__department=department, structure__name="Canari cachée", structure__is_public=False
    )
    PromeneurFactory(structure=hidden.structure, candidate=True)

    settings.DIRECTORY_PAGE_SIZE = 20
    one_page, one_page_queries = queries_of(client, DIRECTORY + "?departement=24")
    settings.DIRECTORY_PAGE_SIZE = 2
    several_pages, several_pages_queries = queries_of(client, DIRECTORY + "?departement=24")

    assert one_page.context["paginator"].num_pages == 1
    assert several_pages.context["paginator"].num_pages == 4
    points = map_data(one_page)["structures"]
    assert points == map_data(several_pages)["structures"]
    assert [p["name"] for p in points] == sorted(
        ["Maison des jeunes", "école du quartier", "MJC Aval", "Élan", "Maison des jeunes", "Centre partagé"]
    )
    assert len({p["url"] for p in points}) == 6  # two structures named alike, one shared by two promeneurs
    assert "Canari" not in one_page.content.decode() and "MJC Aval bis" not in json.dumps(points)
    assert "6 structures accueillent" in one_page.content.decode()
    assert several_pages_queries == one_page_queries + 1
