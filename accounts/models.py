from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L’adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_superuser"] = True
        extra_fields["is_caf_staff"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: CAF staff, coordinators, referents, promeneurs, moderators.

    Young people never have an account. The roles come from memberships (see `roles`):
    promeneur of a structure, referent of a structure, coordinator of départements; the two
    national roles, CAF staff and moderator, are flags set by the CAF.
    """

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField(
        "actif",
        default=True,
        help_text="Décochez plutôt que de supprimer : le compte ne peut plus se connecter.",
    )
    is_caf_staff = models.BooleanField(
        "personnel de la CAF",
        default=False,
        help_text="Accès national à l’administration : structures, conventions, promeneurs.",
    )
    is_moderator = models.BooleanField(
        "modérateur·rice", default=False, help_text="Modère les commentaires et le Fil info."
    )
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_staff(self):
        """Who may open the Django admin: CAF staff, coordinators and moderators."""
        return self.is_active and (
            self.is_superuser or self.is_caf_staff or self.is_moderator or self.is_coordinator
        )

    @cached_property
    def coordinated_department_ids(self):
        return set(self.coordinations.values_list("department_id", flat=True))

    @property
    def is_coordinator(self):
        return bool(self.coordinated_department_ids)

    @cached_property
    def referent_structure_ids(self):
        return set(self.structure_memberships.filter(role="referent").values_list("structure_id", flat=True))

    @property
    def is_referent(self):
        return bool(self.referent_structure_ids)

    @cached_property
    def promeneur_profile(self):
        return getattr(self, "promeneur", None)

    @property
    def roles(self):
        """The user's roles, in French, for display."""
        labels = []
        if self.is_caf_staff or self.is_superuser:
            labels.append("personnel CAF")
        if self.is_coordinator:
            labels.append("coordination départementale")
        if self.is_referent:
            labels.append("référent·e de structure")
        if self.promeneur_profile is not None:
            labels.append("promeneur·se")
        if self.is_moderator:
            labels.append("modération")
        return labels
