import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from structures.enums import Network
from tests.structures.factories import (
    AbsenceFactory,
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday, 15:00 in Paris.
WEDNESDAY_3PM = datetime.datetime(2026, 3, 11, 15, 0, tzinfo=PARIS)

DIRECTORY = reverse("structures:directory")

HIDDEN = {
    "candidat·e": {"candidate": True},
    "suspendu·e": {"suspended": True},
    "parti·e": {"left": True},
    "compte désactivé": {"user__is_active": False},
    "structure non publique": {"structure__is_public": False},
}


def names(response):
    """First names of the promeneurs listed on a directory or structure page."""
    return sorted(p.first_name for p in response.context["promeneurs"])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def assert_no_inline_script_or_style(html):
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=", html)


# --- The directory ------------------------------------------------------------------------------


def test_directory_lists_public_promeneurs_with_their_card(client):
    theme = ThemeFactory(name="Scolarité et orientation test")
    promeneur = PromeneurFactory(first_name="Inès", job="Animatrice jeunesse", themes=[theme])
    NetworkAccountFactory(promeneur=promeneur, network=Network.INSTAGRAM)
    NetworkAccountFactory(promeneur=promeneur, network=Network.INSTAGRAM)
    NetworkAccountFactory(promeneur=promeneur, network=Network.DISCORD, url="https://discord.gg/abcdef")
    PromeneurFactory(first_name="Yanis")

    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert names(response) == ["Inès", "Yanis"]
    html = response.content.decode()
    assert "2 promeneurs trouvés" in html
    assert promeneur.get_absolute_url() in html
    assert promeneur.display_name in html
    assert "Animatrice jeunesse" in html
    assert promeneur.structure.get_absolute_url() in html
    assert "Périgueux (24)" in html
    assert "Scolarité et orientation test" in html
    # Each network once on the card, however many accounts.
    assert html.count('<li class="badge badge-network">Instagram</li>') == 1
    assert '<li class="badge badge-network">Discord</li>' in html
    assert_no_inline_script_or_style(html)


def test_directory_card_shows_photo_with_alt_text_or_nothing(client):
    with_photo = PromeneurFactory(first_name="Lina", photo="promeneurs/lina.jpg")
    PromeneurFactory(first_name="Tom")

    html = client.get(DIRECTORY).content.decode()

    assert f'src="{with_photo.photo.url}" alt="Photo de Lina"' in html
    assert html.count('class="card-photo"') == 1


@pytest.mark.parametrize("traits", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_promeneur_is_not_in_the_directory(client, traits):
    PromeneurFactory(first_name="Visible")
    PromeneurFactory(first_name="Caché", **traits)

    response = client.get(DIRECTORY)

    assert names(response) == ["Visible"]
    assert "Caché" not in response.content.decode()


def test_department_filter(client):
    PromeneurFactory(first_name="Dordogne")
    PromeneurFactory(first_name="Gironde", structure__department=DepartmentFactory(code="33"))

    response = client.get(DIRECTORY, {"departement": "24"})

    assert names(response) == ["Dordogne"]
    assert '<option value="24" selected>' in response.content.decode()


def test_place_filter_with_a_postcode_matches_the_structure_postcode_only(client):
    PromeneurFactory(first_name="Perigueux", structure__postcode="24000", structure__commune="Périgueux")
    PromeneurFactory(first_name="Boulazac", structure__postcode="24000", structure__commune="Boulazac")
    PromeneurFactory(first_name="Bergerac", structure__postcode="24100", structure__commune="Bergerac")

    response = client.get(DIRECTORY, {"lieu": "24000"})

    assert names(response) == ["Boulazac", "Perigueux"]


def test_place_filter_with_a_postcode_offers_the_whole_department(client):
    PromeneurFactory(structure__postcode="24100", structure__commune="Bergerac")

    response = client.get(DIRECTORY, {"lieu": "24750"})

    assert names(response) == []
    assert response.context["wider_department"].code == "24"
    assert "?departement=24" in response.content.decode()


def test_place_filter_with_a_commune_name_ignores_case(client):
    PromeneurFactory(first_name="Perigueux", structure__commune="Périgueux")
    PromeneurFactory(first_name="Bergerac", structure__postcode="24100", structure__commune="Bergerac")

    response = client.get(DIRECTORY, {"lieu": "  périgueux "})

    assert names(response) == ["Perigueux"]
    assert 'value="  périgueux "' in response.content.decode()


def test_place_filter_accepts_compound_commune_names(client):
    PromeneurFactory(first_name="Isle", structure__postcode="24750", structure__commune="Trélissac")
    PromeneurFactory(
        first_name="Espagnac", structure__postcode="16340", structure__commune="L’Isle-d’Espagnac"
    )

    response = client.get(DIRECTORY, {"lieu": "l’isle-d’espagnac"})

    assert not response.context["form"].errors
    assert names(response) == ["Espagnac"]


def test_network_filter(client):
    on_snapchat = PromeneurFactory(first_name="Snap")
    NetworkAccountFactory(
        promeneur=on_snapchat, network=Network.SNAPCHAT, url="https://www.snapchat.com/add/snap"
    )
    NetworkAccountFactory(promeneur=on_snapchat, network=Network.INSTAGRAM)
    on_instagram = PromeneurFactory(first_name="Insta")
    NetworkAccountFactory(promeneur=on_instagram, network=Network.INSTAGRAM)
    PromeneurFactory(first_name="Aucun")

    assert names(client.get(DIRECTORY, {"reseau": "snapchat"})) == ["Snap"]
    # A promeneur with two accounts is listed once.
    assert names(client.get(DIRECTORY, {"reseau": "instagram"})) == ["Insta", "Snap"]


def test_theme_filter(client):
    harassment = ThemeFactory(slug="harcelement-test", name="Harcèlement (test)")
    jobs = ThemeFactory(slug="emploi-test", name="Emploi (test)")
    PromeneurFactory(first_name="Both", themes=[harassment, jobs])
    PromeneurFactory(first_name="Jobs", themes=[jobs])
    PromeneurFactory(first_name="None")

    assert names(client.get(DIRECTORY, {"theme": "harcelement-test"})) == ["Both"]
    assert names(client.get(DIRECTORY, {"theme": "emploi-test"})) == ["Both", "Jobs"]


@pytest.mark.parametrize(
    ("age", "expected"),
    [("12", ["Ados"]), ("17", ["Ados"]), ("18", ["Adultes"]), ("25", ["Adultes"]), ("", ["Adultes", "Ados"])],
)
def test_age_filter(client, age, expected):
    PromeneurFactory(first_name="Ados", age_min=12, age_max=17)
    PromeneurFactory(first_name="Adultes", age_min=18, age_max=25)

    assert names(client.get(DIRECTORY, {"age": age})) == sorted(expected)


@freeze_time(WEDNESDAY_3PM)
def test_online_now_filter_uses_paris_time_slots_and_absences(client):
    online = PromeneurFactory(first_name="Online")
    PresenceSlotFactory(promeneur=online, weekday=2, start=datetime.time(14), end=datetime.time(17))
    later = PromeneurFactory(first_name="Later")
    PresenceSlotFactory(promeneur=later, weekday=2, start=datetime.time(18), end=datetime.time(20))
    absent = PromeneurFactory(first_name="Absent")
    PresenceSlotFactory(promeneur=absent, weekday=2, start=datetime.time(14), end=datetime.time(17))
    AbsenceFactory(promeneur=absent, starts_on=datetime.date(2026, 3, 9), ends_on=datetime.date(2026, 3, 13))
    # 15:00 in Paris is 14:00 UTC: a 14:30–16:00 slot read as UTC would wrongly be "online".
    utc_trap = PromeneurFactory(first_name="Trap")
    PresenceSlotFactory(promeneur=utc_trap, weekday=2, start=datetime.time(15, 30), end=datetime.time(16))

    response = client.get(DIRECTORY, {"en_ligne": "on"})

    assert names(response) == ["Online"]
    html = response.content.decode()
    assert "En ligne maintenant" in html
    assert 'name="en_ligne" id="id_en_ligne" checked' in html


@freeze_time(WEDNESDAY_3PM)
def test_cards_show_online_badge_or_next_slot(client):
    online = PromeneurFactory(first_name="Online")
    PresenceSlotFactory(promeneur=online, weekday=2, start=datetime.time(14), end=datetime.time(17))
    later = PromeneurFactory(first_name="Later")
    PresenceSlotFactory(promeneur=later, weekday=4, start=datetime.time(9, 30), end=datetime.time(12))
    PresenceSlotFactory(promeneur=later, weekday=1, start=datetime.time(18), end=datetime.time(20))
    away = PromeneurFactory(first_name="Away")
    PresenceSlotFactory(promeneur=away, weekday=2, start=datetime.time(18), end=datetime.time(20))
    AbsenceFactory(promeneur=away, starts_on=datetime.date(2026, 3, 11), ends_on=datetime.date(2026, 3, 20))
    PromeneurFactory(first_name="Never")

    response = client.get(DIRECTORY)

    cards = {p.first_name: p for p in response.context["promeneurs"]}
    assert cards["Online"].online_now
    assert cards["Later"].next_slot == "vendredi à 9 h 30"
    # After an absence, more than a week away: the date is given too.
    assert cards["Away"].next_slot == "mercredi 25 mars à 18 h 00"
    assert cards["Never"].next_slot is None
    html = response.content.decode()
    assert html.count("En ligne maintenant</span>") == 1
    assert "Prochaine présence\u202f: vendredi à 9 h 30" in html
    assert "Prochaine présence\u202f: mercredi 25 mars à 18 h 00" in html


def test_filters_combine(client):
    theme = ThemeFactory(slug="loisirs-test", name="Loisirs (test)")
    match = PromeneurFactory(first_name="Match", age_min=15, age_max=25, themes=[theme])
    NetworkAccountFactory(promeneur=match, network=Network.INSTAGRAM)
    other_department = PromeneurFactory(
        first_name="Gironde", themes=[theme], structure__department=DepartmentFactory(code="33")
    )
    NetworkAccountFactory(promeneur=other_department, network=Network.INSTAGRAM)
    too_old = PromeneurFactory(first_name="Young", age_min=12, age_max=14, themes=[theme])
    NetworkAccountFactory(promeneur=too_old, network=Network.INSTAGRAM)

    response = client.get(
        DIRECTORY,
        {
            "departement": "24",
            "lieu": "Périgueux",
            "reseau": "instagram",
            "theme": "loisirs-test",
            "age": "16",
        },
    )

    assert names(response) == ["Match"]


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message", "kept"),
    [
        ({"age": "abc"}, "age", "Indique un âge en chiffres, entre 12 et 25 ans.", 'value="abc"'),
        ({"age": "99"}, "age", "Les promeneurs accompagnent les jeunes jusqu’à 25 ans.", 'value="99"'),
        ({"age": "8"}, "age", "Les promeneurs accompagnent les jeunes à partir de 12 ans.", 'value="8"'),
        ({"age": "9" * 400}, "age", "jusqu’à 25 ans", 'value="999'),
        ({"departement": "ZZ"}, "departement", "Choisis un département dans la liste.", None),
        ({"departement": "2\x00"}, "departement", "Choisis un département dans la liste.", None),
        ({"departement": "9" * 5000}, "departement", "Choisis un département dans la liste.", None),
        ({"theme": "nope"}, "theme", "Choisis un thème dans la liste.", None),
        ({"theme": "a\x00b"}, "theme", "Choisis un thème dans la liste.", None),
        ({"reseau": "myspace"}, "reseau", "Choisis un réseau dans la liste.", None),
        ({"lieu": "a" * 5000}, "lieu", "au plus 100 caractères (tu en as saisi 5000)", 'value="aaaa'),
        ({"lieu": "Péri\x00gueux"}, "lieu", "Ce texte contient un caractère invalide.", None),
        ({"lieu": "ⓟⓔⓡⓘ ☃"}, "lieu", "Saisis un nom de commune", 'value="ⓟⓔⓡⓘ ☃"'),
    ],
)
def test_invalid_filter_shows_a_french_error_next_to_the_field_and_keeps_the_input(
    client, params, field, message, kept
):
    PromeneurFactory(first_name="Visible")

    response = client.get(DIRECTORY, params)

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert len(errors) == 1
    assert message in errors[0]
    html = response.content.decode()
    error_list = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert error_list and message in error_list.group(1)
    assert re.search(
        rf'aria-invalid="true"[^>]*id="id_{field}"|id="id_{field}"[^>]*aria-invalid="true"', html
    )
    assert "Un filtre n’a pas pu être pris en compte" in html
    if kept:
        assert kept in html
    # The filter in error is left out; the page still lists the promeneurs.
    assert names(response) == ["Visible"]


def test_script_in_place_is_escaped_and_refused(client):
    response = client.get(DIRECTORY, {"lieu": "<script>alert('pdn')</script>"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;pdn&#x27;)&lt;/script&gt;" in html
    assert "Saisis un nom de commune" in response.context["form"].errors["lieu"][0]


def test_valid_filters_still_apply_when_another_is_invalid(client):
    PromeneurFactory(first_name="Dordogne")
    PromeneurFactory(first_name="Gironde", structure__department=DepartmentFactory(code="33"))

    response = client.get(DIRECTORY, {"departement": "24", "age": "abc"})

    assert names(response) == ["Dordogne"]
    assert "age" in response.context["form"].errors


# --- Pagination ---------------------------------------------------------------------------------


def test_pagination_keeps_the_filters(client, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    for first_name in ["Alice", "Bruno", "Chloé"]:
        PromeneurFactory(first_name=first_name)
    PromeneurFactory(first_name="Gironde", structure__department=DepartmentFactory(code="33"))

    first = client.get(DIRECTORY, {"departement": "24", "age": "15"})

    html = first.content.decode()
    assert names(first) == ["Alice", "Bruno"]
    assert "3 promeneurs trouvés" in html
    assert 'href="?departement=24&amp;age=15&amp;page=2"' in html

    second = client.get(DIRECTORY, {"departement": "24", "age": "15", "page": "2"})

    assert names(second) == ["Chloé"]
    assert 'href="?departement=24&amp;age=15&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize(
    ("page_number", "expected"),
    [("999", ["Chloé"]), ("-1", ["Chloé"]), ("abc", ["Alice", "Bruno"]), ("1\x00", ["Alice", "Bruno"])],
)
def test_invalid_page_shows_the_last_or_first_page(client, settings, page_number, expected):
    settings.DIRECTORY_PAGE_SIZE = 2
    for first_name in ["Alice", "Bruno", "Chloé"]:
        PromeneurFactory(first_name=first_name)

    response = client.get(DIRECTORY, {"page": page_number})

    assert response.status_code == 200
    assert names(response) == expected


def test_empty_directory_says_so(client):
    response = client.get(DIRECTORY)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucun promeneur trouvé" in html
    assert 'id="carte"' not in html
    assert "leaflet.js" not in html


# --- The map ------------------------------------------------------------------------------------


def test_map_shows_all_matching_public_structures_with_coordinates(client, settings):
    settings.DIRECTORY_PAGE_SIZE = 1
    first = PromeneurFactory(first_name="Alice", structure__name="Centre Alpha")
    second = PromeneurFactory(
        first_name="Bruno", structure__name="MJC Bravo", structure__latitude=Decimal("44.85")
    )
    PromeneurFactory(
        first_name="Chloé", structure__name="Sans carte", structure__latitude=None, structure__longitude=None
    )
    PromeneurFactory(first_name="Caché", structure__name="Structure privée", structure__is_public=False)
    PromeneurFactory(first_name="Candidat", structure__name="Seulement des candidats", candidate=True)
    PromeneurFactory(
        first_name="Gironde",
        structure__name="Autre département",
        structure__department=DepartmentFactory(code="33"),
    )

    response = client.get(DIRECTORY, {"departement": "24"})

    points = response.context["map_data"]["structures"]
    # Only the first promeneur is on this page; the map has every matching structure.
    assert names(response) == ["Alice"]
    assert [p["name"] for p in points] == ["Centre Alpha", "MJC Bravo"]
    assert points[0] == {
        "name": "Centre Alpha",
        "commune": "Périgueux",
        "url": first.structure.get_absolute_url(),
        "lat": 45.184,
        "lng": 0.721,
    }
    assert points[1]["lat"] == 44.85
    html = response.content.decode()
    assert '<script id="map-data" type="application/json">' in html
    assert 'id="carte" class="map" role="region" aria-label="' in html
    # The same structures as links, for whoever cannot use the map.
    map_list = html[html.index('class="map-list"') :]
    assert first.structure.get_absolute_url() in map_list
    assert second.structure.get_absolute_url() in map_list
    for hidden in ["Structure privée", "Seulement des candidats", "Autre département", "Sans carte"]:
        assert hidden not in html[html.index('id="map-data"') :]
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    assert "/static/js/map.js" in html
    assert_no_inline_script_or_style(html)


def test_map_escapes_structure_names_in_its_data(client):
    PromeneurFactory(structure__name="</script><script>alert(1)</script>")

    html = client.get(DIRECTORY).content.decode()

    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html


@pytest.mark.parametrize("tiles", ["", "https://tiles.example.test/{z}/{x}/{y}.png"])
def test_map_tiles_come_from_the_settings(client, settings, tiles):
    settings.MAP_TILE_URL = tiles
    PromeneurFactory()

    data = client.get(DIRECTORY).context["map_data"]

    assert data["tiles"] == tiles
    assert data["attribution"] == settings.MAP_ATTRIBUTION


# --- Query counts -------------------------------------------------------------------------------


def make_busy_promeneur(**kwargs):
    """A promeneur with everything a card shows: themes, networks, slots, an absence."""
    promeneur = PromeneurFactory(themes=[ThemeFactory(), ThemeFactory()], **kwargs)
    NetworkAccountFactory(promeneur=promeneur)
    NetworkAccountFactory(promeneur=promeneur, network=Network.TIKTOK, url="https://www.tiktok.com/@pdn")
    PresenceSlotFactory(promeneur=promeneur, weekday=2)
    PresenceSlotFactory(promeneur=promeneur, weekday=5, start=datetime.time(22), end=datetime.time(1))
    AbsenceFactory(
        promeneur=promeneur, starts_on=datetime.date(2026, 3, 20), ends_on=datetime.date(2026, 3, 25)
    )
    return promeneur


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize(
    ("params", "one_page", "two_pages"),
    [
        ({}, 10, 11),
        (
            {"departement": "24", "lieu": "24000", "reseau": "instagram", "age": "15", "en_ligne": "on"},
            11,
            12,
        ),
        ({"lieu": "Périgueux", "page": "2"}, 10, 11),
    ],
)
def test_directory_query_count_does_not_depend_on_the_number_of_promeneurs(
    client, django_assert_num_queries, params, one_page, two_pages
):
    theme = ThemeFactory(slug="theme-compte")
    params = {**params, "theme": theme.slug}
    make_busy_promeneur().themes.add(theme)
    url = f"{DIRECTORY}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
    few = count_queries(client, url)
    assert few == one_page  # pinned: a new query shows here, even with one promeneur

    for _ in range(29):
        make_busy_promeneur().themes.add(theme)

    # One query more, whatever the number: the map's structures over the whole search (on a
    # single page, they came with its promeneurs).
    with django_assert_num_queries(two_pages):
        response = client.get(url)
    assert response.context["paginator"].num_pages == 2
    if "page" not in params and "en_ligne" not in params:
        assert len(response.context["promeneurs"]) == 20


@freeze_time(WEDNESDAY_3PM)
def test_structure_page_query_count_does_not_depend_on_the_number_of_promeneurs(
    client, django_assert_num_queries
):
    structure = StructureFactory()
    make_busy_promeneur(structure=structure)
    few = count_queries(client, structure.get_absolute_url())
    # Pinned: the structure, its promeneurs, and their cards (the promeneurs, their themes,
    # networks, slots and absences; inside this test's transaction, none is kept: see
    # test_cards.py). A new query shows here, even on a page of one row.
    assert few == 7

    for _ in range(29):
        make_busy_promeneur(structure=structure)

    with django_assert_num_queries(few):
        response = client.get(structure.get_absolute_url())
    assert len(response.context["promeneurs"]) == 30


@freeze_time(WEDNESDAY_3PM)
def test_profile_query_count_does_not_depend_on_slots_networks_themes(client, django_assert_num_queries):
    lean = PromeneurFactory(themes=[ThemeFactory()])
    NetworkAccountFactory(promeneur=lean)
    PresenceSlotFactory(promeneur=lean)
    few = count_queries(client, lean.get_absolute_url())
    assert few == 5  # pinned: a new query shows here, even on a page of one row

    busy = PromeneurFactory(themes=[ThemeFactory() for _ in range(6)])
    for weekday in range(7):
        PresenceSlotFactory(promeneur=busy, weekday=weekday, start=datetime.time(10), end=datetime.time(11))
        PresenceSlotFactory(promeneur=busy, weekday=weekday, start=datetime.time(18), end=datetime.time(19))
    for network in [Network.INSTAGRAM, Network.TIKTOK, Network.YOUTUBE, Network.TWITCH]:
        domain = {
            "instagram": "instagram.com",
            "tiktok": "tiktok.com",
            "youtube": "youtube.com",
            "twitch": "twitch.tv",
        }
        NetworkAccountFactory(promeneur=busy, network=network, url=f"https://{domain[network]}/pdn")
    for day in [1, 5, 20]:
        AbsenceFactory(
            promeneur=busy, starts_on=datetime.date(2026, 4, day), ends_on=datetime.date(2026, 4, day)
        )

    with django_assert_num_queries(few):
        client.get(busy.get_absolute_url())


# --- The structure page -------------------------------------------------------------------------


def test_structure_page_shows_the_structure_and_its_public_promeneurs(client):
    structure = StructureFactory(
        name="MJC du Toulon",
        kind="MJC",
        address="12 rue des Écoles",
        postcode="24000",
        commune="Périgueux",
        email="contact@mjc.example",
        phone="05 53 00 00 00",
        website="https://mjc.example/",
        description="Un lieu pour les jeunes.\n\nAteliers et sorties.",
    )
    PromeneurFactory(first_name="Visible", structure=structure)
    for label, traits in HIDDEN.items():
        if "structure__is_public" not in traits:
            PromeneurFactory(first_name=f"Caché {label}", structure=structure, **traits)
    PromeneurFactory(first_name="Ailleurs")

    response = client.get(structure.get_absolute_url())

    assert response.status_code == 200
    assert names(response) == ["Visible"]
    html = response.content.decode()
    assert "<h1>MJC du Toulon</h1>" in html
    assert "Maison des jeunes et de la culture" in html
    assert "12 rue des Écoles" in html
    assert "24000 Périgueux" in html
    assert 'href="mailto:contact@mjc.example"' in html
    assert 'href="tel:0553000000"' in html
    assert 'href="https://mjc.example/" rel="noopener"' in html
    assert "<p>Ateliers et sorties.</p>" in html
    assert "Caché" not in html
    assert "Ailleurs" not in html
    assert response.context["map_data"]["structures"][0]["name"] == "MJC du Toulon"
    assert "latitude 45,1840" in html
    assert_no_inline_script_or_style(html)


def test_structure_without_coordinates_has_no_map(client):
    structure = StructureFactory(latitude=None, longitude=None)

    html = client.get(structure.get_absolute_url()).content.decode()

    assert 'id="carte"' not in html
    assert "leaflet" not in html


@pytest.mark.parametrize("slug", ["private", "unknown"])
def test_non_public_or_unknown_structure_gets_404(client, slug):
    private = StructureFactory(is_public=False)
    PromeneurFactory(structure=private)

    url = (
        private.get_absolute_url()
        if slug == "private"
        else reverse("structures:structure_detail", args=["nope"])
    )

    assert client.get(url).status_code == 404


# --- The promeneur's profile --------------------------------------------------------------------


@freeze_time(WEDNESDAY_3PM)
def test_profile_shows_identity_networks_hours_and_emergency_numbers(client):
    theme = ThemeFactory(name="Pratiques numériques (test)")
    promeneur = PromeneurFactory(
        first_name="Samia",
        structure__name="Centre social Ruban",
        job="Éducatrice",
        bio="Je suis là le mercredi.",
        age_min=14,
        age_max=21,
        themes=[theme],
        photo="promeneurs/samia.jpg",
    )
    NetworkAccountFactory(promeneur=promeneur, handle="samia_pdn", url="https://www.instagram.com/samia_pdn/")
    NetworkAccountFactory(
        promeneur=promeneur,
        network=Network.SNAPCHAT,
        handle="samia.snap",
        url="https://www.snapchat.com/add/samia.snap",
    )
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    PresenceSlotFactory(promeneur=promeneur, weekday=4, start=datetime.time(22), end=datetime.time(1))
    PresenceSlotFactory(promeneur=promeneur, weekday=5, start=datetime.time(9, 30), end=datetime.time(11))

    response = client.get(promeneur.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Samia — Centre social Ruban</h1>" in html
    assert 'alt="Photo de Samia"' in html
    assert "Éducatrice" in html
    assert "Je suis là le mercredi." in html
    assert "Pratiques numériques (test)" in html
    assert "de 14 à 21 ans" in html
    assert (
        '<span class="network-name">Instagram</span>\u202f: <a href="https://www.instagram.com/samia_pdn/" rel="noopener">samia_pdn'
        in html
    )
    assert (
        '<span class="network-name">Snapchat</span>\u202f: <a href="https://www.snapchat.com/add/samia.snap" rel="noopener">'
        in html
    )
    assert '<th scope="row">Mercredi</th><td>14 h 00 – 17 h 00</td>' in html
    assert '<th scope="row">Vendredi</th><td>22 h 00 – 1 h 00 (le lendemain)</td>' in html
    assert '<th scope="row">Samedi</th><td>9 h 30 – 11 h 00</td>' in html
    assert "Total\u202f: 7 h 30 par semaine." in html
    assert "En ligne maintenant" in html
    assert "n’est pas en service" in html
    assert 'id="urgences"' in html
    for number in ["3018", "119", "3114", "0 800 235 236", "112"]:
        assert f">{number}</a>" in html
    assert_no_inline_script_or_style(html)


@freeze_time(WEDNESDAY_3PM)
def test_profile_shows_the_next_slot_when_offline(client):
    promeneur = PromeneurFactory()
    PresenceSlotFactory(promeneur=promeneur, weekday=3, start=datetime.time(16), end=datetime.time(18))

    html = client.get(promeneur.get_absolute_url()).content.decode()

    assert "Prochaine présence\u202f: jeudi à 16 h 00" in html
    assert "En ligne maintenant" not in html


def test_profile_without_hours_or_networks(client):
    promeneur = PromeneurFactory(first_name="Noé", user=None)

    html = client.get(promeneur.get_absolute_url()).content.decode()

    assert "Noé n’a pas encore indiqué ses horaires." in html
    assert "Noé n’a pas encore indiqué ses comptes." in html
    assert promeneur.structure.get_absolute_url() in html


@pytest.mark.parametrize("traits", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_promeneur_profile_gets_404(client, traits):
    promeneur = PromeneurFactory(**traits)

    assert client.get(promeneur.get_absolute_url()).status_code == 404


def test_unknown_profile_gets_404(client):
    assert client.get(reverse("structures:promeneur_detail", args=["personne"])).status_code == 404


def test_profile_offers_the_contact_form_and_says_the_young_person_makes_the_first_move(client):
    promeneur = PromeneurFactory(first_name="Léo")
    NetworkAccountFactory(promeneur=promeneur)

    html = client.get(promeneur.get_absolute_url()).content.decode()

    assert (
        f'<a class="button" href="/contact/promeneur/{promeneur.slug}/">Demander à être contacté·e</a>'
        in html
    )
    assert "envoyer une demande d’ami" in html
    assert "C’est toujours toi qui fais le premier pas" in html
