from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "structures"
    verbose_name = "Structures et promeneurs"

    def ready(self):
        from .cards import connect_signals

        connect_signals()
