"""Fil info: the list, an article with its comments, the Atom feed (all public)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.comments.factories import CommentFactory
from tests.comments.helpers import MODERATING_ROLES, ROLES, make_user
from tests.news.factories import ArticleFactory
from tests.structures.factories import DepartmentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = "/fil-info/"
FEED = "/fil-info/atom.xml"
SECRET_EMAIL = "ne-jamais-afficher@example.test"


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def assert_no_inline_script_or_style(html):
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


# --- The list ----------------------------------------------------------------------------------


def test_list_shows_published_articles_newest_first_for_an_anonymous_visitor(client, clock):
    dordogne = DepartmentFactory(code="24")
    old = ArticleFactory(title="Article ancien", published_at=ago(days=10))
    new = ArticleFactory(title="Article récent", published_at=ago(days=1), department=dordogne)
    ArticleFactory(title="Brouillon secret", draft=True)
    ArticleFactory(title="Article programmé", published_at=timezone.now() + datetime.timedelta(hours=1))

    response = client.get(LIST)

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [new, old]
    page = response.content.decode()
    assert "Brouillon secret" not in page and "Article programmé" not in page
    assert page.count("<h1") == 1
    assert f'<a href="{new.get_absolute_url()}">Article récent</a>' in page
    assert "Dordogne" in page and "National" in page
    assert f'href="{FEED}"' in page
    assert_no_inline_script_or_style(page)


def test_list_counts_approved_comments_only(client, clock):
    article = ArticleFactory()
    for _ in range(2):
        CommentFactory(target=article)
    CommentFactory(target=article, pending=True)
    CommentFactory(target=article, rejected=True)
    CommentFactory(target=article, spam=True)
    ArticleFactory(title="Sans commentaire", published_at=ago(days=3))

    response = client.get(LIST)

    counts = {a.title: a.comment_count for a in response.context["page_obj"]}
    assert counts == {article.title: 2, "Sans commentaire": 0}
    page = response.content.decode()
    assert "2 commentaires" in page and "Pas encore de commentaire" in page


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("24", {"Dordogne"}),
        ("33", {"Gironde"}),
        ("national", {"National"}),
        ("", {"Dordogne", "Gironde", "National"}),
    ],
)
def test_list_filters_by_departement(client, clock, choice, expected):
    ArticleFactory(title="Dordogne", department=DepartmentFactory(code="24"))
    ArticleFactory(title="Gironde", department=DepartmentFactory(code="33"))
    ArticleFactory(title="National")
    DepartmentFactory(code="75")  # no article: not offered

    response = client.get(LIST, {"departement": choice})

    assert {a.title for a in response.context["page_obj"]} == expected
    page = response.content.decode()
    assert 'value="24"' in page and 'value="33"' in page and 'value="75"' not in page
    assert '<label for="id_departement">' in page


@pytest.mark.parametrize("choice", ["75", "999", "<script>", "\x00"])
def test_list_with_an_unknown_departement_says_so_and_shows_everything(client, clock, choice):
    ArticleFactory(title="Dordogne", department=DepartmentFactory(code="24"))
    DepartmentFactory(code="75")
    response = client.get(LIST, {"departement": choice})
    assert response.status_code == 200
    assert "Ce département n’a pas d’article" in response.content.decode()
    assert len(response.context["page_obj"]) == 1


def test_list_is_paginated_and_keeps_the_filter(client, clock):
    dordogne = DepartmentFactory(code="24")
    for day in range(25):
        ArticleFactory(published_at=ago(days=day + 1), department=dordogne)
    ArticleFactory(title="National, hors filtre")

    first = client.get(LIST, {"departement": "24"})
    assert len(first.context["page_obj"]) == 20
    assert 'href="?departement=24&amp;page=2"' in first.content.decode()
    second = client.get(LIST, {"departement": "24", "page": "2"})
    assert len(second.context["page_obj"]) == 5
    assert "National, hors filtre" not in second.content.decode()
    for page in ["999", "abc", "-1", "\x00"]:
        assert client.get(LIST, {"page": page}).status_code == 200


def test_list_counts_each_article_once_whatever_its_comments(client, clock):
    """The pages are counted on the articles alone: an article with several comments, published or
    awaiting moderation, is still one article."""
    articles = [ArticleFactory(published_at=ago(days=day + 1)) for day in range(21)]
    CommentFactory.create_batch(3, target=articles[0])
    CommentFactory(target=articles[0], pending=True)
    ArticleFactory(title="Pas encore publié", published_at=timezone.now() + datetime.timedelta(days=1))
    response = client.get(LIST)
    assert response.context["paginator"].count == 21
    assert response.context["paginator"].num_pages == 2
    assert len(client.get(LIST, {"page": "2"}).context["page_obj"]) == 1


@pytest.mark.parametrize(
    ("choice", "expected"), [("", 26), ("24", 21), ("33", 3), ("national", 2), ("75", 26), ("<b>", 26)]
)
def test_list_counts_the_articles_of_the_choice_made(client, clock, choice, expected):
    """The count of the pages (and so their number) is that of the articles the filter keeps: an
    unknown choice keeps them all; articles not yet published count nowhere, and a département
    whose articles are all scheduled is not offered."""
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    for day in range(21):
        ArticleFactory(published_at=ago(days=day + 1), department=dordogne)
    ArticleFactory.create_batch(3, department=gironde)
    ArticleFactory.create_batch(2)
    later = timezone.now() + datetime.timedelta(days=1)
    ArticleFactory(department=dordogne, published_at=later)
    ArticleFactory(published_at=later)
    ArticleFactory(department=DepartmentFactory(code="75"), published_at=later)

    response = client.get(LIST, {"departement": choice})

    assert response.status_code == 200
    assert response.context["paginator"].count == expected
    assert response.context["paginator"].num_pages == (2 if expected > 20 else 1)
    assert len(response.context["page_obj"]) == min(expected, 20)
    offered = [value for value, _label in response.context["form"].fields["departement"].choices]
    assert offered == ["", "national", "24", "33"]


def test_list_query_count_does_not_depend_on_the_number_of_articles(client, clock, django_assert_num_queries):
    dordogne = DepartmentFactory(code="24")
    CommentFactory(target=ArticleFactory(department=dordogne))
    few = count_queries(client, LIST)
    # Pinned: the articles counted per département (the filter's list and the pages' count),
    # the page, and when the next scheduled article comes out (what the list is kept until,
    # tests/news/test_kept.py). A new query shows here, even on a page of one row.
    assert few == 3

    for day in range(29):
        article = ArticleFactory(
            published_at=ago(days=day + 2), department=DepartmentFactory(code=f"{day + 1:02d}")
        )
        CommentFactory(target=article)
        CommentFactory(target=article, pending=True)

    with django_assert_num_queries(few):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 20
    assert all(a.comment_count == 1 for a in response.context["page_obj"])


# --- An article ---------------------------------------------------------------------------------


def test_article_shows_its_text_and_approved_comments_only(client, clock):
    article = ArticleFactory(
        title="Les promeneurs en Dordogne",
        lead="Quatre promeneurs.",
        body="Premier paragraphe avec www.exemple.fr.\n\nSecond <b>paragraphe</b>.",
        department=DepartmentFactory(code="24"),
    )
    CommentFactory(target=article, body="Commentaire publié\nsur deux lignes", author_name="Léa")
    CommentFactory(target=article, pending=True, body="Commentaire en attente")
    CommentFactory(target=article, rejected=True, body="Commentaire rejeté")
    CommentFactory(target=article, spam=True, body="Commentaire spam")
    CommentFactory(target=ArticleFactory(), body="Commentaire d’un autre article")

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1 and '<h1 id="titre-article">Les promeneurs en Dordogne</h1>' in page
    assert '<p>Premier paragraphe avec <a href="https://www.exemple.fr">www.exemple.fr</a>.</p>' in page
    assert "<p>Second &lt;b&gt;paragraphe&lt;/b&gt;.</p>" in page
    assert "<p>Commentaire publié<br>sur deux lignes</p>" in page
    assert "1 commentaire<" in page and "Léa" in page
    for hidden in [
        "Commentaire en attente",
        "Commentaire rejeté",
        "Commentaire spam",
        "Commentaire d’un autre",
    ]:
        assert hidden not in page
    assert_no_inline_script_or_style(page)


def test_comments_are_shown_oldest_first(client, clock):
    article = ArticleFactory()
    second = CommentFactory(target=article, body="deuxième", created_at=ago(hours=1))
    first = CommentFactory(target=article, body="premier", created_at=ago(hours=2))
    response = client.get(article.get_absolute_url())
    assert response.context["comments"] == [first, second]


def test_author_email_is_never_shown(client, clock):
    article = ArticleFactory()
    CommentFactory(target=article, author_email=SECRET_EMAIL)
    for url in [article.get_absolute_url(), LIST, FEED]:
        assert SECRET_EMAIL not in client.get(url).content.decode()


def test_article_form_has_labels_the_format_rules_and_the_captcha(client, clock):
    page = client.get(ArticleFactory().get_absolute_url()).content.decode()
    for label in ["Ton prénom, ton nom ou un pseudo", "Ton adresse e-mail (facultatif)", "Ton commentaire"]:
        assert f">{label}</label>" in page
    assert "Pas de HTML : les balises s’affichent telles que tu les tapes, sans effet." in page
    assert "deviennent des liens" in page and "une ligne vide commence un nouveau paragraphe" in page
    assert 'aria-describedby="id_commentaire_helptext id_commentaire_format id_commentaire_counter"' in page
    assert 'name="captcha_0"' in page and "Nouveau défi" in page
    assert 'class="honeypot" aria-hidden="true"' in page
    assert 'name="jeton"' in page


@pytest.mark.parametrize("kind", ["draft", "future", "unknown"])
def test_unpublished_or_unknown_article_is_404_for_a_visitor(client, clock, kind):
    if kind == "draft":
        url = ArticleFactory(draft=True).get_absolute_url()
    elif kind == "future":
        url = ArticleFactory(published_at=timezone.now() + datetime.timedelta(days=1)).get_absolute_url()
    else:
        url = "/fil-info/n-existe-pas/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"commentaire": "x"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_draft_preview_for_moderators_and_caf_staff_only(client, clock, role):
    article = ArticleFactory(draft=True, title="Brouillon à relire")
    client.force_login(make_user(role))
    response = client.get(article.get_absolute_url())
    if role in MODERATING_ROLES:
        assert response.status_code == 200
        page = response.content.decode()
        assert "Aperçu réservé à la modération" in page
        assert 'name="commentaire"' not in page
    else:
        assert response.status_code == 404


def test_article_query_count_does_not_depend_on_the_number_of_comments(
    client, clock, django_assert_num_queries
):
    article = ArticleFactory()
    CommentFactory(target=article)
    few = count_queries(client, article.get_absolute_url())
    assert few == 3  # pinned: a new query shows here, even on a page of one row

    for _ in range(49):
        CommentFactory(target=article)

    with django_assert_num_queries(few):
        response = client.get(article.get_absolute_url())
    assert len(response.context["comments"]) == 50


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client, clock, method):
    url = ArticleFactory().get_absolute_url()
    assert getattr(client, method)(url).status_code == 405
    assert getattr(client, method)(LIST).status_code == 405


# --- The feed ---------------------------------------------------------------------------------


def test_atom_feed_lists_published_articles_and_no_comment(client, clock):
    article = ArticleFactory(
        title="Dans le flux", lead="Le chapô du flux.", department=DepartmentFactory(code="24")
    )
    ArticleFactory(title="Brouillon hors flux", draft=True)
    ArticleFactory(title="Programmé hors flux", published_at=timezone.now() + datetime.timedelta(days=1))
    CommentFactory(target=article, body="Commentaire publié, pas dans le flux")
    CommentFactory(target=article, pending=True, body="Commentaire en attente, pas dans le flux")

    response = client.get(FEED)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert "<title>Dans le flux</title>" in feed and "Le chapô du flux." in feed
    assert f"http://testserver{article.get_absolute_url()}" in feed
    assert 'term="Dordogne"' in feed
    for absent in ["Brouillon hors flux", "Programmé hors flux", "pas dans le flux"]:
        assert absent not in feed


def test_article_page_and_queue_are_never_cached(client, clock):
    response = client.get(ArticleFactory().get_absolute_url())
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    client.force_login(make_user("moderator"))
    assert "max-age=0" in client.get("/tableau-de-bord/moderation/")["Cache-Control"]


def test_latest_block_for_the_home_page_in_one_query(clock, django_assert_num_queries):
    from django.template.loader import render_to_string

    from news.models import Article

    ArticleFactory(title="Plus ancien", published_at=ago(days=5))
    for day in range(3):
        ArticleFactory(
            title=f"Récent {day}", published_at=ago(days=day + 1), department=DepartmentFactory(code="24")
        )
    ArticleFactory(title="Brouillon", draft=True)

    with django_assert_num_queries(1):
        html = render_to_string("news/_latest.html", {"articles": Article.objects.latest_published(3)})
    assert [t for t in ["Récent 0", "Récent 1", "Récent 2", "Plus ancien", "Brouillon"] if t in html] == [
        "Récent 0",
        "Récent 1",
        "Récent 2",
    ]
    assert 'href="/fil-info/"' in html and "Dordogne" in html
