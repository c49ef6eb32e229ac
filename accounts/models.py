import datetime
import hashlib
import uuid
from functools import cached_property

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .access import REFERENT


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
        error = self.role_error()
        if error:
            raise ValidationError(error)

    def role_error(self):
        """Why this account may not hold its national roles (it is a promeneur's), or ""."""
        from .access import account_role_conflict

        if self.is_superuser or self.is_caf_staff or self.is_moderator:
            return account_role_conflict(self, exclusive=True)
        return ""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"is_superuser", "is_caf_staff", "is_moderator"} & set(update_fields):
            error = self.role_error()
            if error:
                raise ValidationError(error)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_staff(self):
        """Who may open the Django admin: CAF staff, coordinators and moderators."""
        from .access import may_open_admin

        return may_open_admin(self)

    @cached_property
    def coordinated_department_ids(self):
        return set(self.coordinations.values_list("department_id", flat=True))

    @property
    def is_coordinator(self):
        return bool(self.coordinated_department_ids)

    @cached_property
    def referent_structure_ids(self):
        return set(self.structure_memberships.filter(role=REFERENT).values_list("structure_id", flat=True))

    @property
    def is_referent(self):
        return bool(self.referent_structure_ids)

    @cached_property
    def promeneur_profile(self):
        return getattr(self, "promeneur", None)

    @property
    def roles(self):
        """The user's roles, in French, for display (`accounts.access.role_labels`)."""
        from .access import role_labels

        return role_labels(self)


class InvitationRole(models.TextChoices):
    COORDINATOR = "coordinator", "Coordination départementale"
    REFERENT = "referent", "Référent·e de structure"
    PROMENEUR = "promeneur", "Promeneur·se"


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """CAF staff see every invitation; others, those they sent."""
        from .access import is_national_staff

        if is_national_staff(user):
            return self
        return self.filter(invited_by=user)


class Invitation(models.Model):
    """An invitation to create an account with a role, by e-mail, valid once and for a few days.

    The link's token is not stored: it is an HMAC of the invitation's UUID under SECRET_KEY
    (`token`), so the e-mail can be written later by the outbox from the invitation id alone; only
    its SHA-256 is stored (`token_hash`), to find the invitation from the link.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150, blank=True)
    job = models.CharField("métier", max_length=120, blank=True, help_text="Pour un·e promeneur·se.")
    role = models.CharField("rôle", max_length=20, choices=InvitationRole.choices)
    department = models.ForeignKey(
        "structures.Department",
        verbose_name="département",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        User,
        verbose_name="invité·e par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu’au")
    used_at = models.DateTimeField("acceptée le", null=True, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=InvitationRole.COORDINATOR) | Q(department__isnull=False),
                name="invitation_coordinator_has_department",
            ),
            models.CheckConstraint(
                condition=Q(role=InvitationRole.COORDINATOR) | Q(structure__isnull=False),
                name="invitation_member_has_structure",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.get_role_display()}"

    def save(self, *args, **kwargs):
        if not self.token_hash:
            self.token_hash = self.hash_token(self.token)
        if not self.expires_at:
            self.expires_at = self.created_at + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
        super().save(*args, **kwargs)

    @property
    def token(self):
        return signing.Signer(salt="accounts.invitation").signature(str(self.uuid))

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def from_token(cls, token):
        """The invitation of a link's token, or None."""
        return (
            cls.objects.select_related("structure", "department")
            .filter(token_hash=cls.hash_token(token))
            .first()
        )

    def get_accept_url(self):
        return reverse("invitation_accept", kwargs={"token": self.token})

    @property
    def is_used(self):
        return self.used_at is not None

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at

    @property
    def scope(self):
        return self.department if self.role == InvitationRole.COORDINATOR else self.structure
