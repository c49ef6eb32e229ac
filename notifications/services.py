from .models import Notification


def notification_record(*, kind, recipients, context):
    """Write one outbox row per recipient, in the caller's transaction. Sends nothing by itself."""
    rows = [Notification(recipient=user, kind=kind, context=dict(context)) for user in recipients if user]
    return Notification.objects.bulk_create(rows)
