"""Browser tests of Fil info: a visitor comments, a moderator approves; XSS payloads never run."""

import os

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from playwright.sync_api import expect

from comments.enums import CommentStatus
from comments.models import Comment
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.comments.xss import XSS_PAYLOADS
from tests.e2e.helpers import BROWSER_TEST, log_in
from tests.news.factories import ArticleFactory
from tests.structures.factories import DepartmentFactory

pytestmark = BROWSER_TEST

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
MODERATOR_EMAIL = "moderation@fil-info.test"
COMMENT = "Merci pour l’article !\nLe site du programme : www.promeneursdunet.fr.\n\nÀ bientôt, Lou"


@pytest.fixture
def article(settings):
    # No waiting in the browser: the minimum delay of the form is a setting read at each request.
    settings.CONTACT_FORM_MIN_SECONDS = 0
    cache.clear()
    ArticleFactory(title="Le programme, partout en France", slug="national")
    return ArticleFactory(
        title="En Dordogne, quatre promeneurs du Net",
        slug="dordogne",
        lead="Quatre professionnel·les de quatre structures, soutenues par la CAF.",
        body="Premier paragraphe.\n\nSecond paragraphe, avec https://exemple.fr/page?a=1&b=2.",
        department=DepartmentFactory(code="24"),
    )


def screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def captcha_answer(page):
    key = page.locator("input[name='captcha_0']").input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def test_visitor_comments_and_a_moderator_approves(live_server, page, axe, article):
    UserFactory(email=MODERATOR_EMAIL, moderator=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and errors.append(response.url))

    # The list
    page.goto(f"{live_server.url}/fil-info/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fil info")
    assert axe(page) == []
    screenshot(page, "fil-info-list")
    page.get_by_label("Articles de").select_option("24")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".news-card")).to_have_count(1)
    page.get_by_role("link", name="En Dordogne, quatre promeneurs du Net").click()

    # The article and its form
    expect(page.get_by_role("heading", level=1)).to_have_text("En Dordogne, quatre promeneurs du Net")
    image = page.locator("img.captcha-image")
    # The challenge's image loads for an anonymous visitor (decode() waits for it).
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 220
    page.get_by_text("Je n’arrive pas à lire l’image").click()
    expect(page.locator(".captcha-text p")).to_contain_text("Le mot, lettre par lettre :")
    assert axe(page) == []
    screenshot(page, "fil-info-article")

    # Sent empty: the errors are listed, focused, each tied to its box.
    page.get_by_role("button", name="Envoyer mon commentaire").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("3 points à corriger")
    expect(page.get_by_label("Ton prénom, ton nom ou un pseudo")).to_have_accessible_description(
        "Il s’affiche au-dessus de ton commentaire. Erreur : Indique un prénom, un nom ou un pseudo : il "
        "s’affichera avec ton commentaire."
    )
    assert axe(page) == []
    screenshot(page, "fil-info-form-errors")

    # A wrong answer to the challenge: refused, the comment kept.
    page.get_by_label("Ton prénom, ton nom ou un pseudo").fill("Lou")
    page.get_by_label("Ton adresse e-mail (facultatif)").fill("lou@example.test")
    page.get_by_label("Ton commentaire").fill(COMMENT)
    expect(page.locator("#id_commentaire_counter")).to_have_text(
        f"Il te reste {5000 - len(COMMENT):,} caractères sur 5\u202f000.".replace(",", "\u202f")
    )
    page.get_by_label("Les lettres qui manquent").fill("zzz")
    page.get_by_role("button", name="Envoyer mon commentaire").click()
    expect(page.locator(".error-summary")).to_contain_text("Ce ne sont pas les bonnes lettres")
    expect(page.get_by_label("Ton commentaire")).to_have_value(COMMENT)
    expect(page.get_by_label("Ton prénom, ton nom ou un pseudo")).to_have_value("Lou")
    assert not Comment.objects.exists()
    assert axe(page) == []

    # The right answer; "Enter" sends the comment (not "Nouveau défi").
    answer = page.get_by_label("Les lettres qui manquent")
    answer.fill(captcha_answer(page))
    answer.press("Enter")
    confirmation = page.get_by_role("status").filter(has_text="Il sera publié après modération")
    expect(confirmation).to_be_visible()
    # Where the eye and the focus are: the confirmation replaces the form, and has the focus.
    expect(confirmation).to_be_focused()
    expect(confirmation).to_be_in_viewport()
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    expect(page.locator("#commentaires")).not_to_contain_text("Merci pour l’article")
    expect(page.locator("#commentaires")).to_contain_text("Pas encore de commentaire publié.")

    # The moderator approves it from the queue.
    log_in(page, live_server, MODERATOR_EMAIL)
    page.goto(f"{live_server.url}/tableau-de-bord/moderation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modération des commentaires")
    CommentFactory(
        pending=True, target=article, author_name="Sam", body="Un deuxième commentaire en attente."
    )
    page.reload()
    expect(page.locator(".moderation-item")).to_have_count(2)
    expect(page.locator(".moderation-item").first).to_contain_text("Merci pour l’article")
    assert axe(page) == []
    screenshot(page, "moderation-queue")
    page.get_by_role("button", name="Approuver le commentaire de Lou").click()
    expect(page.get_by_role("status")).to_have_text("1 commentaire approuvé : il est publié.")
    expect(page.locator(".moderation-item")).to_have_count(1)
    page.get_by_label("Sélectionner le commentaire de Sam").check()
    page.get_by_label("Action sur les commentaires cochés").select_option("rejected")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    expect(page.get_by_role("status")).to_have_text("1 commentaire rejeté.")
    expect(page.get_by_text("Aucun commentaire en attente.")).to_be_visible()
    assert axe(page) == []

    # Published, as plain text made readable.
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    published = page.locator("#commentaires .comment-body")
    expect(published).to_have_count(1)
    link = published.get_by_role("link", name="www.promeneursdunet.fr")
    expect(link).to_have_attribute("href", "https://www.promeneursdunet.fr")
    expect(link).to_have_attribute("rel", "nofollow ugc")
    assert published.locator("p").count() == 2 and published.locator("br").count() == 1
    expect(page.locator("#commentaires")).not_to_contain_text("Un deuxième commentaire")
    expect(page.locator("main")).not_to_contain_text("lou@example.test")
    assert errors == []


def test_new_challenge_keeps_the_comment(live_server, page, axe, article):
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.get_by_label("Ton commentaire").fill(COMMENT)
    first_key = page.locator("input[name='captcha_0']").input_value()

    page.get_by_role("button", name="Nouveau défi (un autre mot)").click()

    expect(page.get_by_role("status")).to_have_text(
        "Voici un nouveau mot à compléter. Ton commentaire n’est pas encore envoyé."
    )
    expect(page.locator("input[name='captcha_0']")).not_to_have_value(first_key)
    expect(page.get_by_label("Ton commentaire")).to_have_value(COMMENT)
    assert not Comment.objects.exists()
    assert axe(page) == []


def test_closed_article_is_accessible_and_has_no_form(live_server, page, axe, article):
    closed = ArticleFactory(closed=True, title="Article fermé")
    page.goto(f"{live_server.url}{closed.get_absolute_url()}")
    expect(page.get_by_text("Les commentaires sont fermés pour cet article.")).to_be_visible()
    expect(page.locator("form.comment-form")).to_have_count(0)
    assert axe(page) == []


# --- XSS ----------------------------------------------------------------------------------------

CHECK_DOM = """() => {
  // What visitors wrote: the comments (authors and texts); and the article's text.
  const texts = [...document.querySelectorAll('.comment-body, .news-body')];
  const authors = [...document.querySelectorAll('.comment-author')];
  const inTexts = selector => texts.flatMap(zone => [...zone.querySelectorAll(selector)]);
  const scripts = [...document.querySelectorAll('script')]
    .filter(s => !(s.src && new URL(s.src).pathname.startsWith('/static/')));
  const withHandlers = [...document.querySelectorAll('*')]
    .filter(el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  return {
    scripts: scripts.map(s => s.outerHTML),
    handlers: withHandlers.map(el => el.outerHTML.slice(0, 120)),
    javascriptHrefs: document.querySelectorAll('a[href^="javascript:" i]').length,
    badLinks: inTexts('a').filter(a => !['http:', 'https:', 'mailto:'].includes(a.protocol)).map(a => a.outerHTML),
    foreign: inTexts('*').filter(el => !['P', 'BR', 'A'].includes(el.tagName)).map(el => el.tagName),
    inAuthors: authors.flatMap(el => [...el.children]).map(el => el.tagName),
    flag: window.__xss,
  };
}"""

HOVER_AND_FOCUS_EVERYTHING = """() => {
  for (const el of document.querySelectorAll('main *')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'animationstart', 'toggle']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
  return new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}"""


def test_detector_sees_a_payload_that_runs(page):
    """The check is honest: in this browser, the same payload in raw HTML does run and is caught."""
    page.set_content(
        '<div class="comment-list"><div class="comment-body"><img src=x onerror="window.__xss=1"></div></div>'
    )
    page.wait_for_function("() => window.__xss === 1")
    result = page.evaluate(CHECK_DOM)
    assert result["flag"] == 1 and result["handlers"] and result["foreign"] == ["IMG"]


def test_xss_payloads_never_run_in_a_browser(live_server, page, axe):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    article = ArticleFactory(
        title="Article piégé",
        slug="piege",
        body="\n\n".join(XSS_PAYLOADS[:10]),
        lead=XSS_PAYLOADS[0],
    )
    for payload in XSS_PAYLOADS:
        CommentFactory(target=article, author_name=payload[:80], body=f"Avant {payload} après\n{payload}")
    CommentFactory(target=article, pending=True, body="<script>window.__xss='pending'</script>")

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.wait_for_load_state("load")
    expect(page.locator(".comment-list > li")).to_have_count(len(XSS_PAYLOADS))
    page.evaluate(HOVER_AND_FOCUS_EVERYTHING)

    result = page.evaluate(CHECK_DOM)
    assert result == {
        "scripts": [],
        "handlers": [],
        "javascriptHrefs": 0,
        "badLinks": [],
        "foreign": [],
        "inAuthors": [],
        "flag": None,
    }
    assert dialogs == []
    # Every payload is shown as typed, as text.
    bodies = page.locator(".comment-body").all_inner_texts()
    for payload, body in zip(XSS_PAYLOADS, bodies, strict=True):
        assert payload.replace("\n", "") in body.replace("\n", ""), payload
    assert axe(page) == []
