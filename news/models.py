"""Fil info: the news articles of the public site, written in the admin, open to moderated comments."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from comments.enums import CommentStatus

from .enums import ArticleStatus


def comments_close_after_days():
    """Comments close this many days after publication (setting COMMENTS_CLOSE_AFTER_DAYS, 60).

    None: they never close by themselves (only the article's own switch closes them).
    """
    return getattr(settings, "COMMENTS_CLOSE_AFTER_DAYS", 60)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """What the public sees: published articles whose publication date has come."""
        return self.filter(status=ArticleStatus.PUBLISHED, published_at__lte=now or timezone.now())

    def latest_published(self, count=3):
        """The latest published articles, for the home page's "Fil info" block."""
        return self.published().select_related("department").order_by("-published_at", "-pk")[:count]

    def with_comment_count(self):
        """Each article with `comment_count`, its approved comments, in the same query."""
        return self.annotate(
            comment_count=Count("comments", filter=Q(comments__status=CommentStatus.APPROVED), distinct=True)
        )


class Article(models.Model):
    title = models.CharField("titre", max_length=200)
    slug = models.SlugField(
        "adresse",
        max_length=200,
        unique=True,
        help_text="La fin de l’adresse de l’article : /fil-info/<adresse>/.",
    )
    lead = models.TextField(
        "chapô", max_length=600, help_text="Une ou deux phrases, en tête de l’article et dans la liste."
    )
    body = models.TextField(
        "texte",
        help_text="Texte brut : une ligne vide sépare deux paragraphes ; les adresses web deviennent des liens.",
    )
    department = models.ForeignKey(
        "structures.Department",
        verbose_name="département",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        help_text="Vide : article national.",
    )
    status = models.CharField(
        "statut", max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    published_at = models.DateTimeField(
        "date de publication", default=timezone.now, help_text="Dans le futur : publié à cette date."
    )
    comments_open = models.BooleanField(
        "commentaires ouverts",
        default=True,
        help_text="Même cochée, les commentaires ferment d’eux-mêmes quelque temps après la publication.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur·rice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    comments = GenericRelation("comments.Comment", related_query_name="article")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "article du Fil info"
        verbose_name_plural = "articles du Fil info"
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "published_at"], name="article_status_published")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ArticleStatus.values), name="article_status_valid"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("news:article_detail", kwargs={"slug": self.slug})

    def is_published(self, now=None):
        return self.status == ArticleStatus.PUBLISHED and self.published_at <= (now or timezone.now())

    @property
    def comments_close_at(self):
        """When comments close by themselves; None if they never do."""
        days = comments_close_after_days()
        if days is None:
            return None
        return self.published_at + datetime.timedelta(days=days)

    def accepts_comments(self, now=None):
        now = now or timezone.now()
        close_at = self.comments_close_at
        return self.is_published(now) and self.comments_open and (close_at is None or now < close_at)

    @property
    def closed_by_delay(self):
        """Whether comments closed because of the delay after publication (not the switch)."""
        close_at = self.comments_close_at
        return self.comments_open and close_at is not None and timezone.now() >= close_at
