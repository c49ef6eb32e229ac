"""The cache of the anonymous public pages: a change shows on the next request, "en ligne
maintenant" is right to the minute, nothing per-user is shared, revisits answer 304."""

import datetime
import gzip
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from promeneurs import public_cache
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.news.factories import ArticleFactory
from tests.structures.factories import (
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY_2_59PM = datetime.datetime(2026, 3, 11, 14, 59, 30, tzinfo=PARIS)
DIRECTORY = reverse("structures:directory")
HOME = reverse("pages:home")
FIL_INFO = reverse("news:article_list")
ONLINE_BADGE = 'badge-online">En ligne maintenant'


@pytest.fixture
def promeneur():
    return PromeneurFactory(first_name="Camille", job="Éducatrice spécialisée", structure__name="MJC Canari")


# A stored page is kept for its minute: the visits must not straddle two.
@freeze_time(WEDNESDAY_2_59PM)
def test_second_anonymous_visit_is_served_from_the_cache(client, promeneur, django_assert_max_num_queries):
    url = promeneur.get_absolute_url()
    first = client.get(url)
    assert first.status_code == 200
    # The view does not run again: no query at all (a public page runs outside a transaction).
    with django_assert_max_num_queries(0):
        second = client.get(url)
    assert second.content == first.content
    assert getattr(second, "public_page_cache", False)


@pytest.mark.parametrize("url", ["/", "/annuaire/", "/annuaire/?departement=24", "/fil-info/"])
def test_a_public_page_reads_outside_a_transaction_and_a_form_is_handled_inside_one(
    client, promeneur, url, settings
):
    """ATOMIC_REQUESTS wraps every view in a transaction; a public page only reads, so its
    queries go without one (no BEGIN/COMMIT or savepoint round trips)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_PAGE_CACHE = False
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements and "SAVEPOINT" not in statements
    # A page with a form reads outside one too; the form it sends is handled inside one.
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/contact/").status_code == 200
    assert "SAVEPOINT" not in [q["sql"].split()[0].upper() for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/contact/", {"message": "Canari"}).status_code == 200  # refused: re-shown
    assert queries.captured_queries[0]["sql"].split()[0].upper() == "SAVEPOINT"


@pytest.mark.parametrize(
    "change",
    ["job", "structure", "slot", "network", "theme", "delete"],
)
def test_a_change_of_a_promeneur_shows_on_the_next_request(client, promeneur, change):
    url = promeneur.get_absolute_url()
    assert "Éducatrice spécialisée" in client.get(url).content.decode()

    if change == "job":
        promeneur.job = "Conseiller numérique canari"
        promeneur.save()
        expected = "Conseiller numérique canari"
    elif change == "structure":
        promeneur.structure.name = "Centre social Canari-Renommé"
        promeneur.structure.save()
        expected = "Centre social Canari-Renommé"
    elif change == "slot":
        PresenceSlotFactory(
            promeneur=promeneur, weekday=5, start=datetime.time(9, 15), end=datetime.time(11, 45)
        )
        expected = "9 h 15"
    elif change == "network":
        NetworkAccountFactory(promeneur=promeneur, handle="canari_en_ligne")
        expected = "canari_en_ligne"
    elif change == "theme":
        promeneur.themes.add(ThemeFactory(name="Thème canari ajouté"))
        expected = "Thème canari ajouté"
    else:
        promeneur.delete()
        assert client.get(url).status_code == 404
        return

    assert expected in client.get(url).content.decode()


def test_a_structure_made_private_leaves_the_directory_at_once(client, promeneur):
    assert "MJC Canari" in client.get(DIRECTORY).content.decode()
    promeneur.structure.is_public = False
    promeneur.structure.save()
    assert "MJC Canari" not in client.get(DIRECTORY).content.decode()


def test_a_suspended_account_leaves_the_public_pages_at_once(client, promeneur):
    assert client.get(promeneur.get_absolute_url()).status_code == 200
    promeneur.user.is_active = False
    promeneur.user.save()
    assert client.get(promeneur.get_absolute_url()).status_code == 404


def test_an_article_and_an_approved_comment_show_on_the_next_request(client):
    article = ArticleFactory(title="Semaine canari du numérique")
    page = client.get(FIL_INFO).content.decode()
    assert "Semaine canari du numérique" in page
    assert "Semaine canari du numérique" in client.get(HOME).content.decode()

    article.title = "Semaine canari, nouveau titre"
    article.save()
    CommentFactory(target=article)
    assert "Semaine canari, nouveau titre" in client.get(HOME).content.decode()
    page = client.get(FIL_INFO).content.decode()
    assert "Semaine canari, nouveau titre" in page
    assert "1 commentaire" in page


def test_the_admin_action_that_closes_comments_invalidates_the_pages():
    fil_info = public_cache.version_key("fil-info")
    before = public_cache.current_version(fil_info)
    from django.contrib.admin.sites import site

    from news.admin import ArticleAdmin
    from news.models import Article

    article = ArticleFactory()
    version = public_cache.current_version(fil_info)
    assert version != before

    class Request:
        _messages = CookieStorage(None)

    request = Request()
    admin = ArticleAdmin(Article, site)
    admin.message_user = lambda *args, **kwargs: None
    admin.close_comments(request, Article.objects.filter(pk=article.pk))
    assert public_cache.current_version(fil_info) != version


def test_an_article_whose_time_comes_is_published_within_the_minute(client):
    with freeze_time(WEDNESDAY_2_59PM):
        ArticleFactory(
            title="Article canari programmé", published_at=datetime.datetime(2026, 3, 11, 15, 0, tzinfo=PARIS)
        )
        assert "Article canari programmé" not in client.get(FIL_INFO).content.decode()
    with freeze_time(WEDNESDAY_2_59PM + datetime.timedelta(seconds=31)):
        assert "Article canari programmé" in client.get(FIL_INFO).content.decode()


def test_online_now_is_right_to_the_minute(client, promeneur):
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(15, 0), end=datetime.time(16, 0))
    url = promeneur.get_absolute_url()
    with freeze_time(WEDNESDAY_2_59PM):
        assert ONLINE_BADGE not in client.get(url).content.decode()
        assert ONLINE_BADGE not in client.get(DIRECTORY).content.decode()
    with freeze_time(WEDNESDAY_2_59PM + datetime.timedelta(seconds=31)):
        assert ONLINE_BADGE in client.get(url).content.decode()
        assert ONLINE_BADGE in client.get(DIRECTORY).content.decode()


@pytest.mark.parametrize("url", [HOME, DIRECTORY, FIL_INFO])
def test_a_signed_in_header_is_never_served_to_an_anonymous_visitor(url):
    user = UserFactory(email="camille.canari@example.test")
    signed_in = Client()
    signed_in.force_login(user)
    anonymous = Client()

    assert "Se déconnecter" in signed_in.get(url).content.decode()
    assert "Se déconnecter" not in anonymous.get(url).content.decode()
    # And the other way round, once the anonymous page is stored.
    assert "Se déconnecter" in signed_in.get(url).content.decode()
    assert "Se déconnecter" not in anonymous.get(url).content.decode()


def test_a_signed_in_page_is_never_stored(client):
    client.force_login(UserFactory())
    response = client.get(HOME)
    assert not getattr(response, "public_page_cache", False)
    assert not response.has_header("ETag") or "no-cache" not in response.get("Cache-Control", "")


def test_a_visitors_message_is_neither_stored_nor_shown_to_another():
    visitor, other = Client(), Client()
    other.get(HOME)  # the anonymous page is stored
    storage = CookieStorage(None)
    # A message waiting for the visitor, in the cookie where Django keeps it.
    from django.http import HttpResponse

    response = HttpResponse()
    storage.add(constants.SUCCESS, "Message canari pour ce visiteur")
    storage._store(storage._queued_messages, response)
    visitor.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value

    assert "Message canari pour ce visiteur" in visitor.get(HOME).content.decode()
    assert "Message canari pour ce visiteur" not in other.get(HOME).content.decode()
    # Shown once, as without a cache.
    assert "Message canari pour ce visiteur" not in visitor.get(HOME).content.decode()


def test_a_page_with_a_csrf_token_gives_each_visitor_their_own(client):
    """The contact form and an article's comment form hold a token: each visitor gets their own
    (the page is stored with a marker in its place, tests/pages/test_public_form_cache.py)."""
    article = ArticleFactory()
    first = client.get(article.get_absolute_url()).content.decode()
    second = Client().get(article.get_absolute_url()).content.decode()
    token = 'name="csrfmiddlewaretoken" value="'
    assert token in first and token in second
    assert first.split(token)[1].split('"')[0] != second.split(token)[1].split('"')[0]


def test_revisit_answers_304_with_the_etag(client, promeneur):
    url = promeneur.get_absolute_url()
    response = client.get(url)
    etag = response["ETag"]
    assert etag
    assert "no-cache" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    promeneur.job = "Métier canari modifié"
    promeneur.save()
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "Métier canari modifié" in changed.content.decode()


def test_anonymous_pages_are_compressed_and_signed_in_ones_are_not(client, promeneur):
    url = promeneur.get_absolute_url()
    plain = client.get(url)
    compressed = client.get(url, headers={"accept-encoding": "gzip, br"})
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert "Accept-Encoding" in compressed["Vary"]

    signed_in = Client()
    signed_in.force_login(UserFactory())
    response = signed_in.get(url, headers={"accept-encoding": "gzip"})
    assert not response.has_header("Content-Encoding")


def test_contact_page_is_not_compressed(client):
    """It holds a CSRF token and reflects what the visitor typed: no compression (BREACH)."""
    response = client.get(reverse("referrals:contact"), headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_the_switch_turns_the_cache_off(client, promeneur, settings):
    settings.PUBLIC_PAGE_CACHE = False
    response = client.get(promeneur.get_absolute_url())
    assert not getattr(response, "public_page_cache", False)


def test_lost_version_gets_a_new_number(promeneur):
    key = public_cache.version_key("annuaire")
    version = public_cache.current_version(key)
    cache.delete(key)
    assert public_cache.current_version(key) != version


def test_query_string_order_does_not_matter(client, promeneur):
    theme = ThemeFactory()
    promeneur.themes.add(theme)
    client.get(f"{DIRECTORY}?theme={theme.slug}&reseau=")
    response = client.get(f"{DIRECTORY}?reseau=&theme={theme.slug}")
    assert "Camille" in response.content.decode()


@freeze_time(WEDNESDAY_2_59PM)
def test_redis_failing_during_the_lookup_never_serves_a_page_kept_in_memory(
    client, promeneur, redis_down_after_an_earlier_outage
):
    """When Redis fails, the cache answers from the process's memory, which may still hold a page
    written there during an earlier outage: the page is rendered, and not stored."""
    backend = redis_down_after_an_earlier_outage
    url = promeneur.get_absolute_url()
    stale = {
        "content": b"Souvenir d'une panne passee",
        "content_type": "text/html",
        "etag": '"x"',
        "version": (1,),
    }
    backend._fallback.set(public_cache.version_key("annuaire"), 1)
    backend._fallback.set(public_cache.page_key(RequestFactory().get(url)), stale)
    assert cache.redis_available
    response = client.get(url)
    assert not cache.redis_available
    assert response.status_code == 200
    assert b"panne passee" not in response.content
    assert "Camille" in response.content.decode()
    assert not getattr(response, "public_page_cache", False)
    assert backend._fallback.get(public_cache.page_key(RequestFactory().get(url))) == stale


def reads(client, url):
    """The page, and the tables its view read (none when it came from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    tables = {
        table
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        for table in re.findall(r'FROM "(\w+)"', q["sql"])
    }
    return response.content.decode(), tables - {"captcha_captchastore"}


# A stored page is kept for its minute: the visits must not straddle two.
@freeze_time(WEDNESDAY_2_59PM)
def test_a_change_in_one_area_leaves_the_pages_of_the_other_cached(client, promeneur):
    """Each area of the site has its own version: a promeneur's change renders the directory's
    pages again and leaves Fil info's cached; an article's change, the other way round; the home
    page shows both, and a département shows in both."""
    article = ArticleFactory(title="Article canari", department=promeneur.structure.department)
    annuaire = [DIRECTORY, promeneur.get_absolute_url(), promeneur.structure.get_absolute_url()]
    fil_info = [FIL_INFO, article.get_absolute_url()]
    for url in [*annuaire, *fil_info, HOME]:
        reads(client, url)

    promeneur.job = "Animatrice canari"
    promeneur.save()
    for url in annuaire:
        page, tables = reads(client, url)
        assert "Animatrice canari" in page and tables
    for url in fil_info:
        assert reads(client, url)[1] == set()
    assert reads(client, HOME)[1]

    article.title = "Article canari, nouveau titre"
    article.save()
    for url in fil_info:
        page, tables = reads(client, url)
        assert "Article canari, nouveau titre" in page and tables
    assert "Article canari, nouveau titre" in reads(client, HOME)[0]
    for url in annuaire:
        assert reads(client, url)[1] == set()

    department = promeneur.structure.department
    department.name = "Département canari"
    department.save()
    for url in [*annuaire, *fil_info]:
        assert reads(client, url)[1]
    assert "Département canari" in reads(client, FIL_INFO)[0]


# A stored page is kept for its minute: the visits must not straddle two.
@freeze_time(WEDNESDAY_2_59PM)
def test_a_change_said_without_its_area_renders_every_page_again(client, promeneur):
    """A bulk update says nothing of the rows it touched: `content_changed()` ages every area."""
    article = ArticleFactory()
    urls = [DIRECTORY, promeneur.get_absolute_url(), FIL_INFO, article.get_absolute_url(), HOME]
    for url in urls:
        reads(client, url)
    public_cache.content_changed()
    for url in urls:
        assert reads(client, url)[1]


def test_a_page_names_only_areas_that_exist():
    with pytest.raises(ValueError, match="inconnues"):
        public_cache.public_page(areas=("annuaire", "agenda"))
    with pytest.raises(ValueError):
        public_cache.public_form_page(areas=())
