from django.db import models


class CommentStatus(models.TextChoices):
    PENDING = "pending", "En attente de modération"
    APPROVED = "approved", "Approuvé (publié)"
    REJECTED = "rejected", "Rejeté"
    SPAM = "spam", "Indésirable (spam)"


class ModerationAction(models.TextChoices):
    """The three buttons of moderation, and the status each one gives."""

    APPROVE = CommentStatus.APPROVED.value, "Approuver"
    REJECT = CommentStatus.REJECTED.value, "Rejeter"
    SPAM = CommentStatus.SPAM.value, "Spam"
