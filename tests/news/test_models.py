"""Articles: what is published, and when comments are accepted."""

import datetime

import pytest
from django.utils import timezone

from news.models import Article
from tests.comments.factories import CommentFactory
from tests.news.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_and_future_articles(clock):
    published = ArticleFactory()
    ArticleFactory(draft=True)
    ArticleFactory(published_at=timezone.now() + datetime.timedelta(seconds=1))
    assert list(Article.objects.published()) == [published]


@pytest.mark.parametrize(
    ("setting", "age", "accepts"),
    [
        (60, datetime.timedelta(days=59, hours=23, minutes=59), True),
        (60, datetime.timedelta(days=60), False),
        (7, datetime.timedelta(days=8), False),
        (90, datetime.timedelta(days=61), True),
        (None, datetime.timedelta(days=3650), True),
    ],
)
def test_comments_close_a_number_of_days_after_publication(clock, settings, setting, age, accepts):
    settings.COMMENTS_CLOSE_AFTER_DAYS = setting
    article = ArticleFactory(published_at=timezone.now() - age)
    assert article.accepts_comments() is accepts
    assert article.closed_by_delay is (not accepts)


def test_closed_flag_draft_and_future_articles_accept_no_comment(clock):
    assert not ArticleFactory(closed=True).accepts_comments()
    assert not ArticleFactory(draft=True).accepts_comments()
    assert not ArticleFactory(published_at=timezone.now() + datetime.timedelta(hours=1)).accepts_comments()
    assert not ArticleFactory(closed=True).closed_by_delay


def test_comment_count_counts_approved_comments_of_this_article(clock):
    article, other = ArticleFactory(), ArticleFactory()
    CommentFactory(target=article)
    CommentFactory(target=article, pending=True)
    CommentFactory(target=other)
    counts = dict(Article.objects.with_comment_count().values_list("pk", "comment_count"))
    assert counts == {article.pk: 1, other.pk: 1}


def test_deleting_an_article_deletes_its_comments(clock):
    article = ArticleFactory()
    CommentFactory(target=article)
    article.delete()
    from comments.models import Comment

    assert not Comment.objects.exists()
