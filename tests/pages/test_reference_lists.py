"""The lists of départements and themes offered by the public forms come from the shared cache
under their own version: a change to a département or a theme (the admin included) shows on the
next request, a change elsewhere leaves them cached, nothing stored comes from a transaction.

These tests run outside the test's transaction (`transactional_db`): a list read inside one is
never stored, and the version is replaced again when the change commits."""

import re
import threading
import time

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.cache import ResilientRedisCache
from promeneurs import public_cache
from structures.forms import DirectorySearchForm
from structures.models import Department, Theme
from tests.accounts.factories import UserFactory
from tests.news.factories import ArticleFactory
from tests.structures.factories import PromeneurFactory, ThemeFactory
from tests.structures.test_admin import admin_form_data

pytestmark = pytest.mark.django_db(transaction=True)

HOME = reverse("pages:home")
DIRECTORY = reverse("structures:directory")
CONTACT = reverse("referrals:contact")
# The query of a whole list (a promeneur's themes are read with a join).
READS_A_LIST = re.compile(r' FROM "structures_(department|theme)" ORDER BY')


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    # The page cache would hide whether the lists were read again.
    settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture
def departments_and_themes():
    """The 101 départements loaded by the migration (tests.conftest), and two themes."""
    return (
        Department.objects.get(code="24"),
        ThemeFactory(name="Thème canari", slug="theme-canari"),
        ThemeFactory(name="Autre thème canari", slug="autre-theme-canari"),
    )


def reference_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries if READS_A_LIST.search(q["sql"])]


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)


def test_the_lists_are_read_once_then_come_from_the_cache(client, departments_and_themes):
    first, queries = reference_queries(client, DIRECTORY)
    assert len(queries) == 2  # the départements, the themes
    second, queries = reference_queries(client, DIRECTORY)
    assert queries == []
    assert second == first
    assert ("24", "", "24 — Dordogne") in options(second, "departement")
    assert ("theme-canari", "", "Thème canari") in options(second, "theme")
    assert len(options(second, "departement")) == 1 + Department.objects.count()
    # The home page's form offers the same list: it reads nothing either.
    home, queries = reference_queries(client, HOME)
    assert queries == []
    assert ("24", "", "24 — Dordogne") in options(home, "departement")


def test_each_form_keeps_its_own_labels_and_the_visitors_choice(client, departments_and_themes):
    reference_queries(client, DIRECTORY)
    # The contact form labels a département "Dordogne (24)", the search form "24 — Dordogne": two
    # entries, never one for both.
    contact, _ = reference_queries(client, CONTACT)
    assert ("24", "", "Dordogne (24)") in options(contact, "departement")
    assert "24 — Dordogne" not in contact
    # What the visitor chose is selected, from the cached list. (The first choice reads each
    # table's rows once, kept with the list: `ReferenceChoiceField`.)
    reference_queries(client, DIRECTORY + "?departement=33&theme=autre-theme-canari")
    page, queries = reference_queries(client, DIRECTORY + "?departement=24&theme=theme-canari")
    assert ("24", " selected", "24 — Dordogne") in options(page, "departement")
    assert ("theme-canari", " selected", "Thème canari") in options(page, "theme")
    assert [o for o in options(page, "departement") if o[1]] == [("24", " selected", "24 — Dordogne")]
    assert queries == []
    # The choice itself is found in the whole table kept under the same version: no query.
    with CaptureQueriesContext(connection) as all_queries:
        client.get(DIRECTORY + "?departement=24")
    assert not any('FROM "structures_department"' in q["sql"] for q in all_queries)


def test_a_choice_deleted_or_renamed_is_known_on_the_next_request(client, departments_and_themes):
    """The row chosen comes from the table kept with the list: a theme deleted is refused, a
    département whose code changed is found under its new code, on the next request."""
    dordogne, theme_canari, _ = departments_and_themes
    PromeneurFactory(first_name="Canari", themes=[theme_canari])
    page = client.get(DIRECTORY + "?theme=theme-canari").content.decode()
    assert "Canari" in page and "Choisis un thème dans la liste" not in page
    theme_canari.delete()
    page = client.get(DIRECTORY + "?theme=theme-canari").content.decode()
    assert "Choisis un thème dans la liste" in page
    dordogne.code = "2A4"
    dordogne.save()
    assert "Choisis un département" in client.get(DIRECTORY + "?departement=24").content.decode()
    page = client.get(DIRECTORY + "?departement=2A4").content.decode()
    assert "Choisis un département" not in page and ("2A4", " selected", "2A4 — Dordogne") in options(
        page, "departement"
    )


@pytest.mark.parametrize("outside", ["transaction", "redis"])
def test_outside_the_cache_the_choice_is_read_from_the_table(
    client, departments_and_themes, monkeypatch, outside
):
    client.get(DIRECTORY + "?departement=24")  # the table kept
    if outside == "redis":
        monkeypatch.setattr(ResilientRedisCache, "redis_available", property(lambda self: False))
    with CaptureQueriesContext(connection) as all_queries:
        if outside == "transaction":
            with transaction.atomic():
                form = DirectorySearchForm(data={"departement": "24"})
                assert form.is_valid()
        else:
            form = DirectorySearchForm(data={"departement": "24"})
            assert form.is_valid()
    assert form.cleaned_data["departement"] == departments_and_themes[0]
    assert any('FROM "structures_department" WHERE' in q["sql"] for q in all_queries)


def test_a_theme_renamed_in_the_admin_shows_on_the_next_request(client, departments_and_themes):
    _, theme_canari, _ = departments_and_themes
    reference_queries(client, DIRECTORY)
    reference_queries(client, CONTACT)
    admin = Client()
    admin.force_login(UserFactory(caf_staff=True))
    url = reverse("admin:structures_theme_change", args=[theme_canari.pk])
    data = admin_form_data(admin.get(url))
    data.update(name="Canari renommé")
    assert admin.post(url, data).status_code == 302

    page, queries = reference_queries(client, DIRECTORY)
    assert len(queries) == 2
    assert ("theme-canari", "", "Canari renommé") in options(page, "theme")
    assert ">Thème canari<" not in page
    contact, _ = reference_queries(client, CONTACT)
    assert "Canari renommé" in contact
    assert ">Thème canari<" not in contact and "Thème canari</label>" not in contact


def test_a_theme_added_or_deleted_and_a_departement_renamed_show_at_once(client, departments_and_themes):
    dordogne, theme_canari, _ = departments_and_themes
    reference_queries(client, DIRECTORY)
    ThemeFactory(name="Sommeil", slug="sommeil")
    assert ("sommeil", "", "Sommeil") in options(reference_queries(client, DIRECTORY)[0], "theme")
    theme_canari.delete()
    assert "Thème canari" not in reference_queries(client, DIRECTORY)[0]
    dordogne.name = "Dordogne-Périgord"
    dordogne.save()
    home = reference_queries(client, HOME)[0]
    assert ("24", "", "24 — Dordogne-Périgord") in options(home, "departement")
    assert "24 — Dordogne<" not in home


def test_a_change_elsewhere_leaves_the_lists_cached(client, departments_and_themes, settings):
    settings.PUBLIC_PAGE_CACHE = True
    reference_queries(client, DIRECTORY)
    reference_queries(client, HOME)
    PromeneurFactory(first_name="Canari")
    ArticleFactory(title="Un article canari")
    # The pages are rendered again (their version changed), the lists are not read again.
    page, queries = reference_queries(client, DIRECTORY)
    assert queries == []
    assert "Canari" in page
    page, queries = reference_queries(client, HOME)
    assert queries == []
    assert "Un article canari" in page


def test_a_list_read_inside_a_transaction_is_not_stored(client, departments_and_themes):
    """A transaction may change a theme, read the list, then roll back: what it read must not
    stay in the cache."""
    with transaction.atomic():
        Theme.objects.filter(slug="theme-canari").update(name="Jamais enregistré")
        rows = list(DirectorySearchForm().fields["theme"].choices)
        assert ("theme-canari", "Jamais enregistré") in rows
        transaction.set_rollback(True)
    page, queries = reference_queries(client, DIRECTORY)
    assert len(queries) == 2
    assert "Jamais enregistré" not in page
    assert ("theme-canari", "", "Thème canari") in options(page, "theme")


def test_a_filtered_list_is_never_taken_for_the_whole_table(client, departments_and_themes):
    reference_queries(client, HOME)
    form = DirectorySearchForm()
    form.fields["departement"].queryset = Department.objects.filter(code="24")
    assert [value for value, _label in form.fields["departement"].choices] == ["", "24"]


def test_without_redis_the_lists_are_read_from_the_database(client, departments_and_themes, monkeypatch):
    """Redis unreachable: the cache answers from each process's memory, where no version is
    shared with the other processes; the lists are read from the database, and not kept."""
    reference_queries(client, DIRECTORY)
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        monkeypatch.setattr(backend, "_unavailable_until", time.monotonic() + 3600)
    else:
        monkeypatch.setattr(backend, "redis_available", False, raising=False)
    assert not cache.redis_available
    page, queries = reference_queries(client, DIRECTORY)
    assert len(queries) == 2
    assert ("theme-canari", "", "Thème canari") in options(page, "theme")


def test_a_lost_version_is_a_miss(client, departments_and_themes):
    """Redis restarted or flushed: a new version, which no stored list carries."""
    reference_queries(client, DIRECTORY)
    cache.delete(public_cache.REFERENCE_VERSION_KEY)
    assert len(reference_queries(client, DIRECTORY)[1]) == 2


def test_a_list_read_while_a_change_commits_is_not_kept(client, departments_and_themes):
    """A visitor's page read between the save and the commit (another connection) sees the old
    list and stores it under the version of that moment; the commit replaces that version again."""
    _, theme_canari, _ = departments_and_themes
    seen = {}

    def visitor():
        try:
            seen["page"] = reference_queries(Client(), DIRECTORY)[0]
        finally:
            connection.close()

    with transaction.atomic():
        theme_canari.name = "Renommé à la validation"
        theme_canari.save()
        thread = threading.Thread(target=visitor)
        thread.start()
        thread.join()
        assert ("theme-canari", "", "Thème canari") in options(seen["page"], "theme")
    page, queries = reference_queries(client, DIRECTORY)
    assert len(queries) == 2
    assert ("theme-canari", "", "Renommé à la validation") in options(page, "theme")


def test_redis_failing_during_the_lookup_never_serves_a_list_kept_in_memory(
    redis_down_after_an_earlier_outage,
):
    """When Redis fails, the cache answers from the process's memory, which may still hold a list
    written there during an earlier outage: it is never served."""
    backend = redis_down_after_an_earlier_outage
    backend._fallback.set(public_cache.REFERENCE_VERSION_KEY, 1)
    backend._fallback.set(
        "public-pages:reference:canari", {"version": (1,), "choices": [("canari", "D’une panne passée")]}
    )
    assert cache.redis_available
    choices = public_cache.reference_choices("canari", lambda: [("canari", "Lu dans la table")])
    assert not cache.redis_available
    assert choices == [("canari", "Lu dans la table")]
