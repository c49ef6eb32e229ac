from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # The send task is looked up by its name (services.SEND_NOTIFICATION_TASK): register it in
        # every process, the web's included, not only in the worker that autodiscovers it.
        from . import tasks  # noqa: F401
