"""Pages with a public form from the shared cache: each response gets its own CSRF token, CAPTCHA
and time stamp; a form sent from a stored page is accepted; a change shows on the next request."""

import re

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from comments.enums import CommentStatus
from comments.models import Comment
from comments.services import comment_moderate
from promeneurs import antispam, captcha, public_cache
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.news.factories import ArticleFactory
from tests.structures.factories import PromeneurFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(r'name="captcha_0" value="([^"]+)"')
STAMP_RE = re.compile(r'name="jeton" value="([^"]+)"')


@pytest.fixture
def promeneur():
    return PromeneurFactory(first_name="Capucine", structure__name="MJC des Canaris")


def form_pages(promeneur):
    article = ArticleFactory(title="Article canari à commenter")
    return {
        "article": article.get_absolute_url(),
        "contact": reverse("referrals:contact"),
        "contact_promeneur": reverse("referrals:contact_promeneur", kwargs={"slug": promeneur.slug}),
        "contact_structure": reverse(
            "referrals:contact_structure", kwargs={"slug": promeneur.structure.slug}
        ),
        "follow_up_lookup": reverse("referrals:follow_up_lookup"),
    }


def values(page, pattern):
    return pattern.findall(page)


@pytest.mark.parametrize(
    "name", ["article", "contact", "contact_promeneur", "contact_structure", "follow_up_lookup"]
)
def test_two_visitors_never_receive_the_same_token_or_challenge(promeneur, name):
    url = form_pages(promeneur)[name]
    first, second = Client(), Client()
    now = timezone.now().replace(microsecond=0)
    with freeze_time(now) as clock:
        one = first.get(url)
        clock.tick(20)
        two = second.get(url)
    assert one.status_code == two.status_code == 200
    assert getattr(two, "public_page_cache", False), "the second visit is served from the stored page"
    page_one, page_two = one.content.decode(), two.content.decode()
    assert "pdnfill" not in page_one and "pdnfill" not in page_two

    # Each visitor has their own CSRF secret, in their own cookie, and the page's token is theirs.
    secrets = []
    for client, page in ((first, page_one), (second, page_two)):
        (token,) = set(values(page, CSRF_RE))
        cookie = client.cookies["csrftoken"].value
        assert _unmask_cipher_token(token) == cookie
        secrets.append(cookie)
    assert secrets[0] != secrets[1]
    assert "Cookie" in two["Vary"]
    assert "no-store" in two["Cache-Control"] and "private" in two["Cache-Control"]
    assert not two.has_header("ETag") and not two.has_header("Content-Encoding")

    if name.startswith(("article", "contact")):
        key_one, key_two = set(values(page_one, KEY_RE)), set(values(page_two, KEY_RE))
        assert len(key_one) == len(key_two) == 1 and key_one != key_two
        for page, (key,) in ((page_one, key_one), (page_two, key_two)):
            store = CaptchaStore.objects.get(hashkey=key)
            assert f"/captcha/image/{key}/" in page
            assert captcha.text_alternative(store.challenge) in page
        # The form's time stamp is the time of each response, not of the stored page.
        (stamp_two,) = values(page_two, STAMP_RE)
        issued = antispam.signing.b62_decode(stamp_two.rsplit(":", 2)[1])
        assert issued == int(now.timestamp()) + 20


def test_the_stored_page_holds_no_token_and_no_challenge(promeneur):
    url = form_pages(promeneur)["article"]
    page = Client().get(url).content.decode()
    request = RequestFactory().get(url)
    _key, _version, entry = public_cache.lookup(request, "public-form-page", ("fil-info",))
    stored = entry["content"].decode()
    (token,), (key,) = values(page, CSRF_RE), values(page, KEY_RE)
    assert token not in stored and key not in stored
    assert values(stored, CSRF_RE) == [public_cache.MARKER.format(kind="csrf", arg="")]
    assert values(stored, KEY_RE) == [public_cache.MARKER.format(kind="captcha", arg="key")]


def test_a_page_stored_by_a_process_with_another_secret_key_is_not_served(promeneur):
    """Its markers carry another value (a key being changed, another site on the same Redis): this
    process could not fill them, and the visitor would get a form without a token or a challenge."""
    url = form_pages(promeneur)["article"]
    Client().get(url)  # stored by this process
    request = RequestFactory().get(url)
    key, _version, entry = public_cache.lookup(request, "public-form-page", ("fil-info",))
    other = "0123456789abcdef0123"
    foreign = entry["content"].replace(public_cache.MARKER_SECRET.encode(), other.encode())
    cache.set(key, {**entry, "content": foreign, "marker": other})

    visitor = Client()
    page = visitor.get(url).content.decode()
    assert "pdnfill" not in page and other not in page
    (token,) = values(page, CSRF_RE)
    assert _unmask_cipher_token(token) == visitor.cookies["csrftoken"].value
    (captcha_key,) = values(page, KEY_RE)
    assert CaptchaStore.objects.filter(hashkey=captcha_key).exists()
    # …and the page stored again is this process's.
    _key, _version, entry = public_cache.lookup(request, "public-form-page", ("fil-info",))
    assert entry["marker"] == public_cache.MARKER_SECRET


# A stored page is kept for its minute: the visits must not straddle two.
@freeze_time("2026-05-13 10:00:15")
def test_a_stored_form_page_costs_no_query(
    promeneur, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = form_pages(promeneur)["contact"]
    # The first view renders the page and writes a batch of challenges (kept once committed).
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(3):
        Client().get(url)
    # The next ones take a challenge of that batch: no template, no query (the page is shown
    # outside a transaction: not even a savepoint).
    keys = []
    for _ in range(3):
        with django_assert_num_queries(0):
            keys += values(Client().get(url).content.decode(), KEY_RE)
    assert CaptchaStore.objects.count() == captcha.settings.CAPTCHA_BATCH_SIZE
    assert len(set(keys)) == 3
    assert CaptchaStore.objects.filter(hashkey__in=keys).count() == 3


def test_a_challenge_that_waited_too_long_is_not_handed_out(django_capture_on_commit_callbacks):
    with freeze_time("2026-05-13 10:00:00") as clock:
        with django_capture_on_commit_callbacks(execute=True):
            captcha.new_challenge()
        waiting = [key for key, _text, _made in captcha._pool]
        clock.tick(captcha.POOL_MAX_AGE + 1)
        key, _text = captcha.new_challenge()
    assert key not in waiting


def take_challenge(capture):
    """A visitor's challenge, the batch it may have written committed (then pooled)."""
    with capture(execute=True):
        return captcha.new_challenge()[0]


def test_batches_grow_while_a_crowd_takes_them_and_are_small_again_after(
    settings, django_capture_on_commit_callbacks
):
    settings.CAPTCHA_BATCH_SIZE, settings.CAPTCHA_BATCH_MAX = 4, 16
    written, keys = [], []
    with freeze_time("2026-05-13 10:00:00") as clock:
        for _ in range(4 + 8 + 16 + 16):  # one visitor every 10 ms: each batch is soon handed out
            before = CaptchaStore.objects.count()
            keys.append(take_challenge(django_capture_on_commit_callbacks))
            if CaptchaStore.objects.count() > before:
                written.append(CaptchaStore.objects.count() - before)
            clock.tick(0.01)
        # The crowd is gone: a visitor long after the last batch was made gets a small batch again.
        clock.tick(captcha.BURST_SECONDS + 1)
        before = CaptchaStore.objects.count()
        keys.append(take_challenge(django_capture_on_commit_callbacks))
        written.append(CaptchaStore.objects.count() - before)
    assert written == [4, 8, 16, 16, 4]
    assert len(set(keys)) == len(keys) == 45
    assert CaptchaStore.objects.filter(hashkey__in=keys).count() == 45


def test_batches_stay_small_when_visitors_come_one_by_one(settings, django_capture_on_commit_callbacks):
    settings.CAPTCHA_BATCH_SIZE, settings.CAPTCHA_BATCH_MAX = 4, 16
    with freeze_time("2026-05-13 10:00:00") as clock:
        for _ in range(12):  # each batch is used up in more than BURST_SECONDS
            take_challenge(django_capture_on_commit_callbacks)
            clock.tick(captcha.BURST_SECONDS / 3)
    assert CaptchaStore.objects.count() == 12


def test_the_periodic_work_deletes_the_challenges_whose_time_is_up(django_capture_on_commit_callbacks):
    from pages.tasks import remove_expired_challenges

    with freeze_time("2026-05-13 10:00:00") as clock:
        with django_capture_on_commit_callbacks(execute=True):
            old, _text = captcha.new_challenge()
        clock.tick(int(captcha.captcha_settings.CAPTCHA_TIMEOUT) * 60 - 60)
        captcha._pool.clear()
        with django_capture_on_commit_callbacks(execute=True):
            fresh, _text = captcha.new_challenge()
        clock.tick(61)
        remove_expired_challenges()
    assert not CaptchaStore.objects.filter(hashkey=old).exists()
    assert CaptchaStore.objects.filter(hashkey=fresh).exists()
    assert CaptchaStore.objects.count() == captcha.settings.CAPTCHA_BATCH_SIZE


def test_a_comment_sent_from_the_stored_page_is_accepted(promeneur, settings):
    settings.CONTACT_FORM_MIN_SECONDS = 0
    url = form_pages(promeneur)["article"]
    Client().get(url)  # the page is stored
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url).content.decode()
    (token,), (key,), (stamp,) = values(page, CSRF_RE), values(page, KEY_RE), values(page, STAMP_RE)
    data = {
        "csrfmiddlewaretoken": token,
        "nom": "Lou",
        "email": "",
        "commentaire": "Commentaire canari envoyé depuis la page gardée.",
        "captcha_0": key,
        "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
        "jeton": stamp,
        "site_web": "",
    }
    response = visitor.post(url, data)
    assert response.status_code == 302
    assert Comment.objects.get().body == "Commentaire canari envoyé depuis la page gardée."
    # The challenge is used once.
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_a_post_with_another_visitors_token_is_refused(promeneur, settings):
    settings.CONTACT_FORM_MIN_SECONDS = 0
    url = form_pages(promeneur)["article"]
    other_page = Client().get(url).content.decode()
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(url)
    (token,) = values(other_page, CSRF_RE)
    response = visitor.post(url, {"csrfmiddlewaretoken": token, "commentaire": "x"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_article_change_and_an_approved_comment_show_on_the_next_request(promeneur):
    article = ArticleFactory(title="Titre canari d’origine")
    url = article.get_absolute_url()
    assert "Titre canari d’origine" in Client().get(url).content.decode()

    article.title = "Titre canari modifié"
    article.save()
    assert "Titre canari modifié" in Client().get(url).content.decode()

    comment = CommentFactory(target=article, body="Avis canari en attente", pending=True)
    assert "Avis canari en attente" not in Client().get(url).content.decode()
    comment_moderate(
        comment_ids=[comment.pk], to_status=CommentStatus.APPROVED, by=UserFactory(moderator=True)
    )
    assert "Avis canari en attente" in Client().get(url).content.decode()


@pytest.mark.parametrize("cached", [True, False], ids=["page cache", "no page cache"])
def test_a_comment_cannot_pass_for_a_marker(promeneur, settings, cached):
    """A comment quoting what a marker looks like is shown as written: no visitor's token, challenge
    or time stamp is put in its place, and no challenge is used up for it."""
    settings.PUBLIC_PAGE_CACHE = cached
    article = ArticleFactory(title="Article canari")
    forged = " ".join(
        f"pdnfill_{kind}_{arg}_{secret}_endfill"
        for kind, arg in (("csrf", ""), ("captcha", "key"), ("timestamp", "comment"))
        for secret in ("", "0" * 20)
    )
    body = f"Canari {forged.replace('__', '_')} {forged}"
    comment = CommentFactory(target=article, body=body, pending=True)
    comment_moderate(
        comment_ids=[comment.pk], to_status=CommentStatus.APPROVED, by=UserFactory(moderator=True)
    )
    Client().get(article.get_absolute_url())
    page = Client().get(article.get_absolute_url()).content.decode()
    shown = re.search(r'<div class="comment-body">(.*?)</div>', page, re.S).group(1)
    for word in body.split():
        assert word in shown
    assert len(values(page, KEY_RE)) == 1 and len(values(page, STAMP_RE)) == 1


def test_a_promeneur_going_offline_shows_on_the_contact_page(promeneur):
    url = form_pages(promeneur)["contact_promeneur"]
    assert Client().get(url).status_code == 200
    promeneur.user.is_active = False
    promeneur.user.save()
    assert Client().get(url).status_code == 404


def test_signed_in_visitors_get_the_view_itself(promeneur):
    url = form_pages(promeneur)["article"]
    Client().get(url)
    signed_in = Client()
    signed_in.force_login(promeneur.user)
    response = signed_in.get(url)
    assert response.status_code == 200
    assert not getattr(response, "public_page_cache", False)
    assert "Se déconnecter" in response.content.decode()
    assert "Se déconnecter" not in Client().get(url).content.decode()


@pytest.mark.parametrize("name", ["article", "contact", "contact_promeneur"])
@pytest.mark.parametrize("who", ["anonymous, page cache off", "signed in"])
def test_an_empty_form_kept_in_memory_gives_each_response_its_own_values(promeneur, settings, who, name):
    """Outside the page cache, an empty comment or contact form comes from this process's memory
    (`public_cache.unbound_form_html`), rendered with markers: each response still gets its own
    token, challenge and time stamp, and a comment sent with them is accepted."""
    settings.CONTACT_FORM_MIN_SECONDS = 0
    if who.startswith("anonymous"):
        settings.PUBLIC_PAGE_CACHE = False
    url = form_pages(promeneur)[name]
    visitors = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    if who == "signed in":
        for visitor, user in zip(visitors, (promeneur.user, UserFactory()), strict=True):
            visitor.force_login(user)
    now = timezone.now().replace(microsecond=0)
    pages = []
    with freeze_time(now) as clock:
        for visitor in visitors:
            response = visitor.get(url)
            assert not getattr(response, "public_page_cache", False)
            pages.append(response.content.decode())
            clock.tick(20)
    kept = {key[0] for key in public_cache._unbound_forms}
    assert ("comment" if name == "article" else "contact") in kept
    keys = []
    for visitor, page in zip(visitors, pages, strict=True):
        assert "pdnfill" not in page
        form = re.search(r'<form method="post"[^>]*data-(comment|contact)-form>.*?</form>', page, re.S).group(
            0
        )
        (token,), (key,), (stamp,) = values(form, CSRF_RE), values(form, KEY_RE), values(form, STAMP_RE)
        for any_token in values(page, CSRF_RE):  # the sign-out form's too, when signed in
            assert _unmask_cipher_token(any_token) == visitor.cookies["csrftoken"].value
        assert captcha.text_alternative(CaptchaStore.objects.get(hashkey=key).challenge) in page
        keys.append((token, key, stamp))
    assert len({k[0] for k in keys}) == len({k[1] for k in keys}) == len({k[2] for k in keys}) == 2
    issued = antispam.signing.b62_decode(keys[1][2].rsplit(":", 2)[1])
    assert issued == int(now.timestamp()) + 20

    if name != "article":
        return
    token, key, stamp = keys[0]  # stamped at `now`: the second one is 20 s ahead of the clock
    response = visitors[0].post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "nom": "Lou",
            "email": "",
            "commentaire": "Commentaire canari du formulaire gardé en mémoire.",
            "captcha_0": key,
            "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
            "jeton": stamp,
            "site_web": "",
        },
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "Commentaire canari du formulaire gardé en mémoire."
