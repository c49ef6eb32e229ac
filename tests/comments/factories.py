import factory
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import Comment
from tests.news.factories import ArticleFactory


class CommentFactory(factory.django.DjangoModelFactory):
    """An approved comment on an article (`pending=True`: awaiting moderation)."""

    class Meta:
        model = Comment
        exclude = ("target",)

    target = factory.SubFactory(ArticleFactory)
    content_object = factory.SelfAttribute("target")
    author_name = factory.Sequence(lambda n: f"Auteur·rice {n}")
    author_email = ""
    body = factory.Sequence(lambda n: f"Commentaire numéro {n}.")
    status = CommentStatus.APPROVED
    moderated_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(status=CommentStatus.PENDING, moderated_at=None)
        rejected = factory.Trait(status=CommentStatus.REJECTED)
        spam = factory.Trait(status=CommentStatus.SPAM)
