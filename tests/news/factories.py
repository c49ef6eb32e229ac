import datetime

import factory
from django.utils import timezone

from news.enums import ArticleStatus
from news.models import Article


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published, national article, published yesterday, open to comments."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article du Fil info numéro {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    lead = "Le chapô de l’article, en une phrase."
    body = "Premier paragraphe.\n\nSecond paragraphe."
    status = ArticleStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    comments_open = True

    class Params:
        draft = factory.Trait(status=ArticleStatus.DRAFT)
        closed = factory.Trait(comments_open=False)
