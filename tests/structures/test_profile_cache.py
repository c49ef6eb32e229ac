"""A promeneur's profile, read from the rows kept in the shared cache (`structures.cards.public_profile`).

A change to anything the profile shows shows on the next request; a promeneur no longer public is
a 404 on the next request; presence and "can I write to them today?" are worked out for each
response; nothing is kept from inside a transaction or without Redis.

Run outside the test's transaction (`transactional_db`), with the page cache off, as the cards' tests.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from notifications.cache import ResilientRedisCache
from structures.enums import Network
from structures.models import Promeneur
from tests.structures import test_cards
from tests.structures.cache_helpers import deactivate_account, hide_structure, page_seen_meanwhile, suspend
from tests.structures.factories import (
    AbsenceFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    ThemeFactory,
)
from tests.structures.test_views import PARIS, WEDNESDAY_3PM

pytestmark = pytest.mark.django_db(transaction=True)

# The cards' fixtures: the canari promeneur and their neighbour, the page cache off.
canari = test_cards.canari
rename_structure, rename_theme = test_cards.rename_structure, test_cards.rename_theme
_pages_rendered_every_time = test_cards._pages_rendered_every_time


def visit(promeneur_or_url, status=200):
    """(page, the queries it made)."""
    url = promeneur_or_url if isinstance(promeneur_or_url, str) else promeneur_or_url.get_absolute_url()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == status
    return response.content.decode(), [q["sql"] for q in queries]


@freeze_time(WEDNESDAY_3PM)
def test_a_profile_is_read_once_and_kept_through_a_change_elsewhere(canari):
    first, queries = visit(canari)
    assert queries and "Métier canari" in first
    assert visit(canari) == (first, [])
    # Another promeneur's hours, another structure's promeneur: the profile stays kept.
    PresenceSlotFactory(promeneur=Promeneur.objects.get(first_name="Voisin"))
    assert visit(canari) == (first, [])


def set_bio(promeneur):
    promeneur.bio = "Nouvelle présentation canari"
    promeneur.save()


def add_slot(promeneur):
    PresenceSlotFactory(promeneur=promeneur, weekday=4, start=datetime.time(10), end=datetime.time(12))


def absent_today(promeneur):
    AbsenceFactory(
        promeneur=promeneur, starts_on=datetime.date(2026, 3, 10), ends_on=datetime.date(2026, 3, 13)
    )


CHANGES = {
    # change: (what the profile shows after it, what it no longer shows)
    set_bio: ("Nouvelle présentation canari", None),
    add_slot: ("Vendredi", None),
    # (The display name, "Canari — Structure canari", is the promeneur's: it stays.)
    rename_structure: (">Structure renommée</a>", ">Structure canari</a>"),
    rename_theme: ("Thème renommé", "Thème canari"),
    lambda p: NetworkAccountFactory(promeneur=p, network=Network.TIKTOK): ("TikTok", None),
    lambda p: p.networks.get().delete(): ("pas encore indiqué ses comptes", "Instagram"),
    lambda p: p.themes.add(ThemeFactory(name="Thème ajouté")): ("Thème ajouté", None),
    absent_today: ("n’est pas disponible en ce moment", "En ligne maintenant"),
}


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("change", list(CHANGES), ids=lambda c: c.__name__)
def test_a_change_to_what_a_profile_shows_shows_on_the_next_request(canari, change):
    shown, gone = CHANGES[change]
    before, _ = visit(canari)
    assert visit(canari)[1] == []
    assert shown not in before and (gone is None or gone in before)
    change(Promeneur.objects.get(pk=canari.pk))
    after, queries = visit(canari)
    assert queries and shown in after and (gone is None or gone not in after)


@freeze_time(WEDNESDAY_3PM)
@pytest.mark.parametrize("change", [suspend, deactivate_account, hide_structure, lambda p: p.delete()])
def test_a_promeneur_no_longer_public_is_gone_on_the_next_request(canari, change):
    visit(canari)
    url = canari.get_absolute_url()
    change(Promeneur.objects.get(pk=canari.pk))
    page, _ = visit(url, status=404)
    assert "Métier canari" not in page


@freeze_time(WEDNESDAY_3PM)
def test_a_new_address_is_served_and_the_old_one_is_gone(canari):
    old = canari.get_absolute_url()
    visit(old)
    canari.slug = "canari-nouvelle-adresse"
    canari.save()
    visit(old, status=404)
    assert "Métier canari" in visit("/promeneurs/canari-nouvelle-adresse/")[0]


def test_presence_and_reachability_are_worked_out_for_each_response(canari):
    """Kept at 13:59 on Wednesday, the profile says online at 14:00; on Thursday, absent, it points
    to the structure's form — from the same rows kept."""
    AbsenceFactory(promeneur=canari, starts_on=datetime.date(2026, 3, 12), ends_on=datetime.date(2026, 3, 12))
    with freeze_time(datetime.datetime(2026, 3, 11, 13, 59, tzinfo=PARIS)):
        page, _ = visit(canari)
        assert "Prochaine présence\u202f: mercredi à 14 h 00" in page
    with freeze_time(datetime.datetime(2026, 3, 11, 14, 0, tzinfo=PARIS)):
        page, queries = visit(canari)
        assert queries == [] and "En ligne maintenant" in page and "Demander à être contacté·e</a>" in page
    with freeze_time(datetime.datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)):
        page, _ = visit(canari)
        assert "n’est pas disponible en ce moment" in page and "Absent·e jusqu’au 12 mars" in page


@freeze_time(WEDNESDAY_3PM)
def test_a_profile_read_inside_a_transaction_is_not_kept(canari):
    with transaction.atomic():
        assert visit(canari)[1]
    assert visit(canari)[1]
    assert visit(canari)[1] == []


@freeze_time(WEDNESDAY_3PM)
def test_a_profile_read_while_a_change_commits_is_not_kept(canari):
    visit(canari)
    with transaction.atomic():
        set_bio(Promeneur.objects.get(pk=canari.pk))
        assert "Nouvelle présentation canari" not in page_seen_meanwhile(visit, canari)
    page, queries = visit(canari)
    assert queries and "Nouvelle présentation canari" in page


@freeze_time(WEDNESDAY_3PM)
def test_without_redis_the_profile_is_read_each_time(canari, monkeypatch):
    first, _ = visit(canari)
    monkeypatch.setattr(ResilientRedisCache, "redis_available", property(lambda self: False))
    for _ in range(2):
        page, queries = visit(canari)
        assert queries and page == first


@freeze_time(WEDNESDAY_3PM)
def test_a_profile_moved_to_another_structure_shows_its_new_structure(canari):
    visit(canari)
    other = PromeneurFactory(first_name="Autre").structure
    promeneur = Promeneur.objects.get(pk=canari.pk)
    promeneur.structure = other
    promeneur.save()
    page, _ = visit(canari)
    assert f">{other.name}</a>" in page and ">Structure canari</a>" not in page


# --- Colleagues, when the promeneur cannot be written to ----------------------------------------


@pytest.fixture
def away(canari):
    """The canari, absent today, and a colleague of their structure who can be written to."""
    absent_today(canari)
    colleague = PromeneurFactory(first_name="Collègue", job="Métier collègue", structure=canari.structure)
    return canari, colleague


@freeze_time(WEDNESDAY_3PM)
def test_the_colleagues_are_kept_with_the_profile_and_follow_their_changes(away):
    canari, colleague = away
    page, _ = visit(canari)
    assert "Collègue, Métier collègue" in page
    assert visit(canari) == (page, [])
    colleague.job = "Nouveau métier collègue"
    colleague.save()
    assert "Collègue, Nouveau métier collègue" in visit(canari)[0]
    AbsenceFactory(
        promeneur=colleague, starts_on=datetime.date(2026, 3, 11), ends_on=datetime.date(2026, 3, 11)
    )
    page, _ = visit(canari)
    assert "Collègue" not in page and "n’est pas disponible en ce moment" in page
    PromeneurFactory(first_name="Nouvelle", job="Métier nouvelle", structure=canari.structure)
    assert "Nouvelle, Métier nouvelle" in visit(canari)[0]


def test_colleagues_kept_on_one_day_are_read_again_the_next(away):
    canari, colleague = away
    AbsenceFactory(promeneur=canari, starts_on=datetime.date(2026, 3, 12), ends_on=datetime.date(2026, 3, 12))
    AbsenceFactory(
        promeneur=colleague, starts_on=datetime.date(2026, 3, 12), ends_on=datetime.date(2026, 3, 12)
    )
    with freeze_time(WEDNESDAY_3PM):
        assert "Collègue, Métier collègue" in visit(canari)[0]
    with freeze_time(datetime.datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)):
        page, queries = visit(canari)
        assert queries and "Collègue" not in page


# --- A structure's page -----------------------------------------------------------------------


def structure_page(promeneur, status=200):
    return visit(f"/structures/{promeneur.structure.slug}/", status=status)


@freeze_time(WEDNESDAY_3PM)
def test_a_structure_page_is_read_once_and_follows_who_it_lists(canari):
    first, queries = structure_page(canari)
    assert queries and "Métier canari" in first
    assert structure_page(canari) == (first, [])
    PresenceSlotFactory(promeneur=Promeneur.objects.get(first_name="Voisin"))  # elsewhere
    assert structure_page(canari) == (first, [])
    PromeneurFactory(first_name="Arrivée", job="Métier arrivée", structure=canari.structure)
    assert "Métier arrivée" in structure_page(canari)[0]
    suspend(Promeneur.objects.get(pk=canari.pk))
    page, _ = structure_page(canari)
    assert "Métier canari" not in page and "Métier arrivée" in page


@freeze_time(WEDNESDAY_3PM)
def test_a_structure_changed_or_hidden_shows_on_the_next_request(canari):
    structure_page(canari)
    structure = canari.structure
    structure.address = "12 rue des Canaris"
    structure.save()
    assert "12 rue des Canaris" in structure_page(canari)[0]
    hide_structure(Promeneur.objects.get(pk=canari.pk))
    page, _ = structure_page(canari, status=404)
    assert "12 rue des Canaris" not in page


@freeze_time(WEDNESDAY_3PM)
def test_a_structure_page_read_inside_a_transaction_is_not_kept(canari):
    with transaction.atomic():
        assert structure_page(canari)[1]
    assert structure_page(canari)[1]
    assert structure_page(canari)[1] == []
