from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and volume data for development (`load_demo`, `seed_volume`): never needed in production."""

    name = "demo"
    verbose_name = "Données de démonstration"
