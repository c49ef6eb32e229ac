from django.db import models


class ActivityReportStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis à la coordination"
    LOCKED = "locked", "Validé et verrouillé"
