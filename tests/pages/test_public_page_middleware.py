"""A stored public page served before most of the middleware (`PublicPageMiddleware`): the same
response, header for header, as through the view; only for visitors without a session; a change
shows on the next request; a form page still gives each visitor their own token and challenge."""

import re

import pytest
from captcha.models import CaptchaStore
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from promeneurs import public_cache
from tests.accounts.factories import UserFactory
from tests.news.factories import ArticleFactory
from tests.structures.factories import PromeneurFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(r'name="captcha_0" value="([^"]+)"')
# What differs from one response to the next whatever the path: the date.
PER_RESPONSE = {"date", "expires"}


@pytest.fixture(autouse=True)
def _clock():
    """The visits must not straddle two minutes: a stored page is kept for its minute."""
    with freeze_time("2026-05-13 10:00:15") as clock:
        yield clock


@pytest.fixture
def pages():
    promeneur = PromeneurFactory(first_name="Capucine", structure__name="MJC des Canaris")
    article = ArticleFactory(title="Article canari")
    return {
        "home": reverse("pages:home"),
        "directory": reverse("structures:directory"),
        "directory, filtered": reverse("structures:directory") + "?departement=24",
        "profile": promeneur.get_absolute_url(),
        "structure": promeneur.structure.get_absolute_url(),
        "fil info": reverse("news:article_list"),
        "article": article.get_absolute_url(),
        "contact": reverse("referrals:contact"),
    }


def headers(response):
    return {name.lower(): value for name, value in response.items() if name.lower() not in PER_RESPONSE}


def early(response):
    return getattr(response, "public_page_early", False)


FORM_PAGES = {"article", "contact"}


@pytest.mark.parametrize(
    "name",
    ["home", "directory", "directory, filtered", "profile", "structure", "fil info", "article", "contact"],
)
def test_a_stored_page_is_served_early_with_the_headers_the_view_gives_it(pages, name):
    url = pages[name]
    stored = Client().get(url)  # rendered and stored, through the view
    public_cache._known_pages.clear()  # as in a process that has not served it yet
    through_view = Client().get(url)
    served_early = Client().get(url)

    assert stored.status_code == through_view.status_code == served_early.status_code == 200
    assert getattr(through_view, "public_page_cache", False) and not early(through_view)
    assert early(served_early)
    if name in FORM_PAGES:  # each response's own token and challenge: the length differs
        assert served_early["Content-Length"] and through_view["Content-Length"]
        del served_early["Content-Length"], through_view["Content-Length"]
    assert headers(served_early) == headers(through_view)
    for header in (
        "content-security-policy",
        "x-frame-options",
        "permissions-policy",
        "cross-origin-opener-policy",
    ):
        assert header in headers(served_early)
    if name in FORM_PAGES:
        assert "no-store" in served_early["Cache-Control"]
        assert served_early.cookies["csrftoken"].value  # a visitor's own cookie, as through the view
    else:
        assert served_early.content == through_view.content
        assert not served_early.cookies


@pytest.mark.parametrize("name", ["home", "fil info", "article"])
def test_a_signed_in_visitor_always_goes_through_the_view(pages, name):
    url = pages[name]
    Client().get(url)
    Client().get(url)  # stored, and known to be served early
    signed_in = Client()
    signed_in.force_login(UserFactory(email="camille.canari@example.test"))
    response = signed_in.get(url)
    assert not early(response) and not getattr(response, "public_page_cache", False)
    assert "Se déconnecter" in response.content.decode()
    assert "Se déconnecter" not in Client().get(url).content.decode()


def test_a_visitor_with_a_message_waiting_gets_it(pages):
    url = pages["home"]
    Client().get(url)
    Client().get(url)
    visitor = Client()
    storage = CookieStorage(None)
    response = HttpResponse()
    storage.add(constants.SUCCESS, "Message canari pour ce visiteur")
    storage._store(storage._queued_messages, response)
    visitor.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value

    with_message = visitor.get(url)
    assert not early(with_message)
    assert "Message canari pour ce visiteur" in with_message.content.decode()
    assert "Message canari pour ce visiteur" not in Client().get(url).content.decode()


def test_any_other_cookie_goes_through_the_view(pages):
    url = pages["fil info"]
    Client().get(url)
    Client().get(url)
    visitor = Client()
    visitor.cookies["sessionid"] = "une-session-inconnue"
    response = visitor.get(url)
    assert response.status_code == 200 and not early(response)


def test_each_visitor_of_a_form_page_served_early_gets_their_own_token_and_challenge(pages):
    url = pages["article"]
    Client().get(url)
    Client().get(url)
    first, second = Client(), Client()
    one, two = first.get(url), second.get(url)
    assert early(one) and early(two)
    tokens, keys = [], []
    for client, response in ((first, one), (second, two)):
        page = response.content.decode()
        assert "pdnfill" not in page
        (token,), (key,) = CSRF_RE.findall(page), KEY_RE.findall(page)
        assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value
        tokens.append(token)
        keys.append(key)
    assert tokens[0] != tokens[1] and keys[0] != keys[1]
    assert CaptchaStore.objects.filter(hashkey__in=keys).count() == 2
    # A visitor who already has a CSRF cookie keeps it: the page's token is made from it.
    again = first.get(url)
    assert early(again)
    (token,) = CSRF_RE.findall(again.content.decode())
    assert _unmask_cipher_token(token) == first.cookies["csrftoken"].value == _unmask_cipher_token(tokens[0])


def test_a_form_sent_is_never_answered_early(pages, settings):
    settings.CONTACT_FORM_MIN_SECONDS = 0
    url = pages["article"]
    Client().get(url)
    visitor = Client()
    visitor.get(url)
    response = visitor.post(url, {"commentaire": "Commentaire canari sans le reste"})
    assert response.status_code == 200 and not early(response)
    assert "Commentaire canari sans le reste" in response.content.decode()  # kept, with the errors


def test_a_change_shows_on_the_next_request_served_early(pages):
    url = pages["article"]
    Client().get(url)
    assert early(Client().get(url))
    article = ArticleFactory._meta.model.objects.get(title="Article canari")
    article.title = "Titre canari changé"
    article.save()
    changed = Client().get(url)
    assert "Titre canari changé" in changed.content.decode()
    assert early(Client().get(url))


def test_a_page_the_view_refuses_is_never_served_early(db):
    url = "/structures/structure-canari-inconnue/"
    for _ in range(3):
        response = Client().get(url)
        assert response.status_code == 404 and not early(response)


def test_without_the_page_cache_nothing_is_served_early(pages, settings):
    url = pages["fil info"]
    Client().get(url)
    Client().get(url)
    settings.PUBLIC_PAGE_CACHE = False
    response = Client().get(url)
    assert response.status_code == 200 and not early(response)


def test_the_pages_known_are_bounded(pages, monkeypatch):
    monkeypatch.setattr(public_cache, "KNOWN_PAGES_MAX", 2)
    for name in ("home", "fil info", "article"):
        Client().get(pages[name])
    assert len(public_cache._known_pages) <= 2
