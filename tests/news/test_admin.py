"""Fil info articles in the Django admin: moderators and CAF staff, and coordinators for their départements."""

import pytest
from django.urls import reverse
from django.utils import timezone

from news.enums import ArticleStatus
from news.models import Article
from tests.comments.factories import CommentFactory
from tests.comments.helpers import make_user
from tests.news.factories import ArticleFactory
from tests.structures.factories import CoordinationFactory, DepartmentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CHANGELIST = reverse("admin:news_article_changelist")
ADD = reverse("admin:news_article_add")


def article_data(**overrides):
    now = timezone.localtime()
    data = {
        "title": "Un nouvel article",
        "slug": "un-nouvel-article",
        "lead": "Le chapô.",
        "body": "Le texte.",
        "status": ArticleStatus.PUBLISHED,
        "published_at_0": now.strftime("%d/%m/%Y"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "department": "",
        "comments_open": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["moderator", "caf_staff"])
def test_moderators_and_caf_staff_write_national_articles_and_are_their_authors(client, role):
    user = make_user(role)
    client.force_login(user)
    assert client.get(ADD).status_code == 200

    response = client.post(ADD, article_data())

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.department is None and article.author == user


@pytest.mark.parametrize(("role", "status"), {"promeneur": 302, "referent": 302}.items())
def test_promeneurs_and_referents_do_not_reach_articles(client, role, status):
    client.force_login(make_user(role))
    assert client.get(CHANGELIST).status_code == status


def test_coordinator_manages_the_articles_of_their_departements_only(client):
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    coordinator = CoordinationFactory(department=dordogne).user
    own = ArticleFactory(title="Article de Dordogne", department=dordogne)
    other = ArticleFactory(title="Article de Gironde", department=gironde)
    national = ArticleFactory(title="Article national")
    client.force_login(coordinator)

    response = client.get(CHANGELIST)

    assert list(response.context["cl"].queryset) == [own]
    for article in (other, national):
        assert client.get(reverse("admin:news_article_change", args=[article.pk])).status_code == 302
    assert client.get(reverse("admin:news_article_change", args=[own.pk])).status_code == 200

    # No national article, nor one for another département.
    refused = client.post(ADD, article_data())
    assert refused.status_code == 200 and "department" in refused.context["adminform"].form.errors
    refused = client.post(ADD, article_data(department=gironde.pk, slug="autre"))
    assert refused.status_code == 200 and "department" in refused.context["adminform"].form.errors
    accepted = client.post(ADD, article_data(department=dordogne.pk))
    assert accepted.status_code == 302
    assert Article.objects.get(slug="un-nouvel-article").department == dordogne


def test_moderator_chooses_among_every_departement(client):
    DepartmentFactory(code="24"), DepartmentFactory(code="33")
    client.force_login(make_user("moderator"))
    choices = client.get(ADD).context["adminform"].form.fields["department"].queryset
    assert choices.count() >= 2 and choices.filter(code="33").exists()


def test_list_shows_approved_comment_counts_and_comments_state(client, clock):
    article = ArticleFactory()
    CommentFactory(target=article)
    CommentFactory(target=article, pending=True)
    ArticleFactory(closed=True)
    client.force_login(make_user("moderator"))
    response = client.get(CHANGELIST)
    rows = {a.pk: a.comment_count for a in response.context["cl"].result_list}
    assert rows[article.pk] == 1
    page = response.content.decode()
    assert "ouverts" in page and "fermés" in page


def test_close_comments_action(client, clock):
    articles = [ArticleFactory(), ArticleFactory()]
    client.force_login(make_user("caf_staff"))
    client.post(CHANGELIST, {"action": "close_comments", "_selected_action": [a.pk for a in articles]})
    assert not Article.objects.filter(comments_open=True).exists()
