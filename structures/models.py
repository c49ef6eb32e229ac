import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from promeneurs.status_machine import StatusMachine
from promeneurs.typography import short_date, time_range

from .enums import (
    NETWORK_DOMAINS,
    AbsenceKind,
    ConventionStatus,
    Funder,
    ImportJobStatus,
    ImportKind,
    MembershipRole,
    Network,
    ProfileChangeAction,
    PromeneurStatus,
    StructureKind,
    TrainingKind,
    Weekday,
)
from .geo import place_key, split_department_suffix

postcode_validator = RegexValidator(r"^\d{5}$", "Le code postal compte cinq chiffres.")
phone_validator = RegexValidator(
    r"^\+?[0-9 .()-]{6,25}$", "Saisissez un numéro de téléphone, par exemple 05 53 00 00 00."
)


def unique_slug(instance, base, max_length=80):
    """A slug made from `base`, unique among the instances of the same model."""
    root = (slugify(base) or "fiche")[: max_length - 6].strip("-")
    slug, n = root, 2
    manager = type(instance)._default_manager
    while manager.filter(slug=slug).exclude(pk=instance.pk).exists():
        slug, n = f"{root}-{n}", n + 1
    return slug


class Department(models.Model):
    """One of the 101 départements, with its INSEE code and its coordination."""

    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=60, unique=True)
    coordination_name = models.CharField(
        "coordination",
        max_length=200,
        blank=True,
        help_text="La CAF, ou l’association à qui elle délègue la coordination du réseau.",
    )
    coordination_email = models.EmailField("e-mail de la coordination", blank=True)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class CommuneQuerySet(models.QuerySet):
    def search(self, text, *, department=None):
        """Communes matching what someone typed, the likeliest first.

        Case, accents, hyphens, apostrophes and "St"/"Ste" do not matter; a name matches by its
        beginning or the beginning of one of its words ("perig", "astier"); digits match the
        beginning of a postcode ("24", "24000"). "Saint-Astier (24)", as the autocomplete writes
        it, keeps to that département.
        """
        text, suffix = split_department_suffix((text or "").strip())
        department = department or suffix
        communes = self
        if department:
            communes = communes.filter(department__code=department)
        digits = text.replace(" ", "")
        if digits.isdigit():
            if len(digits) < 2 or len(digits) > 5:
                return communes.none()
            return communes.filter(postcodes__contains=f" {digits}").order_by(
                "-population", "name", "insee_code"
            )
        key = place_key(text)
        if not key:
            return communes.none()
        return (
            communes.filter(Q(search_name__startswith=key) | Q(search_name__contains=f" {key}"))
            .annotate(
                rank=models.Case(
                    models.When(search_name=key, then=0),
                    models.When(search_name__startswith=key, then=1),
                    default=2,
                )
            )
            .order_by("rank", "-population", "name", "insee_code")
        )


class Commune(models.Model):
    """A French commune, from the reference data loaded by `manage.py load_communes`."""

    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=100)
    # place_key(name): what searches compare (indexed for prefix searches).
    search_name = models.CharField("nom de recherche", max_length=100, db_index=True, editable=False)
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    # The commune's postcodes, each preceded and followed by a space: " 24000 24001 ".
    postcodes = models.CharField("codes postaux", max_length=255, blank=True)
    population = models.PositiveIntegerField("population municipale", default=0)
    # The town hall's position.
    latitude = models.DecimalField("latitude", max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("longitude", max_digits=9, decimal_places=6, null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        ordering = ["name", "insee_code"]

    def __str__(self):
        return f"{self.name} ({self.department_id and self.department.code})"

    def save(self, *args, **kwargs):
        self.search_name = place_key(self.name)
        super().save(*args, **kwargs)

    @property
    def label(self):
        """What the autocomplete proposes, and what the search understands back: "Saint-Astier (24)"."""
        return f"{self.name} ({self.department.code})"

    @property
    def postcode_list(self):
        return self.postcodes.split()

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


class Theme(models.Model):
    """A theme a promeneur works on, from the programme's fixed list."""

    slug = models.SlugField("identifiant", max_length=60, unique=True)
    name = models.CharField("nom", max_length=100, unique=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "thème"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class StructureQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_user(self, user):
        """The structures a member of staff may manage."""
        from accounts import access

        if access.is_national_staff(user):
            return self
        return self.filter(department_id__in=access.coordinated_department_ids(user))

    def with_labelled_promeneurs(self):
        return self.filter(Exists(Promeneur.objects.public().filter(structure=OuterRef("pk"))))

    def with_reachable_promeneurs(self, today=None):
        """Structures that have a promeneur reachable today (design §3b.1)."""
        return self.filter(Exists(Promeneur.objects.reachable(today).filter(structure=OuterRef("pk"))))


class Structure(models.Model):
    """A structure (centre social, MJC, mission locale…) whose professionals can be promeneurs."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("adresse de la page", max_length=80, unique=True, blank=True)
    kind = models.CharField("type", max_length=12, choices=StructureKind.choices)
    description = models.TextField("présentation", blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, validators=[postcode_validator])
    commune = models.CharField("commune", max_length=100)
    # place_key(commune), what the directory's place search compares.
    commune_key = models.CharField("commune (recherche)", max_length=100, editable=False, default="")
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="structures"
    )
    latitude = models.DecimalField(
        "latitude",
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        "longitude",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    email = models.EmailField("e-mail de contact", blank=True)
    phone = models.CharField("téléphone", max_length=25, blank=True, validators=[phone_validator])
    website = models.URLField("site web", blank=True)
    is_public = models.BooleanField(
        "visible dans l’annuaire",
        default=True,
        help_text="Une structure non visible n’apparaît nulle part sur le site public.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(postcode__regex=r"^[0-9]{5}$"), name="structure_postcode_5_digits"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="structure_coordinates_both_or_none_in_range",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="structure_name_not_empty"),
        ]

    def __str__(self):
        return f"{self.name} ({self.commune})"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, f"{self.name} {self.commune}")
        self.commune_key = place_key(self.commune)
        if kwargs.get("update_fields") is not None and "commune" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "commune_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("structures:structure_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


class StructureMembership(models.Model):
    """A user's role in a structure other than being one of its promeneurs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur·rice",
        on_delete=models.CASCADE,
        related_name="structure_memberships",
    )
    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        "rôle", max_length=20, choices=MembershipRole.choices, default=MembershipRole.REFERENT
    )
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "rôle dans une structure"
        verbose_name_plural = "rôles dans les structures"
        constraints = [
            models.UniqueConstraint(fields=["user", "structure", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.structure.name}"


class Coordination(models.Model):
    """A user who coordinates the network of a département."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur·rice",
        on_delete=models.CASCADE,
        related_name="coordinations",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="département",
        on_delete=models.CASCADE,
        related_name="coordinations",
    )
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "coordination départementale"
        verbose_name_plural = "coordinations départementales"
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="coordination_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.department}"

    def save(self, *args, **kwargs):
        from accounts.access import account_role_conflict

        error = account_role_conflict(self.user if self.user_id else None, exclusive=True)
        if error:
            raise ValidationError({"user": error})
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        from accounts.access import account_role_conflict

        error = account_role_conflict(self.user if self.user_id else None, exclusive=True)
        if error:
            raise ValidationError({"user": error})


class Convention(models.Model):
    """The agreement through which a funder finances a structure for a year."""

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="conventions"
    )
    funder = models.CharField("financeur", max_length=3, choices=Funder.choices, default=Funder.CAF)
    year = models.PositiveSmallIntegerField(
        "année", validators=[MinValueValidator(2012), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        "montant (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    status = models.CharField(
        "statut", max_length=10, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    reference = models.CharField("référence", max_length=60, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "convention"
        ordering = ["-year", "structure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "funder", "year"], name="convention_one_per_funder_and_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="convention_amount_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="convention_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(year__gte=2012, year__lte=2100), name="convention_year_range"),
        ]

    def __str__(self):
        return f"{self.structure.name} — {self.get_funder_display()} {self.year}"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "La fin doit suivre le début de la convention."})


class PromeneurQuerySet(models.QuerySet):
    def public(self):
        """Promeneurs shown to the public: labelled, in a public structure, account active.

        Written as "no hidden structure, no deactivated account" (NOT EXISTS): PostgreSQL then
        counts the directory without joining every promeneur to its structure and account.
        """
        accounts = self.model._meta.get_field("user").related_model
        return self.filter(
            ~Exists(Structure.objects.filter(pk=OuterRef("structure_id"), is_public=False)),
            ~Exists(accounts.objects.filter(pk=OuterRef("user_id"), is_active=False)),
            status=PromeneurStatus.LABELLED,
        )

    def for_user(self, user):
        from accounts import access

        if access.is_national_staff(user):
            return self
        return self.filter(structure__department_id__in=access.coordinated_department_ids(user))

    def reachable(self, today=None):
        """Promeneurs a request may be sent to today (`structures.reachability`)."""
        from .reachability import reachable_condition

        return self.filter(reachable_condition(today))

    def with_reachability(self, today=None):
        """Each row with `is_reachable` (a boolean computed in the query: no query per row)."""
        from .reachability import reachable_annotation

        return self.annotate(is_reachable=reachable_annotation(today))

    def online_at(self, moment):
        """Promeneurs on duty at `moment`: in one of their slots (Paris time), not absent."""
        local = timezone.localtime(moment)
        weekday, now, today = local.weekday(), local.time(), local.date()
        previous = (weekday - 1) % 7
        in_slot = PresenceSlot.objects.filter(promeneur=OuterRef("pk")).filter(
            # A slot within the day.
            Q(weekday=weekday, start__lte=now, end__gt=now)
            # A slot that crosses midnight, started today…
            | Q(weekday=weekday, start__lte=now, end__lte=F("start"))
            # …or started yesterday and not over yet.
            | Q(weekday=previous, end__gt=now, end__lte=F("start"))
        )
        absent = Absence.objects.filter(promeneur=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today)
        return self.filter(Exists(in_slot), ~Exists(absent))


# Allowed changes of a promeneur's status: candidate → trained → labelled → suspended / left.
PROMENEUR_TRANSITIONS = StatusMachine(
    PromeneurStatus,
    {
        PromeneurStatus.CANDIDATE: {PromeneurStatus.TRAINED, PromeneurStatus.LEFT},
        PromeneurStatus.TRAINED: {PromeneurStatus.LABELLED, PromeneurStatus.LEFT},
        PromeneurStatus.LABELLED: {PromeneurStatus.SUSPENDED, PromeneurStatus.LEFT},
        PromeneurStatus.SUSPENDED: {PromeneurStatus.LABELLED, PromeneurStatus.LEFT},
        PromeneurStatus.LEFT: set(),
    },
)


class Promeneur(models.Model):
    """A professional of a structure who keeps an educational presence on social networks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="promeneur",
    )
    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="promeneurs"
    )
    first_name = models.CharField("prénom public", max_length=60)
    display_name = models.CharField(
        "nom affiché",
        max_length=200,
        blank=True,
        help_text="« Prénom — Structure » si laissé vide.",
    )
    slug = models.SlugField("adresse du profil", max_length=80, unique=True, blank=True)
    job = models.CharField("métier", max_length=120)
    photo = models.ImageField("photo", upload_to="promeneurs/", blank=True)
    bio = models.TextField("présentation", blank=True, max_length=2000)
    themes = models.ManyToManyField(Theme, verbose_name="thèmes", blank=True, related_name="promeneurs")
    age_min = models.PositiveSmallIntegerField(
        "âge minimum", default=12, validators=[MinValueValidator(12), MaxValueValidator(25)]
    )
    age_max = models.PositiveSmallIntegerField(
        "âge maximum", default=25, validators=[MinValueValidator(12), MaxValueValidator(25)]
    )
    status = models.CharField(
        "statut",
        max_length=10,
        choices=PromeneurStatus.choices,
        default=PromeneurStatus.CANDIDATE,
    )
    labelled_on = models.DateField("labellisé·e le", null=True, blank=True)
    created_at = models.DateTimeField("créé·e le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié·e le", auto_now=True)

    objects = PromeneurQuerySet.as_manager()

    class Meta:
        verbose_name = "promeneur·se"
        verbose_name_plural = "promeneur·ses"
        ordering = ["first_name", "structure__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__gte=12, age_max__lte=25, age_min__lte=F("age_max")),
                name="promeneur_age_range_12_25",
            ),
            models.CheckConstraint(
                condition=~Q(status=PromeneurStatus.LABELLED) | Q(labelled_on__isnull=False),
                name="promeneur_labelled_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PromeneurStatus.values), name="promeneur_status_valid"
            ),
        ]
        indexes = [
            # The directory's order (first name, then structure): PostgreSQL reads the first page
            # in this index's order and sorts only within a first name, not all the promeneurs.
            models.Index(
                fields=["first_name", "id"],
                condition=Q(status=PromeneurStatus.LABELLED),
                name="promeneur_directory_order",
            ),
        ]

    def __str__(self):
        return self.display_name or self.first_name

    def save(self, *args, **kwargs):
        error = self.account_error()
        if error:
            # Whatever the path (admin, import, script): the reader's identity cannot be moved.
            raise ValidationError({"user": error})
        if not self.display_name and self.structure_id:
            self.display_name = f"{self.first_name} — {self.structure.name}"
        if not self.slug:
            self.slug = unique_slug(self, f"{self.first_name} {self.structure.name}")
        super().save(*args, **kwargs)
        self._stored_user_id = self.user_id

    def get_absolute_url(self):
        return reverse("structures:promeneur_detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The account it was loaded with: once set, it cannot be replaced (design §3.8).
        instance._stored_user_id = instance.__dict__.get("user_id")
        return instance

    def account_error(self):
        """Why this profile may not be saved with its account, or ""."""
        stored = getattr(self, "_stored_user_id", None)
        if self.pk and stored is not None and self.user_id != stored:
            return (
                "Le compte d’un·e promeneur·se ne peut pas être changé une fois lié : créez un autre profil."
            )
        if self.user_id is not None and self.user_id != stored:
            from accounts.access import account_role_conflict

            return account_role_conflict(self.user, promeneur=self)
        return ""

    def clean(self):
        super().clean()
        error = self.account_error()
        if error:
            raise ValidationError({"user": error})
        if self.age_min and self.age_max and self.age_min > self.age_max:
            raise ValidationError({"age_max": "L’âge maximum doit être supérieur à l’âge minimum."})
        if self.pk:
            previous = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if previous and previous != self.status:
                PROMENEUR_TRANSITIONS.check(previous, self.status, field="status")
        if self.status == PromeneurStatus.LABELLED and not self.labelled_on:
            self.labelled_on = timezone.localdate()

    def can_become(self, status):
        return PROMENEUR_TRANSITIONS.can(self.status, status)

    def change_status(self, status):
        """Move to `status` if the transition is allowed; labelling dates the label."""
        self.status = PROMENEUR_TRANSITIONS.check(self.status, status)
        if status == PromeneurStatus.LABELLED:
            self.labelled_on = timezone.localdate()
        self.save(update_fields=["status", "labelled_on", "updated_at"])

    @property
    def is_public(self):
        return (
            self.status == PromeneurStatus.LABELLED
            and self.structure.is_public
            and (self.user is None or self.user.is_active)
        )

    # Presence, computed from the card's lists (`structures.cards.with_card_data`) or from
    # prefetched slots and absences: no query either way.

    def presence_slot_list(self):
        slots = getattr(self, "card_slots", None)
        return list(self.presence_slots.all()) if slots is None else slots

    def absence_list(self):
        """The absences (with the card's data: those that end today or later)."""
        absences = getattr(self, "card_absences", None)
        return list(self.absences.all()) if absences is None else absences

    def reachable_colleagues(self, today):
        """The other promeneurs of their structure a request may be sent to today, by first name."""
        return list(
            type(self)
            .objects.reachable(today)
            .filter(structure_id=self.structure_id)
            .exclude(pk=self.pk)
            .order_by("first_name", "pk")
        )

    def is_absent_on(self, day):
        return any(a.starts_on <= day <= a.ends_on for a in self.absence_list())

    def is_online_at(self, moment):
        local = timezone.localtime(moment)
        if self.is_absent_on(local.date()):
            return False
        return any(slot.covers(local) for slot in self.presence_slot_list())

    def is_online_now(self):
        return self.is_online_at(timezone.now())

    def next_slot_after(self, moment):
        """Start of the next presence slot after `moment` (aware), outside absences, or None."""
        local = timezone.localtime(moment)
        tz = local.tzinfo
        slots = self.presence_slot_list()
        if not slots:
            return None
        for offset in range(0, 29):
            day = local.date() + datetime.timedelta(days=offset)
            if self.is_absent_on(day):
                continue
            starts = sorted(
                timezone.make_aware(datetime.datetime.combine(day, s.start), tz)
                for s in slots
                if s.weekday == day.weekday()
            )
            for start in starts:
                if start > moment:
                    return start
        return None

    @property
    def weekly_hours(self):
        return round(sum(s.duration_hours for s in self.presence_slot_list()), 1)


class NetworkAccount(models.Model):
    """A promeneur's professional account on a social network."""

    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="networks"
    )
    network = models.CharField("réseau", max_length=12, choices=Network.choices)
    handle = models.CharField("pseudo", max_length=100)
    url = models.URLField("adresse du profil", max_length=300)

    class Meta:
        verbose_name = "compte sur un réseau"
        verbose_name_plural = "comptes sur les réseaux"
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["promeneur", "network", "handle"], name="network_account_unique"),
            models.CheckConstraint(condition=~Q(handle=""), name="network_account_handle_not_empty"),
            models.CheckConstraint(condition=Q(url__startswith="https://"), name="network_account_url_https"),
        ]

    def __str__(self):
        return f"{self.get_network_display()} : {self.handle}"

    def clean(self):
        super().clean()
        if not self.url or not self.network:
            return
        parts = urlsplit(self.url)
        host = (parts.hostname or "").lower()
        domains = NETWORK_DOMAINS.get(Network(self.network), ())
        if parts.scheme != "https" or not any(host == d or host.endswith("." + d) for d in domains):
            raise ValidationError(
                {
                    "url": "L’adresse doit être une page https de {} ({}).".format(
                        self.get_network_display(), ", ".join(domains)
                    )
                }
            )


WEEK_MINUTES = 7 * 24 * 60


class PresenceSlot(models.Model):
    """A weekly time slot (Paris time) when the promeneur is online and on duty."""

    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="presence_slots"
    )
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    start = models.TimeField("début")
    end = models.TimeField("fin", help_text="Une fin avant le début signifie « le lendemain ».")

    class Meta:
        verbose_name = "créneau de présence en ligne"
        verbose_name_plural = "créneaux de présence en ligne"
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=~Q(start=F("end")), name="slot_not_empty"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="slot_weekday_range"),
            models.UniqueConstraint(fields=["promeneur", "weekday", "start"], name="slot_unique_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {time_range(self.start, self.end)}"

    @property
    def crosses_midnight(self):
        return self.end <= self.start

    def covers(self, local):
        """Whether the local (Paris) datetime falls in this slot."""
        weekday, now = local.weekday(), local.time()
        if not self.crosses_midnight:
            return self.weekday == weekday and self.start <= now < self.end
        return (self.weekday == weekday and now >= self.start) or (
            self.weekday == (weekday - 1) % 7 and now < self.end
        )

    def week_minutes(self):
        """The slot as minute ranges of the week (Monday 0:00 = 0), split where the week ends."""
        start = self.weekday * 24 * 60 + self.start.hour * 60 + self.start.minute
        end = start + round(self.duration_hours * 60)
        if end <= WEEK_MINUTES:
            return [(start, end)]
        return [(start, WEEK_MINUTES), (0, end - WEEK_MINUTES)]

    def overlaps(self, other):
        return any(a < d and c < b for a, b in self.week_minutes() for c, d in other.week_minutes())

    @property
    def duration_hours(self):
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        if end <= start:
            end += 24 * 60
        return (end - start) / 60


class Absence(models.Model):
    """Days when a promeneur is away: not shown online, requests go to the structure."""

    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField("du")
    ends_on = models.DateField("au")
    kind = models.CharField("type", max_length=10, choices=AbsenceKind.choices, default=AbsenceKind.LEAVE)
    note = models.CharField("motif (interne)", max_length=200, blank=True)

    class Meta:
        verbose_name = "absence"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.promeneur} : du {short_date(self.starts_on)} au {short_date(self.ends_on)}"


class OnlineHours(models.Model):
    """The hours a promeneur actually spent online in one week, as they declare them (optional).

    The structure's annual report adds them up for its "heures en ligne"."""

    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="online_hours"
    )
    week = models.DateField("semaine du", help_text="Le lundi de la semaine.")
    hours = models.DecimalField(
        "heures passées en ligne",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    note = models.CharField("note", max_length=300, blank=True)
    updated_at = models.DateTimeField("déclarées le", auto_now=True)

    class Meta:
        verbose_name = "heures en ligne d’une semaine"
        verbose_name_plural = "heures en ligne par semaine"
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["promeneur", "week"], name="online_hours_one_per_week"),
            models.CheckConstraint(condition=Q(hours__gte=0, hours__lte=168), name="online_hours_range"),
        ]

    def __str__(self):
        return f"{self.promeneur} : semaine du {short_date(self.week)}"

    def clean(self):
        super().clean()
        if self.week and self.week.weekday() != 0:
            raise ValidationError({"week": "Indiquez le lundi de la semaine."})


class ProfileChange(models.Model):
    """One change of a promeneur's profile: who, when, which part. Never the values themselves."""

    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="profile_changes"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("le", default=timezone.now)
    field = models.CharField("élément modifié", max_length=100)
    action = models.CharField("action", max_length=10, choices=ProfileChangeAction.choices)

    class Meta:
        verbose_name = "modification d’un profil"
        verbose_name_plural = "modifications des profils"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["promeneur", "-at"], name="profile_change_by_promeneur")]

    def __str__(self):
        return f"{self.promeneur} — {self.field} ({self.get_action_display()})"


class Training(models.Model):
    """A training session of the programme, national or for one département."""

    title = models.CharField("intitulé", max_length=200)
    kind = models.CharField("type", max_length=12, choices=TrainingKind.choices, default=TrainingKind.INITIAL)
    department = models.ForeignKey(
        Department,
        verbose_name="département",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings",
        help_text="Vide : formation nationale.",
    )
    starts_on = models.DateField("date")
    location = models.CharField("lieu", max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Promeneur, through="TrainingAttendance", verbose_name="participant·es", related_name="trainings"
    )

    class Meta:
        verbose_name = "formation"
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.title} ({short_date(self.starts_on)})"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(Training, verbose_name="formation", on_delete=models.CASCADE)
    promeneur = models.ForeignKey(Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE)
    attended = models.BooleanField("présent·e", default=True)

    class Meta:
        verbose_name = "participation à une formation"
        verbose_name_plural = "participations aux formations"
        constraints = [
            models.UniqueConstraint(fields=["training", "promeneur"], name="attendance_unique"),
        ]

    def __str__(self):
        return f"{self.promeneur} — {self.training}"


class Charter(models.Model):
    """A version of the programme's charter, which promeneurs sign."""

    version = models.CharField("version", max_length=20, unique=True)
    published_on = models.DateField("publiée le")
    summary = models.TextField("résumé", blank=True)

    class Meta:
        verbose_name = "charte"
        ordering = ["-published_on"]

    def __str__(self):
        return f"Charte {self.version}"


class CharterAcceptance(models.Model):
    charter = models.ForeignKey(
        Charter, verbose_name="charte", on_delete=models.PROTECT, related_name="acceptances"
    )
    promeneur = models.ForeignKey(
        Promeneur, verbose_name="promeneur·se", on_delete=models.CASCADE, related_name="charter_acceptances"
    )
    accepted_on = models.DateField("signée le", default=timezone.localdate)

    class Meta:
        verbose_name = "signature de la charte"
        verbose_name_plural = "signatures de la charte"
        constraints = [
            models.UniqueConstraint(fields=["charter", "promeneur"], name="charter_acceptance_unique"),
        ]

    def __str__(self):
        return f"{self.promeneur} — {self.charter}"


class ImportJob(models.Model):
    """A large file imported in the background (Celery), with its progress and its result.

    The file is kept in the row itself (the worker may run on another machine than the web
    server) and read whole first: nothing is saved while one row is refused.
    """

    kind = models.CharField("données", max_length=12, choices=ImportKind.choices)
    file_name = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu du fichier")
    status = models.CharField(
        "état", max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    totals = models.JSONField("résultat", default=dict, blank=True)
    refusals = models.JSONField("lignes refusées", default=list, blank=True)
    error = models.TextField("erreur", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("lancé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import en arrière-plan"
        verbose_name_plural = "imports en arrière-plan"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.file_name}"

    @property
    def is_finished(self):
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.REFUSED, ImportJobStatus.FAILED)

    @property
    def counts(self):
        """New, updated and unchanged rows (0 until known)."""
        return {key: (self.totals or {}).get(key, 0) for key in ("new", "update", "skip")}

    @property
    def percent(self):
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, round(100 * self.processed_rows / self.total_rows))
