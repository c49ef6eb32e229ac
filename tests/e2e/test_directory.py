import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from structures.enums import Network
from tests.structures.factories import (
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def promeneurs():
    """One promeneur in Dordogne, one in Gironde (transactional tests flush the reference data)."""
    theme = ThemeFactory(slug="e2e-harcelement", name="Harcèlement (parcours e2e)")
    dordogne = PromeneurFactory(
        first_name="Charlotte",
        job="Animatrice jeunesse",
        structure__name="Centre social du Ruban",
        structure__department=DepartmentFactory(code="24"),
        themes=[theme],
    )
    NetworkAccountFactory(
        promeneur=dordogne,
        network=Network.INSTAGRAM,
        handle="charlotte_pdn",
        url="https://www.instagram.com/charlotte_pdn/",
    )
    NetworkAccountFactory(
        promeneur=dordogne,
        network=Network.DISCORD,
        handle="charlotte#2424",
        url="https://discord.gg/charlotte",
    )
    PresenceSlotFactory(promeneur=dordogne, weekday=2, start=datetime.time(14), end=datetime.time(17))
    PresenceSlotFactory(promeneur=dordogne, weekday=4, start=datetime.time(22), end=datetime.time(1))
    gironde = PromeneurFactory(
        first_name="Arnaud",
        structure__name="MJC des Chartrons",
        structure__postcode="33000",
        structure__commune="Bordeaux",
        structure__latitude=Decimal("44.853"),
        structure__longitude=Decimal("-0.571"),
        structure__department=DepartmentFactory(code="33"),
    )
    NetworkAccountFactory(promeneur=gironde, network=Network.TIKTOK, url="https://www.tiktok.com/@arnaud")
    return dordogne, gironde


def test_find_a_promeneur_by_department_and_open_the_profile(live_server, page, axe, promeneurs):
    dordogne, gironde = promeneurs
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Numéros d’urgence et d’écoute")).to_be_visible()
    assert axe(page) == []

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Annuaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire des promeneurs")
    expect(page.get_by_role("heading", name="2 promeneurs trouvés")).to_be_visible()
    # The map is drawn, with one marker per structure, and is named.
    expect(page.get_by_role("region", name="Carte des structures des promeneurs trouvés")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    assert axe(page) == []

    page.get_by_label("Département").select_option(label="24 — Dordogne")
    page.get_by_role("button", name="Rechercher").click()

    expect(page).to_have_url(f"{live_server.url}/annuaire/?departement=24&lieu=&reseau=&theme=&age=")
    expect(page.get_by_role("heading", name="1 promeneur trouvé")).to_be_visible()
    results = page.locator(".cards")
    expect(results.get_by_role("link", name=dordogne.display_name)).to_be_visible()
    expect(results.get_by_text("Arnaud")).to_have_count(0)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_label("Département")).to_have_value("24")

    results.get_by_role("link", name=dordogne.display_name).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Charlotte — Centre social du Ruban")
    assert axe(page) == []
    networks = page.locator(".network-list")
    expect(networks).to_contain_text("Instagram : charlotte_pdn")
    expect(networks).to_contain_text("Discord : charlotte#2424")
    expect(networks.get_by_role("link", name="charlotte_pdn sur Instagram")).to_have_attribute(
        "href", "https://www.instagram.com/charlotte_pdn/"
    )
    hours = page.get_by_role("table")
    expect(hours.get_by_role("row", name="Mercredi 14 h 00 – 17 h 00")).to_be_visible()
    expect(hours.get_by_role("row", name="Vendredi 22 h 00 – 1 h 00 (le lendemain)")).to_be_visible()
    expect(page.get_by_text("Total : 6 h par semaine.")).to_be_visible()
    expect(page.locator("#urgences")).to_contain_text("3114")
    assert errors == []


def test_directory_errors_are_accessible_and_keep_the_input(live_server, page, axe, promeneurs):
    page.goto(live_server.url + "/annuaire/?age=abc&lieu=%3Cb%3E")

    age = page.get_by_label("Âge")
    expect(age).to_have_value("abc")
    expect(age).to_have_accessible_description(
        "De 12 à 25 ans Indique un âge en chiffres, entre 12 et 25 ans."
    )
    expect(page.get_by_label("Commune ou code postal")).to_have_value("<b>")
    expect(page.get_by_role("alert")).to_contain_text("Un filtre n’a pas pu être pris en compte")
    assert axe(page) == []


def test_map_marker_opens_a_popup_linking_to_the_structure(live_server, page, axe, promeneurs):
    dordogne, _ = promeneurs
    page.goto(live_server.url + "/annuaire/?departement=24")

    page.get_by_role("button", name="Centre social du Ruban, Périgueux").click()

    popup = page.locator(".leaflet-popup-content")
    popup.get_by_role("link", name="Centre social du Ruban").click()
    expect(page).to_have_url(live_server.url + dordogne.structure.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Centre social du Ruban")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    assert axe(page) == []


def test_a_wide_search_draws_the_map_it_fetches(live_server, page, axe, promeneurs, settings):
    """Above DIRECTORY_MAP_INLINE_MAX structures, the page holds no list and the map fetches its
    points from /annuaire/carte/ (the same filters), then draws them as markers."""
    settings.DIRECTORY_MAP_INLINE_MAX = 1
    dordogne, _ = promeneurs
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(live_server.url + "/annuaire/")
    expect(page.get_by_text("2 structures accueillent les promeneurs de cette recherche.")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    # Leaflet's stylesheet is there: the markers are placed on the map and their image is found.
    for marker in page.locator(".leaflet-marker-icon").all():
        assert marker.evaluate("img => getComputedStyle(img).position") == "absolute"
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=marker.element_handle())
    page.get_by_role("button", name="Centre social du Ruban, Périgueux").click()
    page.locator(".leaflet-popup-content").get_by_role("link", name="Centre social du Ruban").click()
    expect(page).to_have_url(live_server.url + dordogne.structure.get_absolute_url())
    page.go_back()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    assert failed == []
    assert axe(page) == []


def test_thousands_of_structures_are_drawn_on_a_canvas(live_server, page, promeneurs, settings):
    settings.DIRECTORY_MAP_INLINE_MAX = 10
    department = promeneurs[0].structure.department
    for n in range(205):
        PromeneurFactory(user=None, structure__department=department, structure__name=f"Structure {n}")
    page.goto(live_server.url + "/annuaire/")
    expect(page.get_by_text("207 structures accueillent les promeneurs de cette recherche.")).to_be_visible()
    expect(page.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(0)
