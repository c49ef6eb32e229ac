"""The comment form of a Fil info article: CAPTCHA, honeypot, timestamp, rate limit, closed articles.

Every refusal keeps what the visitor typed and says why in French; an accepted comment is pending
and nothing pending is public.
"""

import datetime
import html

import pytest
from captcha.models import CaptchaStore
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import Comment
from notifications.models import Notification
from promeneurs import antispam
from promeneurs.captcha import REFRESH_FIELD, text_alternative
from tests.accounts.factories import UserFactory
from tests.comments.helpers import (
    BODY,
    EMAIL,
    NAME,
    comment_data,
    open_form,
    post_comment,
    textarea_value,
)
from tests.news.factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

TYPED_ESCAPED = html.escape(BODY)


@pytest.fixture
def article(clock):
    return ArticleFactory(title="Les promeneurs arrivent en Dordogne", slug="promeneurs-dordogne")


@pytest.fixture
def url(article):
    return article.get_absolute_url()


def assert_refused_and_kept(response, *, message, status=200):
    """Nothing stored; the French reason is shown; what was typed is in the form again."""
    assert response.status_code == status
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert html.escape(message) in page, message
    assert textarea_value(page) == TYPED_ESCAPED
    assert f'value="{NAME}"' in page and f'value="{EMAIL}"' in page
    assert "Ton commentaire n’est pas encore envoyé" in page or "Ton commentaire n’a pas été envoyé" in page
    return page


# --- Accepted: pending, told "après modération", moderators notified --------------------------


def test_comment_is_pending_and_its_author_told_it_is_published_after_moderation(client, clock, article, url):
    moderators = [UserFactory(moderator=True), UserFactory(moderator=True)]
    UserFactory(moderator=True, is_active=False)
    UserFactory(caf_staff=True)

    response = post_comment(client, clock, url)

    assert response.status_code == 302 and response["Location"] == f"{url}#commentaire-envoye"
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert comment.content_object == article
    assert (comment.author_name, comment.author_email) == (NAME, EMAIL)
    assert comment.body == BODY
    assert comment.moderated_at is None and comment.moderated_by is None
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "après modération" in message

    page = client.get(url).content.decode()
    # The confirmation is in the comments section, where the form was, not at the top of the page.
    confirmation = page.index('id="commentaire-envoye"')
    assert page.index('id="commentaires"') < confirmation < page.index("après modération")
    assert "Merci pour cet article" not in page and NAME not in page

    notifications = Notification.objects.order_by("recipient__email")
    assert {n.recipient for n in notifications} == set(moderators)
    for notification in notifications:
        assert notification.kind == "comment_pending"
        assert notification.context == {"comment_id": comment.pk, "article_title": article.title}


def test_the_notification_never_holds_the_comment_text_nor_the_author_email(client, clock, url):
    UserFactory(moderator=True)
    post_comment(client, clock, url)
    stored = str(Notification.objects.values().get())
    assert "Merci pour cet article" not in stored and EMAIL not in stored and NAME not in stored


def test_email_is_optional(client, clock, url):
    response = post_comment(client, clock, url, email="")
    assert response.status_code == 302
    assert Comment.objects.get().author_email == ""


def test_line_breaks_are_stored_as_one_character(client, clock, url):
    post_comment(client, clock, url, commentaire="un\r\ndeux\r\n\r\ntrois")
    assert Comment.objects.get().body == "un\ndeux\n\ntrois"


# --- CAPTCHA ------------------------------------------------------------------------------------


def test_wrong_captcha_answer_is_refused_and_the_comment_kept(client, clock, url):
    _, key, answer, token = open_form(client, url)
    clock.tick(30)
    wrong = "zzz" if answer != "zzz" else "yyy"

    response = client.post(url, comment_data(key, wrong, token))

    page = assert_refused_and_kept(response, message="Ce ne sont pas les bonnes lettres")
    new_key = response.context["comment_form"]["captcha"].field.widget._key
    assert new_key != key and CaptchaStore.objects.filter(hashkey=new_key).exists()
    assert f'value="{new_key}"' in page
    # The challenge answered wrongly cannot be tried again.
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_expired_captcha_is_refused_and_the_comment_kept(client, clock, url, settings):
    _, key, answer, token = open_form(client, url)
    clock.tick(settings.CAPTCHA_TIMEOUT * 60 + 1)  # 45 minutes and a second

    response = client.post(url, comment_data(key, answer, token))

    assert_refused_and_kept(response, message="Ce ne sont pas les bonnes lettres, ou le mot a expiré")


def test_captcha_whose_expiration_passed_in_the_store_is_refused(client, clock, url):
    _, key, answer, token = open_form(client, url)
    clock.tick(30)
    CaptchaStore.objects.filter(hashkey=key).update(expiration=timezone.now() - datetime.timedelta(seconds=1))

    response = client.post(url, comment_data(key, answer, token))

    assert_refused_and_kept(response, message="le mot a expiré")


def test_captcha_lives_long_enough_to_write_a_comment(client, clock, url, settings):
    assert settings.CAPTCHA_TIMEOUT >= 30
    response = post_comment(client, clock, url, wait=settings.CAPTCHA_TIMEOUT * 60 - 60)
    assert response.status_code == 302
    assert Comment.objects.get().status == CommentStatus.PENDING


def test_missing_captcha_answer_is_refused(client, clock, url):
    response = post_comment(client, clock, url, captcha_1="")
    assert_refused_and_kept(response, message="Recopie les lettres qui manquent")


def test_challenge_image_and_its_text_alternative_load_for_an_anonymous_visitor(client, clock, url):
    page, key, _, _ = open_form(client, url)
    challenge = CaptchaStore.objects.get(hashkey=key).challenge

    for image in [f"/captcha/image/{key}/", f"/captcha/image/{key}@2/"]:
        assert f'"{image}' in page or f" {image} " in page or f"{image} 2x" in page
        response = client.get(image)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
    alternative = html.escape(text_alternative(challenge))
    assert f'alt="Mot à compléter, lettre par lettre : {alternative}."' in page
    assert f"<p>Le mot, lettre par lettre : {alternative}.</p>" in page
    assert '<label for="id_captcha_1">Les lettres qui manquent</label>' in page


def test_new_challenge_button_keeps_the_comment_and_checks_nothing(client, clock, url):
    _, key, _, token = open_form(client, url)

    response = client.post(url, comment_data(key, "", token, **{REFRESH_FIELD: "1"}))

    assert response.status_code == 200
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert "Voici un nouveau mot à compléter" in page
    assert textarea_value(page) == TYPED_ESCAPED
    assert 'class="errorlist"' not in page
    assert response.context["comment_form"]["captcha"].field.widget._key != key


# --- Honeypot, timestamp, rate limit -------------------------------------------------------------


def test_filled_honeypot_is_refused_and_the_comment_kept(client, clock, url):
    response = post_comment(client, clock, url, site_web="https://spam.example")
    page = assert_refused_and_kept(response, message="un champ invisible, qui sert à repérer les robots")
    assert 'name="site_web" autocomplete="off" tabindex="-1" class="honeypot-input" id="id_site_web">' in page


def test_form_sent_too_fast_is_refused(client, clock, url):
    response = post_comment(client, clock, url, wait=1)
    assert_refused_and_kept(response, message="le formulaire est parti trop vite")


def test_form_open_for_too_long_is_refused(client, clock, url, settings):
    response = post_comment(client, clock, url, wait=settings.CONTACT_FORM_MAX_SECONDS + 1)
    assert_refused_and_kept(response, message="le formulaire a expiré")


@pytest.mark.parametrize("token", ["", "comment:faux:faux", "\x00", "é" * 5000])
def test_missing_or_forged_timestamp_is_refused(client, clock, url, token):
    response = post_comment(client, clock, url, jeton=token)
    assert_refused_and_kept(response, message="le formulaire est incomplet ou a été modifié")


def test_timestamp_of_the_contact_form_is_not_accepted(client, clock, url):
    response = post_comment(client, clock, url, jeton=antispam.timestamp_issue("contact"))
    assert_refused_and_kept(response, message="le formulaire est incomplet ou a été modifié")


def test_rate_limit_per_address_refuses_and_keeps_the_comment(client, clock, url, settings):
    # freezegun moves the clock, which Redis expiry ignores: a local-memory cache for this test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.FORM_RATE_LIMIT_PER_HOUR = 2
    for _ in range(2):
        assert post_comment(client, clock, url).status_code == 302

    response = post_comment(client, clock, url)

    assert response.status_code == 429
    assert Comment.objects.count() == 2
    page = response.content.decode()
    assert "beaucoup de commentaires sont partis de cette connexion" in page
    assert textarea_value(page) == TYPED_ESCAPED
    # Another address may still comment; an hour later, this one too.
    _, key, answer, token = open_form(client, url)
    clock.tick(30)
    other = client.post(url, comment_data(key, answer, token), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302
    clock.tick(3600)
    assert post_comment(client, clock, url).status_code == 302
    assert Comment.objects.count() == 4


def test_refused_submissions_do_not_count_in_the_rate_limit(client, clock, url, settings):
    # freezegun moves the clock, which Redis expiry ignores: a local-memory cache for this test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.FORM_RATE_LIMIT_PER_HOUR = 1
    for _ in range(3):
        post_comment(client, clock, url, captcha_1="zzz")
    assert post_comment(client, clock, url).status_code == 302


# --- What is typed ----------------------------------------------------------------------------


def test_empty_form_lists_each_error_in_french(client, clock, url):
    response = post_comment(client, clock, url, nom="", commentaire="", captcha_1="")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 points à corriger" in page
    assert "Indique un prénom, un nom ou un pseudo" in page
    assert "Écris ton commentaire : quelques mots suffisent." in page
    assert 'href="#id_nom"' in page and 'href="#id_commentaire"' in page and 'href="#id_captcha_1"' in page
    assert 'aria-describedby="id_nom_helptext id_nom_error"' in page
    assert "<title>Erreur — " in page


def test_comment_of_more_than_5000_characters_is_refused_with_its_length_and_kept(client, clock, url):
    long_text = "é" * 5001
    response = post_comment(client, clock, url, commentaire=long_text)
    assert response.status_code == 200
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert (
        "Ton commentaire compte 5\u202f001 caractères : raccourcis-le à 5\u202f000 caractères au plus."
        in page
    )
    assert textarea_value(page) == long_text


def test_comment_of_exactly_5000_characters_is_accepted(client, clock, url):
    assert post_comment(client, clock, url, commentaire="a" * 4999 + "\r\n").status_code == 302
    assert post_comment(client, clock, url, commentaire="b" * 5000).status_code == 302


def test_invalid_email_is_refused_in_french(client, clock, url):
    response = post_comment(client, clock, url, email="pas-une-adresse")
    assert response.status_code == 200 and not Comment.objects.exists()
    assert "Cette adresse e-mail n’est pas valide" in response.content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"nom": "Lou\x00"},
        {"commentaire": "texte\x00nul"},
        {"commentaire": "bip\x07"},
        {"nom": "a\tb"},
        {"email": "a\x00@b.fr"},
        {"captcha_1": "a\x00b"},
        {"captcha_0": "\x00"},
        {"nom": "x" * 100_000},
        {"commentaire": "y" * 200_000},
        {"captcha_0": "z" * 10_000},
        {"site_web": "\x00"},
    ],
)
def test_malformed_input_gets_a_french_error_never_a_500(client, clock, url, overrides):
    response = post_comment(client, clock, url, **overrides)
    assert response.status_code == 200
    assert not Comment.objects.exists()
    assert "Ton commentaire n’est pas encore envoyé" in response.content.decode()


def test_html_in_the_name_and_text_is_stored_as_typed(client, clock, url):
    payload = '<img src=x onerror="alert(1)">'
    post_comment(client, clock, url, nom=payload, commentaire=payload)
    comment = Comment.objects.get()
    assert comment.author_name == payload and comment.body == payload


# --- Closed articles ---------------------------------------------------------------------------


def test_closed_article_says_so_shows_no_form_and_refuses_posts_keeping_the_text(client, clock):
    article = ArticleFactory(closed=True)
    url = article.get_absolute_url()

    page = client.get(url).content.decode()
    assert "Les commentaires sont fermés pour cet article" in page
    assert 'name="captcha_0"' not in page and 'name="commentaire"' not in page

    response = client.post(url, {"nom": NAME, "commentaire": BODY, "jeton": "x"})

    assert response.status_code == 403
    assert not Comment.objects.exists()
    page = response.content.decode()
    assert "Ton commentaire n’a pas été envoyé\u202f: les commentaires de cet article sont fermés." in page
    assert f'<textarea id="commentaire-non-envoye" rows="8" readonly>\n{TYPED_ESCAPED}</textarea>' in page


def test_comments_close_by_themselves_after_the_configured_delay(client, clock, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 60
    now = timezone.now()
    still_open = ArticleFactory(published_at=now - datetime.timedelta(days=59, hours=23))
    closed = ArticleFactory(published_at=now - datetime.timedelta(days=60))

    assert 'name="commentaire"' in client.get(still_open.get_absolute_url()).content.decode()
    page = client.get(closed.get_absolute_url()).content.decode()
    assert 'name="commentaire"' not in page
    assert "ils ferment d’eux-mêmes quelque temps après la publication" in page
    assert client.post(closed.get_absolute_url(), {"commentaire": BODY}).status_code == 403

    settings.COMMENTS_CLOSE_AFTER_DAYS = 90
    assert 'name="commentaire"' in client.get(closed.get_absolute_url()).content.decode()


def test_default_delay_is_60_days(client, clock, settings):
    del settings.COMMENTS_CLOSE_AFTER_DAYS
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=60, seconds=1))
    assert not article.accepts_comments()
    article.published_at += datetime.timedelta(seconds=2)
    assert article.accepts_comments()


def test_comment_posted_when_the_delay_passed_while_writing_is_refused(client, clock, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 60
    article = ArticleFactory(
        published_at=timezone.now() - datetime.timedelta(days=60) + datetime.timedelta(minutes=5)
    )
    response = post_comment(client, clock, article.get_absolute_url(), wait=600)
    assert response.status_code == 403
    assert not Comment.objects.exists()
