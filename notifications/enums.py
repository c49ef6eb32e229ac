from django.db import models


class NotificationKind(models.TextChoices):
    # Contact requests
    REQUEST_NEW = "request_new", "Nouvelle demande de contact"
    REQUEST_CLAIMED = "request_claimed", "Demande prise en charge"
    REQUEST_DISPATCHED = "request_dispatched", "Demande confiée par la coordination"
    REQUEST_REASSIGNED = "request_reassigned", "Demande réattribuée"
    REQUEST_REMINDER = "request_reminder", "Demande en attente depuis 48 h"
    REQUEST_ESCALATED = "request_escalated", "Demande sans prise en charge depuis 96 h"
    # "Réponds-moi ici" conversations: the reference only, never a word of the messages.
    CONVERSATION_MESSAGE = "conversation_message", "Nouveau message du ou de la jeune"
    CONVERSATION_REPLY = "conversation_reply", "Réponse au ou à la jeune (sur le site)"
    CONVERSATION_BLOCKED = "conversation_blocked", "Conversation signalée et bloquée"
    # Orientations
    ORIENTATION_RECEIVED = "orientation_received", "Orientation reçue"
    ORIENTATION_ACCEPTED = "orientation_accepted", "Orientation acceptée"
    ORIENTATION_DECLINED = "orientation_declined", "Orientation déclinée"
    ORIENTATION_EXPIRING = "orientation_expiring", "Orientation bientôt expirée"
    ORIENTATION_EXPIRED = "orientation_expired", "Orientation expirée"
    # Moderation
    COMMENT_PENDING = "comment_pending", "Commentaire à modérer"
    # The network
    LABEL_RENEWAL_DUE = "label_renewal_due", "Renouvellement du label à prévoir"
    TRAINING_DUE = "training_due", "Formation continue à prévoir"
    CHARTER_DUE = "charter_due", "Charte à signer"
    CONVENTION_ENDING = "convention_ending", "Convention bientôt terminée"
    # Accounts
    INVITATION = "invitation", "Invitation à créer un compte"
    # Digests
    DAILY_DIGEST = "daily_digest", "Récapitulatif quotidien"
    WEEKLY_DIGEST = "weekly_digest", "Récapitulatif hebdomadaire de la coordination"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENDING = "sending", "En cours d’envoi"
    SENT = "sent", "Envoyée"
    FAILED = "failed", "Échec"
    HELD = "held", "Réservée au récapitulatif quotidien"
    DIGESTED = "digested", "Envoyée dans un récapitulatif"
    SKIPPED = "skipped", "Non envoyée par e-mail"


class NotificationFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Tout de suite, un e-mail par notification"
    DAILY_DIGEST = "daily_digest", "Un récapitulatif par jour (le matin)"
    OFF = "off", "Aucun e-mail (je consulte mes notifications dans le tableau de bord)"


# What goes out whatever the recipient's preference ("off" included): an escalation to the
# coordination. The young person's notice goes out too: they have no account, hence no preference.
MANDATORY_KINDS = frozenset({NotificationKind.REQUEST_ESCALATED})
# An urgent request's notices go out at once to everyone who can act, whatever their preference
# (design §3b.2): these kinds, when their context says `is_urgent`.
URGENT_KINDS = frozenset(
    {
        NotificationKind.REQUEST_NEW,
        NotificationKind.REQUEST_DISPATCHED,
        NotificationKind.REQUEST_REASSIGNED,
        NotificationKind.REQUEST_REMINDER,
        NotificationKind.REQUEST_ESCALATED,
        NotificationKind.CONVERSATION_MESSAGE,
    }
)


def is_mandatory(kind, context):
    """Whether a notification ignores the recipient's preference (digest or no e-mail)."""
    return kind in MANDATORY_KINDS or (kind in URGENT_KINDS and bool((context or {}).get("is_urgent")))


# What is never held for the daily digest: the mandatory, and the digests themselves.
NOT_DIGESTED_KINDS = MANDATORY_KINDS | {NotificationKind.DAILY_DIGEST, NotificationKind.WEEKLY_DIGEST}
