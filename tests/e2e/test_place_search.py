"""The place autocomplete (ARIA combobox) and the directory's new states, in a browser, with axe-core."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.structures.factories import (
    CommuneFactory,
    DepartmentFactory,
    PresenceSlotFactory,
    PromeneurFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = [320, 1280]


@pytest.fixture
def places():
    dordogne, lot_et_garonne = DepartmentFactory(code="24"), DepartmentFactory(code="47")
    CommuneFactory(
        insee_code="24372", name="Saint-Astier", postcodes=" 24110 ", population=5492, department=dordogne
    )
    CommuneFactory(
        insee_code="47229",
        name="Saint-Astier",
        postcodes=" 47120 ",
        population=222,
        department=lot_et_garonne,
    )
    CommuneFactory(
        insee_code="24037",
        name="Bergerac",
        postcodes=" 24100 ",
        department=dordogne,
        latitude=Decimal("44.850165"),
        longitude=Decimal("0.483000"),
    )
    promeneur = PromeneurFactory(
        first_name="Astrid",
        display_name="Astrid — Centre social d’Astier",
        structure__name="Centre social d’Astier",
        structure__commune="Saint-Astier",
        structure__postcode="24110",
        structure__department=dordogne,
        structure__latitude=Decimal("45.1452"),
        structure__longitude=Decimal("0.5276"),
    )
    # Never online at the time of the test run: Sunday 03:00–03:01.
    PresenceSlotFactory(promeneur=promeneur, weekday=6, start=datetime.time(3, 0), end=datetime.time(3, 1))
    return promeneur


@pytest.mark.parametrize("width", WIDTHS)
def test_choose_a_commune_by_keyboard_in_the_suggestions(live_server, page, axe, places, width):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/annuaire/")

    field = page.get_by_role("combobox", name="Commune ou code postal")
    expect(field).to_have_attribute("aria-expanded", "false")
    field.press_sequentially("st ast")
    listbox = page.get_by_role("listbox", name="Communes proposées")
    expect(listbox).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Saint-Astier (24)")
    expect(page.get_by_role("status").filter(has_text="2 communes proposées")).to_be_attached()
    assert axe(page) == []

    field.press("ArrowDown")
    field.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    field.press("ArrowUp")
    field.press("Enter")
    expect(field).to_have_value("Saint-Astier (24)")
    expect(listbox).to_be_hidden()
    expect(field).to_be_focused()

    field.press("Enter")
    expect(page.get_by_role("heading", name="1 promeneur trouvé")).to_be_visible()
    expect(page.locator(".cards")).to_contain_text("Astrid")

    field.fill("")
    field.press_sequentially("saint")
    expect(listbox).to_be_visible()
    field.press("Escape")
    expect(listbox).to_be_hidden()
    expect(field).to_have_value("saint")
    assert errors == []


def test_the_place_field_works_without_scripts(browser, live_server, places):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/annuaire/")
    field = page.get_by_label("Commune ou code postal")
    assert field.get_attribute("role") is None
    field.fill("ST ASTIER")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="1 promeneur trouvé")).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_nearest_structures_and_nobody_online_states_pass_axe(live_server, page, axe, places, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/annuaire/?lieu=Bergerac")
    expect(page.get_by_text("Aucun promeneur à Bergerac pour l’instant")).to_be_visible()
    nearest = page.locator(".nearest-structures li")
    expect(nearest).to_have_count(1)
    expect(nearest).to_contain_text("Centre social d’Astier, Saint-Astier (24) — à 33\u00a0km")
    assert axe(page) == []

    page.goto(live_server.url + "/annuaire/?en_ligne=on")
    expect(page.get_by_text("Personne n’est en ligne en ce moment")).to_be_visible()
    expect(page.locator(".next-presences")).to_contain_text(
        "Astrid — Centre social d’Astier : dimanche à 3 h 00"
    )
    expect(page.get_by_role("link", name="laisser une demande")).to_be_visible()
    expect(page.get_by_role("heading", name="Numéros d’urgence et d’écoute")).to_be_visible()
    assert axe(page) == []
