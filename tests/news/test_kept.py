"""What the Fil info pages read, kept under Fil info's version (`public_cache.kept_data`): the page
rendered again (the next minute, another page cache) reads nothing, a change shows on the next
request, a scheduled article comes out at its time, a moderator's preview is never kept."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.enums import CommentStatus
from comments.services import comment_moderate
from news.enums import ArticleStatus
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.comments.helpers import make_user
from tests.news.factories import ArticleFactory
from tests.structures.factories import DepartmentFactory

# Transactional: nothing is kept from inside a transaction, and every other test runs in one.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = "/fil-info/"
HOME = "/"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Every request renders its page, as the first one after a change or at the next minute."""
    settings.PUBLIC_PAGE_CACHE = False


def get(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, len(queries)


def approve(comment):
    comment_moderate(
        comment_ids=[comment.pk], to_status=CommentStatus.APPROVED, by=UserFactory(moderator=True)
    )


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def test_the_list_read_once_is_rendered_again_without_a_query(client, clock):
    ArticleFactory(title="Article canari", department=DepartmentFactory(code="24"))
    first, read = get(client, LIST)
    clock.tick(60)  # the next minute: the page is rendered again
    second, again = get(client, LIST)
    assert read >= 3 and again == 0  # the three queries pinned in test_views.py, then none
    assert second.content == first.content
    assert "Article canari" in second.content.decode()


@pytest.mark.parametrize(
    "change",
    ["title", "unpublish", "new article", "approved comment", "department"],
)
def test_a_change_shows_on_the_next_request(client, clock, change):
    dordogne = DepartmentFactory(code="24", name="Dordogne")
    article = ArticleFactory(title="Titre canari", department=dordogne)
    CommentFactory(target=article)
    pending = CommentFactory(target=article, pending=True)
    page = get(client, LIST)[0].content.decode()
    assert "Titre canari" in page and "1 commentaire" in page

    if change == "title":
        article.title = "Titre canari changé"
        article.save()
        assert "Titre canari changé" in get(client, LIST)[0].content.decode()
    elif change == "unpublish":
        article.status = ArticleStatus.DRAFT
        article.save()
        assert "Titre canari" not in get(client, LIST)[0].content.decode()
    elif change == "new article":
        ArticleFactory(title="Nouvel article canari")
        assert "Nouvel article canari" in get(client, LIST)[0].content.decode()
    elif change == "approved comment":
        approve(pending)
        assert "2 commentaires" in get(client, LIST)[0].content.decode()
    else:
        dordogne.name = "Dordogne canari"
        dordogne.save()
        assert "Dordogne canari" in get(client, LIST)[0].content.decode()


def test_a_scheduled_article_comes_out_at_its_time(client, clock):
    ArticleFactory(title="Article déjà paru")
    ArticleFactory(
        title="Article programmé canari", published_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert "Article programmé canari" not in get(client, LIST)[0].content.decode()
    clock.tick(4 * 60)
    page, queries = get(client, LIST)
    assert queries == 0 and "Article programmé canari" not in page.content.decode()
    clock.tick(60)
    page, queries = get(client, LIST)
    assert queries == 3 and "Article programmé canari" in page.content.decode()


def test_each_choice_and_page_is_kept_apart(client, clock):
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    for day in range(22):
        ArticleFactory(title=f"Dordogne {day:02d}", published_at=ago(days=day + 1), department=dordogne)
    ArticleFactory(title="Gironde seule", department=gironde)
    for _ in range(2):  # read, then kept: the same answers
        everything = get(client, LIST)[0].context
        second_page = get(client, LIST, page=2)[0].context
        gironde_only = get(client, LIST, departement="33")[0].context
        unknown = get(client, LIST, departement="99")[0]
        assert everything["paginator"].count == 23 and len(everything["page_obj"]) == 20
        assert [a.title for a in second_page["page_obj"]] == ["Dordogne 19", "Dordogne 20", "Dordogne 21"]
        assert [a.title for a in gironde_only["page_obj"]] == ["Gironde seule"]
        assert "Ce département n’a pas d’article" in unknown.content.decode()


def test_nothing_is_kept_from_inside_a_transaction(client, clock):
    ArticleFactory(title="Article canari")
    with transaction.atomic():
        get(client, LIST)
    assert get(client, LIST)[1] == 3


def test_an_article_and_its_comments_are_rendered_again_without_reading_them(client, clock):
    article = ArticleFactory(title="Article canari")
    CommentFactory(target=article, body="Commentaire canari approuvé")
    url = article.get_absolute_url()
    first, read = get(client, url)
    clock.tick(60)
    second, again = get(client, url)
    assert second.status_code == 200 and "Commentaire canari approuvé" in second.content.decode()
    assert again < read and again <= 1  # at most the CAPTCHA's batch


def test_what_is_kept_of_a_comment_is_what_the_page_shows(client, clock):
    """Never its author's e-mail ("jamais affiché publiquement") nor who moderated it."""
    from django.core.cache import cache

    moderator = UserFactory(moderator=True, email="moderatrice.canari@example.test")
    article = ArticleFactory(title="Article canari")
    comment = CommentFactory(target=article, pending=True, author_email="auteur.canari@example.test")
    comment_moderate(comment_ids=[comment.pk], to_status=CommentStatus.APPROVED, by=moderator)
    get(client, article.get_absolute_url())
    get(client, LIST)
    get(client, HOME)
    client_redis = cache._cache.get_client()
    keys = client_redis.keys("*public-pages:kept:fil-info*")
    assert len(keys) >= 3
    kept = b"".join(client_redis.get(key) or b"" for key in keys)
    assert b"Commentaire" in kept or b"Article canari" in kept
    assert b"auteur.canari" not in kept and b"moderatrice.canari" not in kept
    page = get(client, article.get_absolute_url())[0].content.decode()
    assert comment.body in page and "auteur.canari" not in page


def test_an_approved_comment_and_an_unpublished_article_show_on_the_next_request(client, clock):
    article = ArticleFactory(title="Article canari")
    pending = CommentFactory(target=article, pending=True, body="Commentaire canari en attente")
    url = article.get_absolute_url()
    assert "Commentaire canari en attente" not in get(client, url)[0].content.decode()
    approve(pending)
    assert "Commentaire canari en attente" in get(client, url)[0].content.decode()
    article.status = ArticleStatus.DRAFT
    article.save()
    assert get(client, url)[0].status_code == 404


def test_a_scheduled_article_page_opens_at_its_time(client, clock):
    article = ArticleFactory(
        title="Article programmé canari", published_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    url = article.get_absolute_url()
    assert get(client, url)[0].status_code == 404
    clock.tick(5 * 60)
    page = get(client, url)[0]
    assert page.status_code == 200 and "Article programmé canari" in page.content.decode()


def test_a_moderators_preview_is_never_kept_for_the_public(client, clock):
    draft = ArticleFactory(title="Brouillon canari", draft=True)
    url = draft.get_absolute_url()
    client.force_login(make_user("moderator"))
    assert "Brouillon canari" in get(client, url)[0].content.decode()
    client.logout()
    assert get(client, url)[0].status_code == 404


# --- The home page -------------------------------------------------------------------------------


def test_the_home_page_is_rendered_again_without_a_query(client, clock):
    ArticleFactory(title="Article canari")
    first, read = get(client, HOME)
    clock.tick(60)
    second, again = get(client, HOME)
    assert read >= 3 and again == 0
    assert second.content == first.content and "Article canari" in second.content.decode()


def test_the_home_page_shows_a_new_article_a_scheduled_one_at_its_time_and_a_renamed_department(
    client, clock
):
    ArticleFactory(title="Article canari")
    ArticleFactory(
        title="Article programmé canari", published_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    page = get(client, HOME)[0].content.decode()
    assert "Article canari" in page and "Article programmé canari" not in page
    ArticleFactory(title="Nouvel article canari")
    assert "Nouvel article canari" in get(client, HOME)[0].content.decode()
    clock.tick(5 * 60)
    assert "Article programmé canari" in get(client, HOME)[0].content.decode()
    department = DepartmentFactory(code="24")
    assert "Dordogne canari" not in get(client, HOME)[0].content.decode()
    department.name = "Dordogne canari"
    department.save()
    assert "Dordogne canari" in get(client, HOME)[0].content.decode()
