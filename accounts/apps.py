from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import session_login_started

        def login_started(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                session_login_started(request)

        user_logged_in.connect(login_started, dispatch_uid="accounts_login_started", weak=False)
