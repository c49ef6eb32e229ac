from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages du site"

    def ready(self):
        from promeneurs.public_cache import connect_signals

        connect_signals()
