from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    REQUEST_NEW = "request_new", "Nouvelle demande de contact"
    REQUEST_CLAIMED = "request_claimed", "Demande prise en charge"
    REQUEST_DISPATCHED = "request_dispatched", "Demande confiée par la coordination"
    REQUEST_REASSIGNED = "request_reassigned", "Demande réattribuée"
    ORIENTATION_RECEIVED = "orientation_received", "Orientation reçue"
    ORIENTATION_ACCEPTED = "orientation_accepted", "Orientation acceptée"
    ORIENTATION_DECLINED = "orientation_declined", "Orientation déclinée"
    ORIENTATION_EXPIRED = "orientation_expired", "Orientation expirée"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENDING = "sending", "En cours d’envoi"
    SENT = "sent", "Envoyée"
    FAILED = "failed", "Échec"


class Notification(models.Model):
    """The outbox: one row per message, written in the transaction of the event that causes it.

    The context holds ids and non-confidential values only (a reference, a theme), never what a
    young person wrote nor how to reach them.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField("type", max_length=30, choices=NotificationKind.choices)
    context = models.JSONField("contexte", default=dict, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
