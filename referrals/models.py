import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import access
from promeneurs.status_machine import StatusMachine
from promeneurs.typography import french_datetime
from structures.enums import Network

from .content import CONTENT_FIELDS, ContentGateClosed, gate_is_open, refuse_content
from .enums import (
    OPEN_STATUSES,
    AgeBracket,
    Channel,
    DeclineReason,
    Helpfulness,
    MessageAuthor,
    OrientationStatus,
    Outcome,
    RequestStatus,
    TargetKind,
)

# Unambiguous characters: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference():
    """A public reference like PDN-7K2M-Q4XD: 31⁸ ≈ 8.5 × 10¹¹ values, drawn by `secrets`."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PDN-{chars[:4]}-{chars[4:]}"


# Allowed status changes, enforced in ContactRequest.transition_to().
TRANSITIONS = StatusMachine(
    RequestStatus,
    {
        RequestStatus.NEW: {RequestStatus.CLAIMED, RequestStatus.WITHDRAWN, RequestStatus.SPAM},
        RequestStatus.CLAIMED: {
            RequestStatus.IN_CONTACT,
            RequestStatus.CLOSED,
            RequestStatus.NEW,  # released to the pool
            RequestStatus.WITHDRAWN,
            RequestStatus.SPAM,
        },
        RequestStatus.IN_CONTACT: {
            RequestStatus.MET,
            RequestStatus.ORIENTED,
            RequestStatus.CLOSED,
            RequestStatus.WITHDRAWN,
        },
        RequestStatus.MET: {RequestStatus.ORIENTED, RequestStatus.CLOSED, RequestStatus.WITHDRAWN},
        RequestStatus.ORIENTED: {RequestStatus.MET, RequestStatus.CLOSED, RequestStatus.WITHDRAWN},
        RequestStatus.CLOSED: set(),
        RequestStatus.WITHDRAWN: set(),
        RequestStatus.SPAM: set(),
    },
)

ASSIGNED_STATUSES = (
    RequestStatus.CLAIMED,
    RequestStatus.IN_CONTACT,
    RequestStatus.MET,
    RequestStatus.ORIENTED,
)

__all__ = ["CONTENT_FIELDS", "ContentGateClosed"]


class ContentGatedQuerySet(models.QuerySet):
    """A queryset that refuses to load content fields outside the content gate (`referrals.content`)."""

    # The model's own content fields, when it is not the request (a message's text).
    content_names = ()

    def only(self, *fields):
        refuse_content(fields, self.content_names)
        return super().only(*fields)

    def defer(self, *fields):
        if fields == (None,) and not gate_is_open():
            raise ContentGateClosed("Le contenu des demandes se lit par referrals.content seulement.")
        return super().defer(*fields)

    def values(self, *fields, **expressions):
        if not fields and not expressions and not gate_is_open():
            raise ContentGateClosed(
                "values() sans champ chargerait le contenu des demandes : nommez les champs."
            )
        refuse_content(fields, self.content_names)
        return super().values(*fields, **expressions)

    def values_list(self, *fields, flat=False, named=False):
        if not fields and not gate_is_open():
            raise ContentGateClosed("values_list() sans champ chargerait le contenu : nommez les champs.")
        refuse_content(fields, self.content_names)
        return super().values_list(*fields, flat=flat, named=named)


class ContentGatedManager(models.Manager):
    """The default (and base) manager: content fields are deferred, always."""

    deferred_fields = ()

    def get_queryset(self):
        return super().get_queryset().defer(*self.deferred_fields)


def waiting_limit(now):
    """A new request created at this moment or before has waited too long: the reminder's delay
    (REQUEST_REMINDER_HOURS), after which the dashboards flag it as late."""
    return now - datetime.timedelta(hours=settings.REQUEST_REMINDER_HOURS)


class ContactRequestQuerySet(ContentGatedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def assigned_to(self, promeneur):
        return self.filter(assignee=promeneur)

    def pool_of(self, structure_id):
        """Requests of a structure that no promeneur has taken yet."""
        return self.filter(structure_id=structure_id, assignee__isnull=True, status=RequestStatus.NEW)

    def department_pool(self, department_ids):
        """Requests of the départements that wait for the coordination: sent to the département, or
        escalated there (unclaimed after 96 h, or 4 h when urgent) from a structure."""
        return self.filter(
            Q(structure__isnull=True) | Q(escalated_at__isnull=False),
            department_id__in=department_ids,
            assignee__isnull=True,
            status=RequestStatus.NEW,
        )

    def visible_to(self, user):
        """Requests whose metadata the user may see (`accounts.access.requests_visible_q`)."""
        if not access.is_active_user(user):
            return self.none()
        return self.filter(access.requests_visible_q(user))

    def urgent_first(self, *ordering):
        """Urgent requests first (design §3b.2), then `ordering`."""
        return self.order_by("-is_urgent", *ordering)


class ContactRequestManager(ContentGatedManager.from_queryset(ContactRequestQuerySet)):
    deferred_fields = CONTENT_FIELDS


class ContactRequest(models.Model):
    """A young person's request to be contacted by a promeneur."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(
        "référence", max_length=13, unique=True, default=new_reference, editable=False
    )

    # Target and routing
    target_kind = models.CharField("demande adressée à", max_length=10, choices=TargetKind.choices)
    target_promeneur = models.ForeignKey(
        "structures.Promeneur",
        verbose_name="promeneur·se choisi·e",
        on_delete=models.SET_NULL,
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
        related_name="contact_requests",
        help_text="La structure chargée de la demande ; vide tant qu’elle est dans le réseau départemental.",
    )
    department = models.ForeignKey(
        "structures.Department", verbose_name="département", on_delete=models.PROTECT, related_name="+"
    )
    rerouted = models.CharField(
        "réorientation automatique",
        max_length=200,
        blank=True,
        help_text="Pourquoi la demande n’est pas allée à la cible choisie.",
    )
    assignee = models.ForeignKey(
        "structures.Promeneur",
        verbose_name="prise en charge par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )

    # Metadata
    age_bracket = models.CharField("tranche d’âge", max_length=5, choices=AgeBracket.choices)
    commune = models.CharField("commune", max_length=100)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    themes = models.ManyToManyField("structures.Theme", verbose_name="thèmes", blank=True, related_name="+")
    channel = models.CharField("canal souhaité", max_length=10, choices=Channel.choices)
    network = models.CharField("réseau", max_length=12, choices=Network.choices, blank=True)
    is_urgent = models.BooleanField("urgent", default=False)
    status = models.CharField(
        "statut", max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    outcome = models.CharField("issue", max_length=20, choices=Outcome.choices, blank=True)
    consent_at = models.DateTimeField("consentement donné le")
    created_at = models.DateTimeField("reçue le", default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    erased_at = models.DateTimeField("contenu effacé le", null=True, blank=True)
    escalated_at = models.DateTimeField(
        "remontée à la coordination le",
        null=True,
        blank=True,
        help_text="Sans prise en charge à temps (96 h, ou 4 h si urgente) : dans la file du département.",
    )
    reassigned_at = models.DateTimeField(
        "confiée à un·e autre promeneur·se le",
        null=True,
        blank=True,
        help_text="Le lien de suivi du ou de la jeune le dit.",
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    # Content: readable only by the assignee (design §3).
    first_name = models.CharField("prénom ou pseudo", max_length=60, blank=True)
    handle = models.CharField("pseudo sur le réseau", max_length=100, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    message = models.TextField("message", max_length=2000, blank=True)

    # The short code that reopens the follow-up page with the reference (/suivi/): only its hash
    # is kept, the young person sees it once. Not content: it says nothing about them.
    access_code_hash = models.CharField("code de suivi (haché)", max_length=128, blank=True, editable=False)
    # "Est-ce que ça t’a aidé ?", answered on the follow-up page once the request is closed.
    helpfulness = models.CharField("ça a aidé ?", max_length=6, choices=Helpfulness.choices, blank=True)
    helpfulness_at = models.DateTimeField("réponse à « ça a aidé ? » le", null=True, blank=True)
    # "Signaler / bloquer" on a "Réponds-moi ici" conversation: the promeneur closed it for abuse.
    # The request is closed at the same time (outcome "hors du champ"); the coordination is told.
    conversation_blocked_at = models.DateTimeField(
        "conversation bloquée le",
        null=True,
        blank=True,
        help_text="Signalée et bloquée par le promeneur ou la promeneuse : plus aucun message possible.",
    )

    objects = ContactRequestManager()

    class Meta:
        verbose_name = "demande de contact"
        verbose_name_plural = "demandes de contact"
        ordering = ["created_at"]
        # Related objects (`log.request`, `orientation.request`) come through it too: deferred.
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.CLOSED) | ~Q(outcome=""), name="request_closed_has_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=ASSIGNED_STATUSES) | Q(assignee__isnull=False),
                name="request_in_progress_has_assignee",
            ),
            models.CheckConstraint(
                condition=Q(age_bracket__in=AgeBracket.values), name="request_age_bracket_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="request_status_created")]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("referrals:request_detail", kwargs={"uuid": self.uuid})

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def has_conversation(self):
        """Answered on the portal ("Réponds-moi ici"): the request carries a conversation."""
        return self.channel == Channel.PORTAL

    @property
    def conversation_is_open(self):
        """Messages can still be written: the request is open, not erased, the thread not blocked.
        Once closed, the young person still reads the thread until it is erased."""
        return (
            self.has_conversation
            and self.is_open
            and self.erased_at is None
            and self.conversation_blocked_at is None
        )

    def allowed_transitions(self):
        return TRANSITIONS[self.status]

    def can_read_content(self, user):
        """Only the promeneur the request is assigned to reads its content (`accounts.access`)."""
        return access.may_read_content(user, self)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # A deferred content field read on an instance lands here: refused outside the gate.
        if fields is not None:
            refuse_content(fields)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    def transition_to(self, status, *, by=None, outcome="", note=""):
        """Change the status along an allowed transition, and record it."""
        status = TRANSITIONS.check(self.status, status)
        if status == RequestStatus.CLOSED:
            if outcome not in Outcome.values:
                raise ValidationError("Indiquez l’issue de la demande pour la clore.")
            self.outcome = outcome
            self.closed_at = timezone.now()
        if status == RequestStatus.NEW:
            self.assignee = None
            self.claimed_at = None
        previous = self.status
        self.status = status
        self.save()
        RequestStatusChange.objects.create(
            request=self, from_status=previous, to_status=status, by=by, note=note
        )

    def erase_content(self):
        """Remove what the young person wrote and how to reach them; metadata stays."""
        for field in CONTENT_FIELDS:
            setattr(self, field, "")
        self.erased_at = timezone.now()
        self.notes.all().delete()
        # The conversation is content: it goes with the rest.
        self.thread_messages.all().delete()
        # The summaries are the promeneur's words about the young person: they go too, and
        # orientations still waiting for an answer are called off.
        self.orientations.filter(status=OrientationStatus.PROPOSED).update(status=OrientationStatus.CANCELLED)
        self.orientations.update(summary="")


class RequestStatusChange(models.Model):
    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField("de", max_length=12, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField("à", max_length=12, choices=RequestStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.CharField("précision", max_length=200, blank=True)
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.request} : {self.from_status} → {self.to_status}"


class RequestNoteQuerySet(ContentGatedQuerySet):
    pass


class RequestNoteManager(ContentGatedManager.from_queryset(RequestNoteQuerySet)):
    deferred_fields = ("text",)


class RequestNote(models.Model):
    """A private note of the assignee on a request (content: same confidentiality)."""

    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField("note", max_length=5000)
    created_at = models.DateTimeField("le", default=timezone.now)

    objects = RequestNoteManager()

    class Meta:
        verbose_name = "note interne"
        verbose_name_plural = "notes internes"
        ordering = ["created_at", "pk"]
        base_manager_name = "objects"

    def __str__(self):
        return f"Note sur {self.request.reference}"

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        if fields is not None and "text" in fields and not gate_is_open():
            raise ContentGateClosed("Les notes privées se lisent par referrals.content seulement.")
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class ConversationMessageQuerySet(ContentGatedQuerySet):
    content_names = ("text",)


class ConversationMessageManager(ContentGatedManager.from_queryset(ConversationMessageQuerySet)):
    deferred_fields = ("text",)


class ConversationMessage(models.Model):
    """A message of a "Réponds-moi ici" conversation (request content: read by the assignee only,
    through `referrals.content`, logged, erased with the request)."""

    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="thread_messages")
    author_kind = models.CharField("écrit par", max_length=10, choices=MessageAuthor.choices)
    # The professional who wrote it (none for the young person's messages).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField("message", max_length=2000)
    created_at = models.DateTimeField("le", default=timezone.now)

    objects = ConversationMessageManager()

    class Meta:
        verbose_name = "message de conversation"
        verbose_name_plural = "messages de conversation"
        ordering = ["created_at", "pk"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["request", "created_at"], name="thread_message_request")]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_kind__in=MessageAuthor.values), name="thread_message_author_valid"
            ),
        ]

    def __str__(self):
        return f"Message sur {self.request.reference}"

    @property
    def by_young_person(self):
        return self.author_kind == MessageAuthor.YOUNG_PERSON

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        if fields is not None and "text" in fields and not gate_is_open():
            raise ContentGateClosed("Les messages se lisent par referrals.content seulement.")
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


def orientation_structure_ids(user):
    """The structures whose orientations the user handles (`accounts.access`)."""
    return access.orientation_structure_ids(user)


# An orientation gets one answer, or expires, or is called off with its request: only a proposed
# one changes (orientation_answer, orientations_expire, ContactRequest.erase_content).
ORIENTATION_TRANSITIONS = StatusMachine(
    OrientationStatus,
    {
        OrientationStatus.PROPOSED: {
            OrientationStatus.ACCEPTED,
            OrientationStatus.DECLINED,
            OrientationStatus.EXPIRED,
            OrientationStatus.CANCELLED,
        },
        OrientationStatus.ACCEPTED: set(),
        OrientationStatus.DECLINED: set(),
        OrientationStatus.EXPIRED: set(),
        OrientationStatus.CANCELLED: set(),
    },
)


class OrientationQuerySet(models.QuerySet):
    def visible_to(self, user, structure_ids=None):
        """Orientations sent or received by the user's structures, or within their départements."""
        return self.filter(access.orientations_visible_q(user, structure_ids))

    def sent_by_structure(self, structure_ids):
        return self.filter(from_structure_id__in=structure_ids)

    def received_by_structure(self, structure_ids):
        return self.filter(to_structure_id__in=structure_ids)


class Orientation(models.Model):
    """A referral of a young person to another structure of the directory."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="orientations")
    from_structure = models.ForeignKey(
        "structures.Structure", on_delete=models.PROTECT, related_name="orientations_sent", verbose_name="de"
    )
    to_structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        related_name="orientations_received",
        verbose_name="vers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    summary = models.TextField(
        "résumé",
        max_length=2000,
        blank=True,
        help_text="Écrit par vous : jamais le message du ou de la jeune.",
    )
    young_person_agreed = models.BooleanField("accord du ou de la jeune")
    data_protection_commitment = models.BooleanField("engagement de protection des données")
    status = models.CharField(
        "statut", max_length=10, choices=OrientationStatus.choices, default=OrientationStatus.PROPOSED
    )
    decline_reason = models.CharField(
        "motif du refus", max_length=20, choices=DeclineReason.choices, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")

    objects = OrientationQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(young_person_agreed=True, data_protection_commitment=True),
                name="orientation_agreement_and_commitment",
            ),
            models.CheckConstraint(
                condition=~Q(status=OrientationStatus.DECLINED) | ~Q(decline_reason=""),
                name="orientation_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(from_structure=models.F("to_structure")), name="orientation_to_another_structure"
            ),
        ]

    def __str__(self):
        return f"{self.request.reference} → {self.to_structure.name}"


class AccessLog(models.Model):
    """Each display of a request's content: who, when, which reference — never the content."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    request = models.ForeignKey(
        ContactRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_logs"
    )
    reference = models.CharField("référence", max_length=13)
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "consultation d’une demande"
        verbose_name_plural = "journal des consultations"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.reference} lue par {self.user} le {french_datetime(self.at)}"
