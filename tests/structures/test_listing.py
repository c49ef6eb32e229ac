"""What a directory search finds, kept in the shared cache (structures/listing.py).

A change to who is listed, to what a filter looks at, or to the order shows on the next request,
whether it is made in code, through the admin or in bulk (said with `content_changed`); a change
that touches none of that (a promeneur's job, their hours) leaves the search kept; "en ligne
maintenant" is right to the minute; nothing is kept from inside a transaction or without Redis.

Run outside the test's transaction (`transactional_db`), with the page cache off, as the cards' tests.
"""

import datetime
import json
import re

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from notifications.cache import ResilientRedisCache
from promeneurs import public_cache
from structures import listing
from structures.enums import Network, PromeneurStatus
from structures.models import Promeneur
from tests.accounts.factories import UserFactory
from tests.structures.cache_helpers import deactivate_account, hide_structure, page_seen_meanwhile, suspend
from tests.structures.factories import (
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)
from tests.structures.test_admin import admin_form_data
from tests.structures.test_views import PARIS, WEDNESDAY_3PM

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

DIRECTORY = reverse("structures:directory")
MAP = reverse("structures:directory_map")
# The reads of a search: its count, the ids of its page, the structures of its map.
READS_THE_LISTING = re.compile(
    r'COUNT\("structures_promeneur"\."id"\)|AS "pk", "structures_promeneur"\."structure_id"'
    r'|"structures_structure"\."id" IN \(SELECT'
)


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture
def canari():
    """A promeneur of Périgueux (24), online on Wednesdays from 14:00 to 17:00, and a neighbour."""
    structure = StructureFactory(name="Structure canari", commune="Périgueux")
    promeneur = PromeneurFactory(first_name="Canari", structure=structure, age_min=14, age_max=18)
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    PromeneurFactory(first_name="Voisin", structure=StructureFactory(name="Structure voisine"))
    return promeneur


def visit(url, client=None):
    """(page, the reads of the listing it made)."""
    with CaptureQueriesContext(connection) as queries:
        response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries if READS_THE_LISTING.search(q["sql"])]


def listed(page):
    """The first names of the cards of a directory page, in order."""
    return re.findall(
        r'<article class="card promeneur-card".*?<h3[^>]*>\s*<a[^>]*>([^<—]+?)[\s—<]', page, re.S
    )


@freeze_time(WEDNESDAY_3PM)
def test_a_search_is_read_once_and_kept_through_a_change_of_hours(canari):
    first, reads = visit(DIRECTORY)
    assert reads and listed(first) == ["Canari", "Voisin"]
    assert visit(DIRECTORY) == (first, [])
    # Hours and a job change what a card shows, not who is listed.
    PresenceSlotFactory(promeneur=Promeneur.objects.get(first_name="Voisin"))
    canari.job = "Nouveau métier"
    canari.save()
    page, reads = visit(DIRECTORY)
    assert reads == []
    assert "Nouveau métier" in page and listed(page) == ["Canari", "Voisin"]


def bulk_update_then_say_so(promeneur):
    Promeneur.objects.filter(pk=promeneur.pk).update(status=PromeneurStatus.SUSPENDED)
    public_cache.content_changed(["annuaire"])


GONE = [suspend, hide_structure, deactivate_account, lambda p: p.delete(), bulk_update_then_say_so]


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("change", GONE, ids=lambda c: c.__name__)
def test_a_promeneur_no_longer_public_is_gone_from_the_next_page(canari, change):
    visit(DIRECTORY)
    assert visit(DIRECTORY)[1] == []  # kept
    change(Promeneur.objects.get(pk=canari.pk))
    page, reads = visit(DIRECTORY)
    assert reads
    assert listed(page) == ["Voisin"] and "Canari" not in page
    assert "1 promeneur trouvé" in page


@freeze_time(WEDNESDAY_3PM)
def test_a_new_promeneur_and_a_new_name_show_in_order_on_the_next_page(canari):
    visit(DIRECTORY)
    PromeneurFactory(first_name="Zoé")
    assert listed(visit(DIRECTORY)[0]) == ["Canari", "Voisin", "Zoé"]
    canari.first_name = "Youna"  # the order's; the name shown, "Canari — Structure canari", stays
    canari.save()
    assert listed(visit(DIRECTORY)[0]) == ["Voisin", "Canari", "Zoé"]


def add_network(promeneur):
    NetworkAccountFactory(promeneur=promeneur, network=Network.TIKTOK)


def add_theme(promeneur):
    promeneur.themes.add(ThemeFactory(slug="sport", name="Sport"))


def add_from_the_theme(promeneur):
    ThemeFactory(slug="sport", name="Sport").promeneurs.add(promeneur)


def widen_ages(promeneur):
    promeneur.age_min = 12
    promeneur.save()


def move_to_gironde(promeneur):
    structure = promeneur.structure
    structure.department = DepartmentFactory(code="33")
    structure.postcode, structure.commune = "33000", "Bordeaux"
    structure.save()


FILTERS = {
    # change: the search that finds the canari only after it
    add_network: f"?reseau={Network.TIKTOK}",
    add_theme: "?theme=sport",
    add_from_the_theme: "?theme=sport",
    widen_ages: "?age=12",
    move_to_gironde: "?lieu=Bordeaux",
}


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("change", list(FILTERS), ids=lambda c: c.__name__)
def test_a_change_to_what_a_filter_looks_at_shows_on_the_next_request(canari, change):
    ThemeFactory(slug="sport", name="Sport")
    DepartmentFactory(code="33")
    url = DIRECTORY + FILTERS[change]
    assert "Canari" not in listed(visit(url)[0])
    assert visit(url)[1] == []  # kept
    change(Promeneur.objects.get(pk=canari.pk))
    page, reads = visit(url)
    assert reads and "Canari" in listed(page)


@freeze_time(WEDNESDAY_3PM)
def test_a_change_made_in_the_admin_shows_on_the_next_request(canari, client):
    visit(DIRECTORY)
    staff = Client()
    staff.force_login(UserFactory(caf_staff=True))
    url = reverse("admin:structures_structure_change", args=[canari.structure_id])
    data = admin_form_data(staff.get(url))
    data.pop("is_public", None)  # unticked
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page, reads = visit(DIRECTORY)
    assert reads and "Canari" not in page and listed(page) == ["Voisin"]


@pytest.mark.parametrize("where", ["page", "map"])
def test_en_ligne_is_right_to_the_minute(canari, where):
    """The canari's slot starts at 14:00: not online at 13:59, online at 14:00, from a search kept
    for each minute; a slot added shows at once."""
    url = DIRECTORY + "?en_ligne=on" if where == "page" else MAP + "?en_ligne=on"

    def names():
        page, reads = visit(url)
        if where == "map":
            return sorted(s["name"] for s in json.loads(page)["structures"]), reads
        return listed(page), reads

    canari_there = ["Canari"] if where == "page" else ["Structure canari"]
    with freeze_time(datetime.datetime(2026, 3, 11, 13, 59, 30, tzinfo=PARIS)):
        assert names()[0] == []
        assert names() == ([], [])
    with freeze_time(datetime.datetime(2026, 3, 11, 14, 0, tzinfo=PARIS)):
        shown, reads = names()
        assert shown == canari_there and reads
        assert names() == (canari_there, [])
        PresenceSlotFactory(
            promeneur=Promeneur.objects.get(first_name="Voisin"),
            weekday=2,
            start=datetime.time(13),
            end=datetime.time(15),
        )
        shown, reads = names()
        assert reads and len(shown) == 2


@freeze_time(WEDNESDAY_3PM)
def test_each_page_of_a_search_is_kept_on_its_own(canari, settings):
    settings.DIRECTORY_PAGE_SIZE = 1
    assert listed(visit(DIRECTORY)[0]) == ["Canari"]
    assert listed(visit(DIRECTORY + "?page=2")[0]) == ["Voisin"]
    assert visit(DIRECTORY + "?page=2")[1] == []
    assert listed(visit(DIRECTORY + "?page=2")[0]) == ["Voisin"]
    # A page number the search does not have: its last page, as without the cache.
    assert listed(visit(DIRECTORY + "?page=99")[0]) == ["Voisin"]
    PromeneurFactory(first_name="Aaron")
    assert listed(visit(DIRECTORY + "?page=2")[0]) == ["Canari"]


@freeze_time(WEDNESDAY_3PM)
def test_the_map_of_a_wide_search_follows_its_structures(canari, settings):
    settings.DIRECTORY_MAP_INLINE_MAX = 1
    page, _ = visit(DIRECTORY)
    assert MAP in page  # too many structures for the page: the map fetches them

    def points():
        return {s["name"]: s["lat"] for s in json.loads(visit(MAP)[0])["structures"]}

    assert points() == {"Structure canari": 45.184, "Structure voisine": 45.184}
    assert visit(MAP)[1] == []
    structure = canari.structure
    structure.latitude = 44.8
    structure.save()
    assert points()["Structure canari"] == 44.8


@freeze_time(WEDNESDAY_3PM)
def test_a_search_read_inside_a_transaction_is_not_kept(canari):
    with transaction.atomic():
        assert visit(DIRECTORY)[1]
    assert visit(DIRECTORY)[1]
    assert visit(DIRECTORY)[1] == []


@freeze_time(WEDNESDAY_3PM)
def test_a_search_read_while_a_change_commits_is_not_kept(canari):
    """A visitor's page read between the save and the commit (another connection) still lists the
    canari, under the version of that moment; the commit replaces that version again."""
    visit(DIRECTORY)
    with transaction.atomic():
        suspend(Promeneur.objects.get(pk=canari.pk))
        assert "Canari" in listed(page_seen_meanwhile(visit, DIRECTORY))
    page, reads = visit(DIRECTORY)
    assert reads and listed(page) == ["Voisin"]


@freeze_time(WEDNESDAY_3PM)
def test_a_lost_version_is_a_miss(canari):
    visit(DIRECTORY)
    caches["default"].delete(listing.LISTING_VERSION_KEY)
    assert visit(DIRECTORY)[1]


@freeze_time(WEDNESDAY_3PM)
def test_without_redis_the_search_is_read_each_time(canari, monkeypatch):
    first, _ = visit(DIRECTORY)
    monkeypatch.setattr(ResilientRedisCache, "redis_available", property(lambda self: False))
    assert visit(DIRECTORY)[1]
    suspend(Promeneur.objects.get(pk=canari.pk))
    page, reads = visit(DIRECTORY)
    assert reads and listed(page) == ["Voisin"]


@freeze_time(WEDNESDAY_3PM)
def test_a_sign_in_leaves_the_search_kept(canari):
    """Saving an account's sign-in date changes nothing listed: no query, no new version."""
    visit(DIRECTORY)
    user = canari.user
    user.last_login = WEDNESDAY_3PM
    with CaptureQueriesContext(connection) as queries:
        user.save(update_fields=["last_login"])
    assert len(queries) == 1
    assert visit(DIRECTORY)[1] == []


# --- The search form, kept for each query string ------------------------------------------------

FORM_TEMPLATE = "structures/_directory_form.html"


def form_of(url, client=None):
    """(the search form of the page, whether it was rendered for this request)."""
    response = (client or Client()).get(url)
    assert response.status_code == 200
    form = re.search(r'<form method="get".*?</form>', response.content.decode(), re.S).group(0)
    return form, FORM_TEMPLATE in [t.name for t in response.templates]


@freeze_time(WEDNESDAY_3PM)
def test_the_search_form_is_kept_for_each_query_string(canari):
    url = DIRECTORY + "?age=abc&lieu=P%C3%A9rigueux"
    form, rendered = form_of(url)
    assert rendered
    assert "Indique un âge en chiffres" in form and 'value="abc"' in form and 'value="Périgueux"' in form
    assert form_of(url) == (form, False)
    other, rendered = form_of(DIRECTORY + "?age=13")
    assert rendered and 'value="13"' in other and "Indique un âge" not in other
    assert "Effacer les filtres" in other and "Effacer les filtres" not in form_of(DIRECTORY)[0]


@freeze_time(WEDNESDAY_3PM)
def test_a_departement_renamed_shows_in_the_search_form_on_the_next_request(canari):
    assert ">24 — Dordogne</option>" in form_of(DIRECTORY)[0]
    department = canari.structure.department
    department.name = "Dordogne canari"
    department.save()
    form, rendered = form_of(DIRECTORY)
    assert rendered and ">24 — Dordogne canari</option>" in form and ">24 — Dordogne</option>" not in form


@freeze_time(WEDNESDAY_3PM)
def test_the_search_form_kept_carries_nothing_of_a_visitor(canari):
    """Rendered first for a signed-in visitor, the form kept is the one every visitor gets: it is
    made from the query string alone."""
    member = Client()
    member.force_login(UserFactory(email="canari-visiteur@example.org", first_name="Visiteurcanari"))
    signed_in, rendered = form_of(DIRECTORY + "?age=14", member)
    assert rendered
    anonymous = Client().get(DIRECTORY + "?age=14").content.decode()
    assert signed_in in anonymous
    assert "canari-visiteur" not in anonymous and "Visiteurcanari" not in anonymous


@freeze_time(WEDNESDAY_3PM)
def test_a_search_form_rendered_inside_a_transaction_is_not_kept(canari):
    with transaction.atomic():
        assert form_of(DIRECTORY)[1]
    assert form_of(DIRECTORY)[1]
    assert not form_of(DIRECTORY)[1]
