"""Comments on the public content of the portal (Fil info articles first), moderated before publication.

A comment is attached generically (content type + object id) to what it comments on. Its author's
e-mail address is optional and never shown publicly; nothing about the author's connection (IP
address) is kept: the rate limit counts in the cache, with a keyed hash (promeneurs/antispam.py).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from promeneurs.status_machine import StatusMachine
from promeneurs.typography import french_datetime

from .enums import CommentStatus

BODY_MAX_LENGTH = 5000
AUTHOR_NAME_MAX_LENGTH = 80

# The status machine: which status a comment may go to from each status. A comment never goes back
# to "pending"; a moderator may correct a decision (an approved comment rejected later, a comment
# wrongly marked as spam approved).
ALLOWED_TRANSITIONS = StatusMachine(
    CommentStatus,
    {
        CommentStatus.PENDING: {CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM},
        CommentStatus.APPROVED: {CommentStatus.REJECTED, CommentStatus.SPAM},
        CommentStatus.REJECTED: {CommentStatus.APPROVED, CommentStatus.SPAM},
        CommentStatus.SPAM: {CommentStatus.APPROVED, CommentStatus.REJECTED},
    },
    message="Ce commentaire est déjà « {current} » : il ne peut pas devenir « {target} ».",
)


def can_moderate(user):
    """Who moderates comments: moderators and CAF staff (design §2)."""
    from accounts.access import may_moderate

    return may_moderate(user)


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=CommentStatus.APPROVED)

    def pending(self):
        return self.filter(status=CommentStatus.PENDING)

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class Comment(models.Model):
    content_type = models.ForeignKey(
        ContentType, verbose_name="type de contenu commenté", on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField("identifiant du contenu commenté")
    content_object = GenericForeignKey("content_type", "object_id")

    author_name = models.CharField("nom de l’auteur·rice", max_length=AUTHOR_NAME_MAX_LENGTH)
    author_email = models.EmailField(
        "e-mail de l’auteur·rice", blank=True, help_text="Facultatif ; jamais affiché publiquement."
    )
    body = models.TextField("commentaire", validators=[MaxLengthValidator(BODY_MAX_LENGTH)])
    status = models.CharField(
        "statut", max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    created_at = models.DateTimeField("envoyé le", default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modéré par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField("modéré le", null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = "commentaire"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "status", "created_at"], name="comment_object_status"
            ),
            models.Index(fields=["status", "created_at"], name="comment_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CommentStatus.values), name="comment_status_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_LENGTH), name="comment_body_max_length"
            ),
            # Pending until a moderator decides; once decided, the decision is dated.
            models.CheckConstraint(
                condition=models.Q(status=CommentStatus.PENDING, moderated_at__isnull=True)
                | (~models.Q(status=CommentStatus.PENDING) & models.Q(moderated_at__isnull=False)),
                name="comment_moderated_at_iff_moderated",
            ),
        ]

    def __str__(self):
        return f"{self.author_name}, {french_datetime(self.created_at)}"

    @property
    def is_public(self):
        return self.status == CommentStatus.APPROVED

    def can_become(self, status):
        return ALLOWED_TRANSITIONS.can(self.status, status)

    def moderate(self, *, to_status, by, at=None):
        """Give the comment a moderation decision, and log it. The one place status changes."""
        to_status = ALLOWED_TRANSITIONS.check(self.status, to_status)
        at = at or timezone.now()
        from_status = self.status
        self.status, self.moderated_by, self.moderated_at = to_status, by, at
        self.save(update_fields=["status", "moderated_by", "moderated_at"])
        return CommentModeration.objects.create(
            comment=self, from_status=from_status, to_status=to_status, moderated_by=by, created_at=at
        )


class CommentModeration(models.Model):
    """The moderation trail: who changed a comment's status, when, from what to what."""

    comment = models.ForeignKey(
        Comment, verbose_name="commentaire", on_delete=models.CASCADE, related_name="moderations"
    )
    from_status = models.CharField("ancien statut", max_length=10, choices=CommentStatus.choices)
    to_status = models.CharField("nouveau statut", max_length=10, choices=CommentStatus.choices)
    # Accounts are deactivated, not deleted (accounts.User.is_active): the trail keeps its author.
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modéré par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comment_moderations",
    )
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "décision de modération"
        verbose_name_plural = "décisions de modération"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
