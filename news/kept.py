"""What the Fil info pages and the home page read of the articles, kept in the shared cache under
Fil info's version (`public_cache.kept_data`), and until the next scheduled article comes out."""

import functools
import hashlib

from comments.models import Comment
from promeneurs.public_cache import kept_data, rows_format, version_key

from .enums import ArticleStatus
from .models import Article

# Changed with the shape of what is kept here (`kept_format`).
KEPT_FORMAT = 1


@functools.cache
def kept_format():
    """What the kept rows were made by (`public_cache.rows_format`)."""
    return rows_format(KEPT_FORMAT, (Article, Article._meta.get_field("department").related_model, Comment))


def next_publication(now):
    """When the next scheduled article comes out (None: none is scheduled): what a list of the
    articles published at `now` is right until, under the same version."""
    scheduled = Article.objects.filter(status=ArticleStatus.PUBLISHED, published_at__gt=now)
    return scheduled.order_by("published_at").values_list("published_at", flat=True).first()


def kept(name, read, now=None):
    """`read()` — (value, until) — kept under Fil info's version, until `until` (`kept_data`)."""
    return kept_data(f"fil-info:{kept_format()}:{name}", [version_key("fil-info")], read, now)


def digest(value):
    return hashlib.sha256(repr(value).encode()).hexdigest()[:24]


def latest_articles(now, count=3):
    """The latest `count` published articles (the home page's Fil info block)."""
    return kept(
        f"latest:{count}",
        lambda: (list(Article.objects.latest_published(count)), next_publication(now)),
        now,
    )
