from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from promeneurs.status_machine import StatusMachine
from promeneurs.typography import french_datetime

from .enums import ActivityReportStatus, Dimension

# Allowed changes of a report's status, enforced in ActivityReport.transition_to().
REPORT_TRANSITIONS = StatusMachine(
    ActivityReportStatus,
    {
        ActivityReportStatus.DRAFT: {ActivityReportStatus.SUBMITTED},
        # The coordination validates (locks) the report, or sends it back to the referent with a comment.
        ActivityReportStatus.SUBMITTED: {ActivityReportStatus.LOCKED, ActivityReportStatus.DRAFT},
        ActivityReportStatus.LOCKED: set(),
    },
)


class ActivityReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports the user may read: their structures' (referent), their départements' (coordinator),
        all of them (CAF staff)."""
        from accounts import access

        if not access.is_active_user(user):
            return self.none()
        if access.is_national_staff(user):
            return self
        return self.filter(access.managed_structure_ids_q(user, "structure"))


class ActivityReport(models.Model):
    """A structure's annual activity report ("bilan"), pre-filled from the data, completed by its referent."""

    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure",
        on_delete=models.PROTECT,
        related_name="activity_reports",
    )
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(2012), MaxValueValidator(2100)]
    )
    status = models.CharField(
        "statut", max_length=10, choices=ActivityReportStatus.choices, default=ActivityReportStatus.DRAFT
    )
    figures = models.JSONField(
        "chiffres pré-remplis",
        default=dict,
        blank=True,
        help_text="Calculés à partir des données à la création du bilan : demandes, thèmes, issues, "
        "orientations, formations suivies.",
    )
    hours_online = models.DecimalField(
        "heures de présence en ligne dans l’année",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10000)],
    )
    collective_actions = models.PositiveSmallIntegerField(
        "actions collectives menées",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10000)],
        help_text="Ateliers, interventions, rencontres organisées avec des groupes de jeunes.",
    )
    comments = models.TextField("commentaires", max_length=5000, blank=True)
    coordinator_comment = models.TextField(
        "commentaire de la coordination",
        max_length=2000,
        blank=True,
        help_text="Pourquoi le bilan a été renvoyé au brouillon.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="transmis par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="verrouillé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    locked_at = models.DateTimeField("verrouillé le", null=True, blank=True)

    objects = ActivityReportQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan d’activité"
        verbose_name_plural = "bilans d’activité"
        ordering = ["-year", "structure__name"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "year"], name="activity_report_one_per_year"),
            models.CheckConstraint(
                condition=Q(status__in=ActivityReportStatus.values), name="activity_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2012, year__lte=2100), name="activity_report_year_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=ActivityReportStatus.LOCKED) | Q(locked_at__isnull=False),
                name="activity_report_locked_has_date",
            ),
        ]

    def __str__(self):
        return f"Bilan {self.year} — {self.structure.name}"

    def get_absolute_url(self):
        return reverse("stats:report_detail", kwargs={"slug": self.structure.slug, "year": self.year})

    @property
    def is_editable(self):
        return self.status == ActivityReportStatus.DRAFT

    @property
    def is_locked(self):
        return self.status == ActivityReportStatus.LOCKED

    def can_become(self, status):
        return REPORT_TRANSITIONS.can(self.status, status)

    def check_transition(self, status):
        REPORT_TRANSITIONS.check(self.status, status)


class MonthlyFigure(models.Model):
    """Requests of one month (Paris time) and département, counted by one dimension's value
    (stats/aggregates.py keeps them; the national and departmental statistics read them)."""

    month = models.DateField("mois")  # its first day
    # None: the whole country (the national roll-up of the départements' rows, so that a national
    # figure reads a few rows a month whatever the number of départements and values).
    department = models.ForeignKey(
        "structures.Department",
        verbose_name="département",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    dimension = models.CharField("dimension", max_length=12, choices=Dimension.choices)
    value = models.CharField("valeur", max_length=20, blank=True)
    count = models.PositiveIntegerField("demandes")

    class Meta:
        verbose_name = "chiffre mensuel"
        verbose_name_plural = "chiffres mensuels"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "department", "dimension", "value"],
                name="monthly_figure_unique",
                nulls_distinct=False,
            )
        ]
        # A figure reads one dimension, for the country (department IS NULL) or some départements,
        # over a year: a few rows whatever the number of départements and values.
        indexes = [
            models.Index(fields=["dimension", "department", "month"], name="monthly_figure_read"),
        ]

    def __str__(self):
        where = self.department_id or "France"
        return f"{self.month:%Y-%m} {where} {self.dimension}={self.value}: {self.count}"


class StatisticsRefresh(models.Model):
    """When the monthly figures were last refreshed (one row)."""

    started_at = models.DateTimeField("commencée le")
    finished_at = models.DateTimeField("finie le")

    class Meta:
        verbose_name = "mise à jour des statistiques"
        verbose_name_plural = "mises à jour des statistiques"

    def __str__(self):
        return french_datetime(self.started_at)
