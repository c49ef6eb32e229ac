"""The e-mails of the outbox, built when they are sent, from templates/emails/<kind>.txt and .html.

What an e-mail may say (design §3.4): a request's reference and themes, a structure's name,
dates and numbers, and a link to the dashboard. Never what a young person wrote, their first name
or pseudonym, handle, e-mail or phone: the templates receive the notification's context (ids and
non-confidential values) and a few names looked up by id (structures, a charter's version), never a
request's content fields. What concerns a request or an orientation (their links, the names of an
orientation's structures, the young person's address) comes from referrals, through
notifications/extensions.py: the outbox does not import the apps above it.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from promeneurs.thresholds import thresholds
from promeneurs.typography import short_date

from .enums import NotificationKind as Kind
from .extensions import extensions

SUBJECT_PREFIX = "[Promeneurs du Net] "
# The comments' moderation queue, once it exists; the dashboard until then.
COMMENT_MODERATION_URL_NAME = "comments:moderation_queue"

# The values a template may use, with their default when a context lacks them.
CONTEXT_DEFAULTS = {
    "reference": "",
    "themes": [],
    "is_urgent": False,
    "hours": 0,
    "structure_name": "",
    "department_name": "",
    "from_structure": "",
    "to_structure": "",
    "expires_on": None,
    "article_title": "",
    "promeneur_name": "",
    "due_on": None,
    "last_training_on": None,
    "charter_version": "",
    "funder": "",
    "year": "",
    "ends_on": None,
    "departments": [],
    "week": "",
    "count": 0,
}


class NoAddress(Exception):
    """The recipient cannot be written to: account disabled, no address, request erased."""


def _date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _french_date(value):
    day = _date(value)
    return short_date(day) if day else ""


def _with_defaults(context):
    values = {key: context.get(key, default) for key, default in CONTEXT_DEFAULTS.items()}
    for key in ("expires_on", "due_on", "last_training_on", "ends_on"):
        values[key] = _date(values[key]) if values[key] else None
    values["themes_display"] = ", ".join(values["themes"] or [])
    return values


def summary(notification):
    """One line, in French, that says what the notification is about (subject, dashboard list)."""
    c = _with_defaults(notification.context)
    ref = c["reference"]
    kind = notification.kind
    if notification.to_young_person:
        if kind == Kind.CONVERSATION_REPLY:
            return f"Tu as une réponse (demande {ref})"
        return f"Ta demande {ref} est prise en charge"
    lines = {
        Kind.REQUEST_NEW: f"Nouvelle demande {ref}" + (" (urgente)" if c["is_urgent"] else ""),
        Kind.REQUEST_CLAIMED: f"Demande {ref} prise en charge",
        Kind.REQUEST_DISPATCHED: f"Demande {ref} confiée par la coordination",
        Kind.REQUEST_REASSIGNED: f"Demande {ref} réattribuée",
        Kind.REQUEST_REMINDER: f"Demande {ref} en attente depuis {c['hours'] or settings.REQUEST_REMINDER_HOURS} h",
        Kind.REQUEST_ESCALATED: f"Demande {ref} sans prise en charge depuis {c['hours'] or settings.REQUEST_ESCALATION_HOURS} h",
        Kind.CONVERSATION_MESSAGE: f"Nouveau message sur {ref}" + (" (urgente)" if c["is_urgent"] else ""),
        Kind.CONVERSATION_BLOCKED: f"Conversation signalée et bloquée sur {ref}",
        Kind.ORIENTATION_RECEIVED: f"Orientation reçue (demande {ref})",
        Kind.ORIENTATION_ACCEPTED: f"Orientation acceptée (demande {ref})",
        Kind.ORIENTATION_DECLINED: f"Orientation déclinée (demande {ref})",
        Kind.ORIENTATION_EXPIRING: f"Orientation à traiter avant le {_french_date(c['expires_on'])} "
        f"(demande {ref})",
        Kind.ORIENTATION_EXPIRED: f"Orientation expirée sans réponse (demande {ref})",
        Kind.COMMENT_PENDING: f"Commentaire à modérer : « {c['article_title']} »",
        Kind.LABEL_RENEWAL_DUE: f"Label à renouveler avant le {_french_date(c['due_on'])} : "
        f"{c['promeneur_name']}",
        Kind.TRAINING_DUE: f"Formation continue à prévoir : {c['promeneur_name']}",
        Kind.CHARTER_DUE: f"Charte des Promeneurs du Net à signer (version {c['charter_version']})",
        Kind.CONVENTION_ENDING: f"Convention de {c['structure_name']} : fin le {_french_date(c['ends_on'])}",
        Kind.WEEKLY_DIGEST: f"Récapitulatif de la semaine {c['week']}",
        Kind.INVITATION: "Invitation à rejoindre le portail des Promeneurs du Net",
        Kind.DAILY_DIGEST: f"Récapitulatif du jour : {c['count']} notification"
        + ("s" if c["count"] > 1 else ""),
    }
    return lines.get(kind, notification.get_kind_display())


def absolute(path):
    return settings.SITE_URL + path


def _reverse_or_dashboard(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return reverse("dashboard:home")


def link_paths(notifications):
    """{notification pk: dashboard path} for these notifications, in one query per kind of link
    (requests, orientations) at most."""
    notifications = list(notifications)
    linked = {}
    for kinds, links in extensions.links:
        rows = [n for n in notifications if n.kind in kinds]
        if rows:
            linked.update(links(rows))
    dashboard = reverse("dashboard:home")
    paths = {}
    for n in notifications:
        path = dashboard
        if n.to_young_person:
            # No follow-up link by e-mail: the reference and the code reopen it at /suivi/.
            path = reverse("referrals:follow_up_lookup") if n.kind == Kind.CONVERSATION_REPLY else "/"
        elif n.kind == Kind.INVITATION and n.recipient_invitation_id is not None:
            path = n.recipient_invitation.get_accept_url()
        elif n.pk in linked:
            path = linked[n.pk]
        elif n.kind == Kind.COMMENT_PENDING:
            path = _reverse_or_dashboard(COMMENT_MODERATION_URL_NAME)
        elif n.kind == Kind.DAILY_DIGEST:
            path = reverse("notifications:notification_list")
        paths[n.pk] = path
    return paths


def recipient_address(notification):
    """The address to write to, read now: a young person's may have been erased since the event."""
    if notification.recipient_invitation_id is not None:
        invitation = notification.recipient_invitation
        if invitation.is_used or invitation.is_expired:
            raise NoAddress("Invitation déjà utilisée ou expirée.")
        return invitation.email
    if notification.to_young_person:
        if extensions.young_person_address is None:
            raise NoAddress("Aucune application ne donne l’adresse des jeunes.")
        return extensions.young_person_address(notification)
    user = notification.recipient
    if not user.is_active:
        raise NoAddress("Compte désactivé.")
    if not user.email:
        raise NoAddress("Compte sans adresse e-mail.")
    return user.email


def _digest_items(digest):
    rows = list(digest.digested.order_by("created_at", "pk"))
    paths = link_paths(rows)
    return [
        {"summary": summary(row), "link": absolute(paths[row.pk]), "created_at": row.created_at}
        for row in rows
    ]


def email_context(notification):
    """What the templates of `notification` receive."""
    values = _with_defaults(notification.context)
    for kinds, more in extensions.context:
        if notification.kind in kinds:
            # What the context lacks (an orientation's structures and expiry) is read now.
            for key, value in more(notification).items():
                values[key] = values[key] or value
    if notification.kind == Kind.INVITATION and notification.recipient_invitation_id is not None:
        invitation = notification.recipient_invitation
        values.update(
            {
                "role_label": invitation.get_role_display(),
                "scope": str(invitation.scope or ""),
                "invited_by": invitation.invited_by.get_full_name() if invitation.invited_by else "",
                "expires_on": timezone.localtime(invitation.expires_at).date(),
            }
        )
    values.update(
        {
            "notification": notification,
            "to_young_person": notification.to_young_person,
            "summary": summary(notification),
            "link": absolute(link_paths([notification])[notification.pk]),
            "site_url": settings.SITE_URL,
            "thresholds": thresholds(),
            "dashboard_url": absolute(reverse("dashboard:home")),
            "preferences_url": absolute(reverse("notifications:preferences")),
            "items": _digest_items(notification) if notification.kind == Kind.DAILY_DIGEST else [],
        }
    )
    return values


def message_id(notification):
    domain = urlsplit(settings.SITE_URL).hostname or "promeneursdunet.fr"
    return f"<notification-{notification.pk}@{domain}>"


def build_message(notification):
    """The e-mail of `notification`, text and HTML; raises NoAddress when nobody can receive it."""
    to = recipient_address(notification)
    context = email_context(notification)
    text = render_to_string(f"{notification.template_name}.txt", context)
    html = render_to_string(f"{notification.template_name}.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + context["summary"],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # The same notification always has the same Message-ID: a copy can be recognised.
            "Message-ID": message_id(notification),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-PDN-Notification": str(notification.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message
