"""The admin's banner about the outbox: failed notifications, and a sweep that stopped running."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.enums import NotificationStatus
from notifications.models import Heartbeat, Notification
from promeneurs.typography import french_datetime, french_hours

register = template.Library()


def outbox_alerts(now=None):
    """[(message, link or "")]: what the staff must look at (two queries)."""
    now = now or timezone.now()
    found = []
    failed = Notification.objects.filter(status=NotificationStatus.FAILED).count()
    if failed:
        link = reverse("admin:notifications_notification_changelist") + "?status__exact=failed"
        found.append(
            (
                f"{failed} notification(s) en échec : leur envoi a été essayé pendant "
                f"{french_hours(settings.NOTIFICATION_RETRY_PERIOD_HOURS)} sans succès. Vérifiez le serveur d’envoi, "
                "puis utilisez l’action « Réessayer ».",
                link,
            )
        )
    last_sweep = Heartbeat.last(Heartbeat.SWEEP)
    if last_sweep is None or (now - last_sweep).total_seconds() > settings.NOTIFICATION_SWEEP_ALERT_SECONDS:
        when = f"depuis le {french_datetime(last_sweep)}" if last_sweep else "jamais"
        found.append(
            (
                f"Le balayage de la boîte d’envoi n’a pas tourné {when} : les tâches périodiques (beat) "
                "ou le worker Celery sont arrêtés, et les e-mails en attente ne partent plus.",
                "",
            )
        )
    return found


@register.inclusion_tag("admin/outbox_banner.html", takes_context=True)
def outbox_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"alerts": []}
    return {"alerts": outbox_alerts()}
