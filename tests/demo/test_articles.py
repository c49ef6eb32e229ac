"""The demo articles (demo.articles.load_demo_articles, called by `manage.py load_demo`)."""

import pytest

from comments.enums import CommentStatus
from comments.models import Comment
from demo.articles import load_demo_articles
from news.models import Article
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_articles_and_comments_are_loaded_once_however_often_it_runs():
    moderator = UserFactory(email="moderation@demo.test", moderator=True)
    load_demo_articles()
    load_demo_articles()

    articles = Article.objects.published()
    assert articles.count() == 3
    dordogne = articles.get(department__code="24", comments_open=True)
    assert "1 700 €" in dordogne.body
    for structure in ["Jeunes Coursac Razac", "Ruban Vert", "Forum@", "Campus des métiers"]:
        assert structure in dordogne.body
    assert articles.filter(department__isnull=True).exists()
    assert articles.filter(comments_open=False).count() == 1
    assert all(article.author == moderator for article in articles)

    comments = Comment.objects.for_object(dordogne)
    assert comments.approved().count() == 2
    assert comments.pending().count() == 1
    assert Comment.objects.count() == 3
    for comment in comments.approved():
        assert comment.moderations.get().to_status == CommentStatus.APPROVED


def test_demo_articles_load_without_the_demo_accounts():
    load_demo_articles()
    assert Article.objects.count() == 3 and Comment.objects.count() == 3
