from django.db import models


class ActivityReportStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis à la coordination"
    LOCKED = "locked", "Validé et verrouillé"


class Dimension(models.TextChoices):
    """What a pre-aggregated monthly figure counts requests by (stats/aggregates.py)."""

    TOTAL = "total", "toutes"
    AGE = "age", "tranche d’âge"
    CHANNEL = "channel", "canal"
    OUTCOME = "outcome", "issue"
    THEME = "theme", "thème"
    CLAIM_HOURS = "claim_hours", "heures avant la prise en charge"
    HELPFULNESS = "helpfulness", "« ça t’a aidé ? » (demandes closes)"
    # Orientations of the month: "sent" from, "received" by, "accepted" by the département's structures.
    ORIENTATION = "orientation", "orientations"
