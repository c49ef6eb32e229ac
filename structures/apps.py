from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "structures"
    verbose_name = "Structures et promeneurs"

    def ready(self):
        from . import cards, listing

        cards.connect_signals()
        listing.connect_signals()
