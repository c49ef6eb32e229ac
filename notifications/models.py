from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .enums import NotificationFrequency, NotificationKind, NotificationStatus

__all__ = [
    "Heartbeat",
    "Notification",
    "NotificationEvent",
    "NotificationFrequency",
    "NotificationKind",
    "NotificationPreference",
    "NotificationStatus",
]


class NotificationQuerySet(models.QuerySet):
    def due(self, before):
        """Rows a sending should have taken care of by `before`: waiting, or left by a lost sender."""
        return self.filter(
            status__in=(NotificationStatus.PENDING, NotificationStatus.SENDING), next_attempt_at__lte=before
        )

    def for_user(self, user):
        return self.filter(recipient=user)


class Notification(models.Model):
    """The outbox: one row per message, written in the transaction of the event that causes it.

    The recipient is a user, or — for the notice that a request was taken in charge — the young
    person who sent `recipient_request`: their e-mail address is read from the request when the
    message is sent (it may have been erased since), never copied here.

    The context holds ids and non-confidential values only (a reference, themes, a structure's
    name, numbers), never what a young person wrote nor how to reach them.

    Life of a row: pending → sending → sent; back to pending with a later `next_attempt_at` after a
    failed attempt; failed once NOTIFICATION_RETRY_PERIOD_HOURS (72 h) have passed since
    `retrying_since`, its first attempt (or the admin's last "Réessayer"). With the "daily digest" preference:
    held → digested (into a `daily_digest` row); with "off": skipped. See notifications/services.py.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    recipient_request = models.ForeignKey(
        "referrals.ContactRequest",
        verbose_name="jeune auteur·rice de la demande",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Le ou la jeune est destinataire : son adresse est lue dans la demande au moment de "
        "l’envoi, jamais copiée dans la notification.",
    )
    recipient_invitation = models.ForeignKey(
        "accounts.Invitation",
        verbose_name="personne invitée",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="La personne invitée n’a pas encore de compte : son adresse et son lien sont lus dans "
        "l’invitation au moment de l’envoi.",
    )
    kind = models.CharField("type", max_length=30, choices=NotificationKind.choices)
    template = models.CharField(
        "gabarit",
        max_length=100,
        blank=True,
        help_text="Sans extension (emails/<type>.txt et .html) ; vide : celui du type.",
    )
    context = models.JSONField("contexte", default=dict, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur ou motif", blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", default=timezone.now)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    retrying_since = models.DateTimeField(
        "essais depuis",
        default=timezone.now,
        help_text="Première tentative, ou dernier « Réessayer » : la notification passe en échec "
        "après la période d’essais (NOTIFICATION_RETRY_PERIOD_HOURS).",
    )
    digest = models.ForeignKey(
        "self",
        verbose_name="récapitulatif",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_status_due"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    recipient__isnull=False, recipient_request__isnull=True, recipient_invitation__isnull=True
                )
                | Q(
                    recipient__isnull=True, recipient_request__isnull=False, recipient_invitation__isnull=True
                )
                | Q(
                    recipient__isnull=True, recipient_request__isnull=True, recipient_invitation__isnull=False
                ),
                name="notification_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"
            ),
        ]

    def __str__(self):
        if self.recipient_invitation_id:
            return f"{self.get_kind_display()} → personne invitée"
        return f"{self.get_kind_display()} → {self.recipient or 'le ou la jeune'}"

    @property
    def to_young_person(self):
        return self.recipient_request_id is not None

    @property
    def template_name(self):
        return self.template or f"emails/{self.kind}"


class NotificationPreference(models.Model):
    """How a user wants their notifications by e-mail. No row: immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur·rice",
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    frequency = models.CharField(
        "recevoir les notifications par e-mail",
        max_length=15,
        choices=NotificationFrequency.choices,
        default=NotificationFrequency.IMMEDIATELY,
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=NotificationFrequency.values), name="preference_frequency_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} : {self.get_frequency_display()}"


class NotificationEvent(models.Model):
    """A periodic notice already given ("request_reminder:42"): each one is recorded once.

    Periodic jobs (reminders, escalations, renewals, weekly digests) write the event's key in the
    transaction of its notifications; the unique key makes a second run — or a concurrent one —
    give up instead of notifying twice.
    """

    key = models.CharField("clé", max_length=120, unique=True)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "notification périodique donnée"
        verbose_name_plural = "notifications périodiques données"
        ordering = ["-created_at"]

    def __str__(self):
        return self.key


class Heartbeat(models.Model):
    """When a periodic job last ran: `/healthz` and the admin tell when it stopped (beat down).

    The outbox sweep, which beat schedules every minute and a worker runs, writes "sweep".
    """

    SWEEP = "sweep"

    name = models.CharField("tâche", max_length=50, unique=True)
    ran_at = models.DateTimeField("dernière exécution")

    class Meta:
        verbose_name = "dernière exécution d’une tâche périodique"
        verbose_name_plural = "dernières exécutions des tâches périodiques"

    def __str__(self):
        return f"{self.name} : {self.ran_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name, now=None):
        cls.objects.update_or_create(name=name, defaults={"ran_at": now or timezone.now()})

    @classmethod
    def last(cls, name):
        return cls.objects.filter(name=name).values_list("ran_at", flat=True).first()
