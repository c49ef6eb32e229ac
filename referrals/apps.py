from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Demandes de contact et orientations"

    def ready(self):
        # What the layers below hand over to referrals (README, "Organisation du code"): a leaving
        # promeneur's requests, the links and addresses of the outbox's e-mails.
        from . import departures, notices  # noqa: F401

        notices.register()
