"""The promeneurs' cards kept rendered in the shared cache (structures/cards.py).

A change to anything a card shows (the promeneur, their themes, networks, slots, absences, their
structure, a theme's or a département's name) shows on the next request; a change elsewhere
leaves the cards cached; the presence is right to the minute; who is listed comes from the pages'
own kept rows (tests/structures/test_listing.py, test_profile_cache.py); nothing is kept from inside a transaction or without Redis.

These tests run outside the test's transaction (`transactional_db`): a card read inside one is never
kept. The page cache is off unless a test says otherwise, so that only the cards' cache is looked at.
"""

import datetime
import re

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from notifications.cache import ResilientRedisCache
from promeneurs import public_cache
from structures import cards
from structures.enums import Network, PromeneurStatus
from structures.models import Promeneur, Theme
from tests.structures.cache_helpers import page_seen_meanwhile
from tests.structures.factories import (
    AbsenceFactory,
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)
from tests.structures.test_views import PARIS, WEDNESDAY_3PM

pytestmark = pytest.mark.django_db(transaction=True)

DIRECTORY = reverse("structures:directory")
# The reads of a card: the promeneurs by key, and their themes, networks, slots, absences.
READS_A_CARD = re.compile(
    r'FROM "structures_(presenceslot|absence|networkaccount|theme)"|"structures_promeneur"\."id" IN \('
)


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture
def canari():
    """A promeneur whose card shows everything, in a structure of their own, and a neighbour."""
    structure = StructureFactory(name="Structure canari", commune="Périgueux")
    promeneur = PromeneurFactory(
        first_name="Canari",
        job="Métier canari",
        structure=structure,
        themes=[ThemeFactory(name="Thème canari")],
    )
    NetworkAccountFactory(promeneur=promeneur, network=Network.INSTAGRAM)
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    PromeneurFactory(first_name="Voisin", structure=StructureFactory(name="Structure voisine"))
    ThemeFactory(name="Thème de personne")
    return promeneur


def visit(url, client=None):
    """(page, the card reads it made)."""
    with CaptureQueriesContext(connection) as queries:
        response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries if READS_A_CARD.search(q["sql"])]


def card_of(page, first_name):
    """The HTML of the card whose promeneur is `first_name`."""
    for card in re.findall(r'<article class="card promeneur-card".*?</article>', page, re.S):
        if f">{first_name}" in card or f">{first_name} —" in card:
            return card
    raise AssertionError(f"no card for {first_name}")


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("where", ["directory", "structure"])
def test_cards_are_read_once_and_kept_through_a_change_elsewhere(canari, where):
    url = DIRECTORY if where == "directory" else canari.structure.get_absolute_url()
    first, reads = visit(url)
    assert reads  # read and rendered
    assert visit(url) == (first, [])
    # A change elsewhere in the directory (another structure) leaves the cards cached.
    StructureFactory(name="Ailleurs", department=DepartmentFactory(code="33"))
    PresenceSlotFactory(promeneur=Promeneur.objects.get(first_name="Voisin"))
    again, reads = visit(url)
    if where == "structure":
        assert (again, reads) == (first, [])
    else:  # only the neighbour's card is read again
        assert len([sql for sql in reads if "presenceslot" in sql]) == 1
        assert card_of(again, "Canari") == card_of(first, "Canari")
    assert "Métier canari" in again


def set_job(promeneur):
    promeneur.job = "Nouveau métier"
    promeneur.save()


def rename_structure(promeneur):
    promeneur.structure.name = "Structure renommée"
    promeneur.structure.save()


def rename_theme(promeneur):
    theme = promeneur.themes.get()
    theme.name = "Thème renommé"
    theme.save()


def rename_department_code(promeneur):
    department = promeneur.structure.department
    department.code = "99"
    department.save()


def add_theme_from_the_theme(promeneur):
    ThemeFactory(name="Thème ajouté").promeneurs.add(promeneur)


def clear_theme_from_the_theme(promeneur):
    promeneur.themes.get().promeneurs.clear()


def delete_network(promeneur):
    promeneur.networks.get().delete()


def delete_slot(promeneur):
    promeneur.presence_slots.get().delete()


def move_slot(promeneur):
    slot = promeneur.presence_slots.get()
    slot.weekday = 4
    slot.save()


def bulk_update_then_say_so(promeneur):
    Promeneur.objects.filter(pk=promeneur.pk).update(job="Nouveau métier")
    public_cache.content_changed(["annuaire"])


def add_an_existing_theme(promeneur):
    promeneur.themes.add(Theme.objects.get(name="Thème de personne"))


def add_an_existing_theme_from_the_theme(promeneur):
    Theme.objects.get(name="Thème de personne").promeneurs.add(promeneur)


# Changes to a reference table (a theme, a département) or in bulk: every card is read again.
EVERY_CARD = {rename_theme, rename_department_code, add_theme_from_the_theme, clear_theme_from_the_theme}

CHANGES = {
    # change: (what the card shows after it, what it no longer shows)
    set_job: ("Nouveau métier", "Métier canari"),
    # (The promeneur's display name, "Canari — Structure canari", is theirs: it stays.)
    rename_structure: (">Structure renommée</a>, Périgueux", ">Structure canari</a>, Périgueux"),
    rename_theme: ("Thème renommé", "Thème canari"),
    rename_department_code: ("(99)", "(24)"),
    add_an_existing_theme: ("Thème de personne", None),
    add_an_existing_theme_from_the_theme: ("Thème de personne", None),
    lambda p: p.themes.clear(): (None, "Thème canari"),
    add_theme_from_the_theme: ("Thème ajouté", None),
    clear_theme_from_the_theme: (None, "Thème canari"),
    lambda p: NetworkAccountFactory(promeneur=p, network=Network.TIKTOK): ("TikTok", None),
    delete_network: (None, "Instagram"),
    move_slot: ("Prochaine présence\u202f: vendredi à 14 h 00", "En ligne maintenant"),
    delete_slot: ("Pas de présence en ligne prévue", "En ligne maintenant"),
    lambda p: AbsenceFactory(
        promeneur=p, starts_on=datetime.date(2026, 3, 11), ends_on=datetime.date(2026, 3, 13)
    ): ("Absent·e jusqu’au 13 mars", "En ligne maintenant"),
    bulk_update_then_say_so: ("Nouveau métier", "Métier canari"),
}


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("change", list(CHANGES), ids=lambda c: c.__name__)
def test_a_change_to_what_a_card_shows_shows_on_the_next_request(canari, change):
    shown, gone = CHANGES[change]
    before = card_of(visit(DIRECTORY)[0], "Canari")
    assert visit(DIRECTORY)[1] == []  # kept
    assert gone is None or gone in before

    change(Promeneur.objects.get(pk=canari.pk))

    page, reads = visit(DIRECTORY)
    after = card_of(page, "Canari")
    assert reads  # read again
    assert shown is None or shown in after
    assert gone is None or gone not in after
    # The neighbour's card was left alone, unless every card had to go.
    if change not in EVERY_CARD | {bulk_update_then_say_so}:
        assert len([sql for sql in reads if "presenceslot" in sql]) == 1
        assert f"IN ({canari.pk})" in " ".join(reads)


@pytest.mark.parametrize("where", ["directory", "structure"])
def test_the_presence_of_a_kept_card_is_right_to_the_minute(canari, where):
    url = DIRECTORY if where == "directory" else canari.structure.get_absolute_url()
    with freeze_time(datetime.datetime(2026, 3, 11, 13, 59, tzinfo=PARIS)):
        page_before, reads = visit(url)
        assert reads
        assert "Prochaine présence\u202f: mercredi à 14 h 00" in card_of(page_before, "Canari")
    with freeze_time(datetime.datetime(2026, 3, 11, 14, 0, tzinfo=PARIS)):
        page_at, reads = visit(url)
    assert reads == []  # the same card, from the cache
    assert "En ligne maintenant" in card_of(page_at, "Canari")
    with freeze_time(datetime.datetime(2026, 3, 11, 17, 0, tzinfo=PARIS)):
        page_after, reads = visit(url)
    assert reads == []
    # A week from now: the date is given too.
    assert "Prochaine présence\u202f: mercredi 18 mars à 14 h 00" in card_of(page_after, "Canari")
    assert "En ligne maintenant" not in card_of(page_after, "Canari")


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize(
    "hide",
    [
        lambda p: Promeneur.objects.filter(pk=p.pk).update(status=PromeneurStatus.SUSPENDED),
        lambda p: type(p.user).objects.filter(pk=p.user_id).update(is_active=False),
    ],
    ids=["label", "account"],
)
def test_a_promeneur_hidden_in_bulk_is_gone_from_the_structure_page(canari, hide):
    """A bulk update sends no signal: it says so (`content_changed`), as for the pages, and the
    promeneur is gone from the next page though their card is kept. (Who a page lists is kept too:
    tests/structures/test_listing.py, test_profile_cache.py.)"""
    url = canari.structure.get_absolute_url()
    assert "Métier canari" in visit(url)[0]
    hide(canari)
    public_cache.content_changed(["annuaire"])
    page, _ = visit(url)
    assert "Métier canari" not in page and "Structure canari" in page


@freeze_time(WEDNESDAY_3PM)
def test_the_two_pages_keep_their_own_card(canari):
    directory, _ = visit(DIRECTORY)
    structure, _ = visit(canari.structure.get_absolute_url())
    assert 'class="card-structure"' in card_of(directory, "Canari")
    assert 'class="card-structure"' not in card_of(structure, "Canari")
    assert visit(DIRECTORY)[0] == directory


@freeze_time(WEDNESDAY_3PM)
def test_a_card_read_inside_a_transaction_is_not_kept(canari):
    with transaction.atomic():
        assert visit(DIRECTORY)[1]
    assert visit(DIRECTORY)[1]  # read again: nothing was kept
    assert visit(DIRECTORY)[1] == []


@freeze_time(WEDNESDAY_3PM)
def test_a_card_read_while_a_change_commits_is_not_kept(canari):
    """A visitor's page read between the save and the commit (another connection) sees the old card
    and keeps it under the version of that moment; the commit replaces that version again."""
    visit(DIRECTORY)
    with transaction.atomic():
        set_job(Promeneur.objects.get(pk=canari.pk))
        assert "Métier canari" in card_of(page_seen_meanwhile(visit, DIRECTORY), "Canari")
    page, reads = visit(DIRECTORY)
    assert reads
    assert "Nouveau métier" in card_of(page, "Canari")


@freeze_time(WEDNESDAY_3PM)
def test_a_lost_version_is_a_miss(canari):
    """Redis restarted or flushed: a new version, which no kept card carries."""
    visit(DIRECTORY)
    cache.delete(cards.promeneur_version_key(canari.pk))
    _, reads = visit(DIRECTORY)
    assert f"IN ({canari.pk})" in " ".join(reads)


@freeze_time(WEDNESDAY_3PM)
def test_without_redis_the_cards_are_read_and_not_kept(canari, monkeypatch):
    first, _ = visit(DIRECTORY)
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        monkeypatch.setattr(backend, "_unavailable_until", float("inf"))
        monkeypatch.setattr(backend, "_probe_pid", __import__("os").getpid())
    else:
        monkeypatch.setattr(backend, "redis_available", False, raising=False)
    for _ in range(2):
        page, reads = visit(DIRECTORY)
        assert reads and page == first


@freeze_time(WEDNESDAY_3PM)
def test_with_the_page_cache_a_change_shows_on_the_next_request(canari, settings):
    settings.PUBLIC_PAGE_CACHE = True
    client = Client()
    assert "Métier canari" in visit(DIRECTORY, client)[0]
    set_job(Promeneur.objects.get(pk=canari.pk))
    assert "Nouveau métier" in card_of(visit(DIRECTORY, client)[0], "Canari")


@freeze_time(WEDNESDAY_3PM)
def test_a_card_kept_for_other_templates_is_not_served(canari, monkeypatch):
    visit(DIRECTORY)
    monkeypatch.setattr(cards, "templates_digest", lambda: "une autre version")
    assert visit(DIRECTORY)[1]
