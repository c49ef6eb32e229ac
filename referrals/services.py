"""Workflows of contact requests and orientations: each one atomic, each one recording its events."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from notifications.models import NotificationKind
from notifications.services import notification_record
from structures.enums import MembershipRole
from structures.models import Promeneur
from structures.reachability import is_reachable

from .access_codes import hash_code, new_code
from .content import contact_request_has_reply_address, related_content
from .enums import Channel, Helpfulness, MessageAuthor, OrientationStatus, Outcome, RequestStatus, TargetKind
from .models import (
    ASSIGNED_STATUSES,
    ORIENTATION_TRANSITIONS,
    AccessLog,
    ContactRequest,
    ConversationMessage,
    Orientation,
    RequestNote,
)

UNREACHABLE = (
    "Ce promeneur ou cette promeneuse n’est pas joignable aujourd’hui (compte inactif, pas labellisé·e, "
    "suspendu·e, parti·e ou absent·e) : choisissez quelqu’un d’autre."
)


class ClaimError(Exception):
    """The request was taken by someone else, or is no longer waiting."""


def _public_context(request):
    """What a notification may say about a request: its reference and themes, nothing else."""
    return {
        "request_id": request.pk,
        "reference": request.reference,
        "themes": [t.name for t in request.themes.all()],
        "is_urgent": request.is_urgent,
    }


def _structure_users(structure_id):
    """The accounts of the structure's promeneurs who can take a request today."""
    return [
        p.user for p in Promeneur.objects.reachable().filter(structure_id=structure_id).select_related("user")
    ]


def _coordinators(department_id):
    from accounts.models import User

    return list(User.objects.filter(is_active=True, coordinations__department_id=department_id).distinct())


def users_who_can_act_q(request, today=None) -> Q:
    """A Q() on User: everyone who can act on `request` now — take it (its assignee, or the
    reachable promeneurs of its structure) or hand it over (the referents of its structure, the
    coordinators of its département). An urgent request is notified to all of them at once."""
    if request.assignee_id is not None:
        take = Q(promeneur__pk=request.assignee_id)
    elif request.structure_id is not None:
        take = Q(promeneur__in=Promeneur.objects.reachable(today).filter(structure_id=request.structure_id))
    else:
        take = Q(pk__in=[])
    hand_over = Q(coordinations__department_id=request.department_id)
    if request.structure_id is not None:
        hand_over |= Q(
            structure_memberships__structure_id=request.structure_id,
            structure_memberships__role=MembershipRole.REFERENT,
        )
    return Q(is_active=True) & (take | hand_over)


def _everyone_who_can_act(request):
    from accounts.models import User

    return list(User.objects.filter(users_who_can_act_q(request)).distinct().order_by("pk"))


def _is_available_today(promeneur):
    return is_reachable(promeneur)


def contact_request_submit(
    *, target_kind, department, data, themes, target_promeneur=None, target_structure=None
):
    """Store a young person's request and route it: to the promeneur, the structure or the département.

    A chosen promeneur who is away or no longer labelled hands over to their structure's pool; a
    structure without a labelled promeneur hands over to the département's pool. The young person
    is told honestly (`rerouted`).
    """
    now = timezone.now()
    request = ContactRequest(
        target_kind=target_kind, department=department, consent_at=now, created_at=now, **data
    )
    if target_kind == TargetKind.PROMENEUR:
        request.target_promeneur = target_promeneur
        target_structure = target_promeneur.structure
        request.department = target_structure.department
        if _is_available_today(target_promeneur):
            request.structure = target_structure
            request.assignee = target_promeneur
        else:
            request.rerouted = (
                f"{target_promeneur.first_name} n’est pas disponible en ce moment : "
                f"ta demande est confiée à l’équipe de {target_structure.name}."
            )
    if target_kind in (TargetKind.PROMENEUR, TargetKind.STRUCTURE) and request.assignee is None:
        request.department = target_structure.department
        if Promeneur.objects.reachable().filter(structure=target_structure).exists():
            request.structure = target_structure
        else:
            request.rerouted = (
                f"{target_structure.name} n’a pas de promeneur ou promeneuse disponible : ta demande est "
                f"confiée au réseau des Promeneurs du Net du département ({request.department.name})."
            )
    request.full_clean(exclude=["themes"])
    with transaction.atomic():
        request.save()
        request.themes.set(themes)
        request.history.create(from_status="", to_status=RequestStatus.NEW, note=request.rerouted[:200])
        if request.is_urgent:
            # Urgent: everyone who can act, at once, whatever their preferences (design §3b.2).
            recipients = _everyone_who_can_act(request)
        elif request.assignee is not None:
            recipients = [request.assignee.user]
        elif request.structure_id is not None:
            recipients = _structure_users(request.structure_id)
        else:
            recipients = _coordinators(request.department_id)
        notification_record(
            kind=NotificationKind.REQUEST_NEW, recipients=recipients, context=_public_context(request)
        )
    return request


def contact_request_claim(*, request, promeneur, by):
    """Take a request: exactly one promeneur gets it, even when two click at the same moment."""
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status in (RequestStatus.WITHDRAWN, RequestStatus.SPAM):
            raise ClaimError("Cette demande n’est plus à prendre en charge : elle a été retirée ou écartée.")
        if locked.status != RequestStatus.NEW:
            raise ClaimError("Cette demande a déjà été prise en charge.")
        if locked.assignee_id is not None and locked.assignee_id != promeneur.pk:
            raise ClaimError("Cette demande a déjà été prise en charge.")
        if access.working_promeneur(by) != promeneur or not access.may_claim(by, locked):
            raise PermissionDenied
        locked.assignee = promeneur
        locked.claimed_at = timezone.now()
        locked.transition_to(RequestStatus.CLAIMED, by=by)
        # The young person is told, if they left an e-mail to be answered by: read when sending,
        # never copied. ("Réponds-moi ici" keeps its e-mail for "tu as une réponse" only.)
        notification_record(
            kind=NotificationKind.REQUEST_CLAIMED,
            young_person_request=locked
            if locked.channel == Channel.EMAIL and contact_request_has_reply_address(request_id=locked.pk)
            else None,
            context=_public_context(locked),
        )
    return locked


def contact_request_change_status(*, request, status, by, outcome=""):
    """The assignee moves the request along; closing needs an outcome.

    Taking a request goes through `contact_request_claim`, withdrawing through
    `contact_request_withdraw` (which erases the content): neither is a plain status change.
    """
    status = RequestStatus(status)
    if status in (RequestStatus.CLAIMED, RequestStatus.WITHDRAWN):
        raise ValidationError("Ce changement passe par la prise en charge ou par le retrait de la demande.")
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if not access.may_change_status(by, locked):
            raise PermissionDenied
        locked.transition_to(status, by=by, outcome=outcome)
    return locked


def contact_request_add_note(*, request, author, text):
    """A private note of the assignee. Notes follow the request: whoever takes it over next (and
    only them) reads them, as they read the request itself."""
    if not access.may_read_content(author, request):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError("La note est vide.")
    return RequestNote.objects.create(request=request, author=author, text=text)


def contact_request_withdraw(*, request):
    """The young person withdraws: the content is erased at once; metadata stays for statistics."""
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == RequestStatus.CLOSED and not locked.is_erased:
            # A closed request keeps its outcome for the statistics; its content goes at once.
            locked.erase_content()
            locked.save()
            locked.history.create(
                from_status=locked.status,
                to_status=locked.status,
                note="Contenu effacé depuis le lien de suivi",
            )
            return locked
        if RequestStatus.WITHDRAWN not in locked.allowed_transitions():
            raise ValidationError(
                "Cette demande a déjà été retirée ou effacée : il n’y a plus rien à effacer."
            )
        locked.erase_content()
        locked.transition_to(RequestStatus.WITHDRAWN, note="Retirée depuis le lien de suivi")
    return locked


def contact_request_reassign(*, request, promeneur, by, reason):
    """A referent (or a coordinator) gives the request to a promeneur of the same structure, with a
    reason kept in the history; the young person's follow-up page says it was passed on."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("Indiquez le motif de la réattribution.")
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if not access.may_hand_over(by, locked):
            raise PermissionDenied
        if not locked.is_open:
            raise ValidationError("Une demande close ne peut pas être réattribuée.")
        if not is_reachable(promeneur):
            raise ValidationError(UNREACHABLE)
        if locked.structure_id is not None and promeneur.structure_id != locked.structure_id:
            raise ValidationError("Choisissez un promeneur ou une promeneuse de la structure de la demande.")
        previous = locked.assignee
        locked.structure = promeneur.structure
        locked.department = promeneur.structure.department
        locked.assignee = promeneur
        if previous is not None:
            # Passed from one professional to another: the young person is told.
            locked.reassigned_at = timezone.now()
        locked.save()
        locked.history.create(
            from_status=locked.status,
            to_status=locked.status,
            by=by,
            note=f"Réattribuée de {previous or 'la file de la structure'} à {promeneur} — motif : {reason}"[
                :200
            ],
        )
        notification_record(
            kind=NotificationKind.REQUEST_REASSIGNED,
            recipients=[promeneur.user],
            context=_public_context(locked),
        )
    return locked


def contact_request_dispatch(*, request, by, structure=None, promeneur=None):
    """A coordinator sends a département pool request to a structure or to a promeneur."""
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if not access.is_coordinator(by, locked.department_id):
            raise PermissionDenied
        if not access.may_dispatch(by, locked):
            raise ValidationError(
                "Seule une demande en attente dans la file du département peut être confiée."
            )
        if promeneur is not None and structure is not None and promeneur.structure_id != structure.pk:
            raise ValidationError(
                "Choisissez une structure ou un promeneur de cette structure, pas les deux."
            )
        if promeneur is None and structure is None:
            raise ValidationError("Choisissez une structure ou un promeneur.")
        if promeneur is not None:
            if not is_reachable(promeneur):
                raise ValidationError(UNREACHABLE)
            locked.assignee = promeneur
            structure = promeneur.structure
            recipients = [promeneur.user]
        else:
            if (
                not structure.is_public
                or not Promeneur.objects.reachable().filter(structure=structure).exists()
            ):
                raise ValidationError(
                    "Cette structure n’a aujourd’hui aucun promeneur ou promeneuse joignable."
                )
            recipients = _structure_users(structure.pk)
        if locked.escalated_at is not None and (
            locked.structure_id != structure.pk
            or locked.target_promeneur_id not in (None, getattr(promeneur, "pk", None))
        ):
            # Escalated, then handed to someone else than the one the young person chose: they are told.
            locked.reassigned_at = timezone.now()
        locked.structure = structure
        locked.department = structure.department
        locked.escalated_at = None
        locked.save()
        locked.history.create(
            from_status=locked.status,
            to_status=locked.status,
            by=by,
            note=f"Confiée à {promeneur or structure.name}"[:200],
        )
        notification_record(
            kind=NotificationKind.REQUEST_DISPATCHED, recipients=recipients, context=_public_context(locked)
        )
    return locked


def access_log_record(*, user, request):
    return AccessLog.objects.create(
        user=user, request=request, reference=request.reference, structure_id=request.structure_id
    )


def orientation_create(
    *, request, by, to_structure, summary, young_person_agreed, data_protection_commitment
):
    """The assignee refers the young person to another structure, with their agreement."""
    promeneur = access.working_promeneur(by)
    if not access.is_assignee(by, request):
        raise PermissionDenied
    if not request.is_open or request.is_erased or request.status == RequestStatus.NEW:
        raise ValidationError("Seule une demande prise en charge et encore ouverte peut être orientée.")
    if not to_structure.is_public or to_structure.pk == promeneur.structure_id:
        raise ValidationError("Choisissez une autre structure de l’annuaire.")
    if request.orientations.filter(to_structure=to_structure, status=OrientationStatus.PROPOSED).exists():
        raise ValidationError("Une orientation vers cette structure attend déjà sa réponse.")
    now = timezone.now()
    orientation = Orientation(
        request=request,
        from_structure=promeneur.structure,
        to_structure=to_structure,
        created_by=by,
        summary=summary.strip(),
        young_person_agreed=young_person_agreed,
        data_protection_commitment=data_protection_commitment,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.ORIENTATION_LIFETIME_DAYS),
    )
    if not (young_person_agreed and data_protection_commitment):
        raise ValidationError(
            "L’accord du ou de la jeune et l’engagement de protection des données sont requis."
        )
    orientation.full_clean()
    with transaction.atomic():
        orientation.save()
        if (
            request.status != RequestStatus.ORIENTED
            and RequestStatus.ORIENTED in request.allowed_transitions()
        ):
            request.transition_to(
                RequestStatus.ORIENTED, by=by, note=f"Orientée vers {to_structure.name}"[:200]
            )
        recipients = _structure_users(to_structure.pk) + [
            m.user for m in to_structure.memberships.select_related("user")
        ]
        notification_record(
            kind=NotificationKind.ORIENTATION_RECEIVED,
            recipients=list({u.pk: u for u in recipients if u.is_active}.values()),
            context={"orientation_id": orientation.pk, "reference": request.reference},
        )
    return orientation


def orientation_answer(*, orientation, by, accept, reason=""):
    """The receiving structure accepts, or declines with a coded reason."""
    with transaction.atomic():
        locked = Orientation.objects.select_for_update().get(pk=orientation.pk)
        if not access.may_answer_orientation(by, locked):
            raise PermissionDenied
        if locked.status == OrientationStatus.PROPOSED and locked.expires_at <= timezone.now():
            raise ValidationError("Cette orientation a expiré : elle ne peut plus recevoir de réponse.")
        answer = OrientationStatus.ACCEPTED if accept else OrientationStatus.DECLINED
        if not ORIENTATION_TRANSITIONS.can(locked.status, answer):
            raise ValidationError("Cette orientation a déjà reçu une réponse.")
        if not accept and not reason:
            raise ValidationError("Indiquez le motif du refus.")
        locked.status = answer
        locked.decline_reason = "" if accept else reason
        locked.answered_by = by
        locked.answered_at = timezone.now()
        locked.full_clean()
        locked.save()
        notification_record(
            kind=NotificationKind.ORIENTATION_ACCEPTED if accept else NotificationKind.ORIENTATION_DECLINED,
            recipients=[locked.created_by],
            context={"orientation_id": locked.pk, "reference": locked.request.reference},
        )
    return locked


def orientations_expire(*, now=None):
    """Orientations unanswered for 30 days expire; their senders are told."""
    now = now or timezone.now()
    expired = []
    with transaction.atomic():
        for orientation in (
            Orientation.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("request", "created_by")
            .defer(*related_content("request"))
            .filter(status=OrientationStatus.PROPOSED, expires_at__lte=now)
        ):
            orientation.status = OrientationStatus.EXPIRED
            orientation.save(update_fields=["status"])
            notification_record(
                kind=NotificationKind.ORIENTATION_EXPIRED,
                recipients=[orientation.created_by],
                context={"orientation_id": orientation.pk, "reference": orientation.request.reference},
            )
            expired.append(orientation)
    return expired


def contact_request_issue_access_code(*, request) -> str:
    """Give the request a new short secret code for /suivi/ and return it (only its hash is kept)."""
    code = new_code()
    request.access_code_hash = hash_code(code)
    request.save(update_fields=["access_code_hash", "updated_at"])
    return code


def contact_request_answer_helpfulness(*, request, answer) -> None:
    """Record the young person's "Est-ce que ça t’a aidé ?" of a closed request (their last answer counts)."""
    if request.status != RequestStatus.CLOSED:
        raise ValidationError("On ne peut répondre qu’une fois la demande close.")
    if answer not in Helpfulness.values:
        raise ValidationError("Réponse inconnue.")
    request.helpfulness = answer
    request.helpfulness_at = timezone.now()
    request.save(update_fields=["helpfulness", "helpfulness_at", "updated_at"])


# --- "Réponds-moi ici": the conversation on the follow-up page ------------------------------------

CONVERSATION_MESSAGE_MAX_LENGTH = 2000
# At most this many messages from one side of a conversation within the window (checked under the
# request's row lock, from the messages themselves: exact, whatever the number of processes).
CONVERSATION_RATE_LIMIT = 10
CONVERSATION_RATE_WINDOW = datetime.timedelta(minutes=10)
CONVERSATION_CLOSED = "Cette conversation est fermée : il n’est plus possible d’y écrire."
CONVERSATION_TOO_FAST = (
    "Beaucoup de messages en peu de temps : attends quelques minutes avant d’écrire de nouveau. "
    "Ton texte est gardé ci-dessous."
)
CONVERSATION_TOO_FAST_PROFESSIONAL = (
    "Beaucoup de messages en peu de temps : attendez quelques minutes avant d’écrire de nouveau. "
    "Votre texte est gardé ci-dessous."
)


class ConversationRateLimited(ValidationError):
    """Too many messages from one side of a conversation in a short time."""


def conversation_state(request) -> str:
    """A short fingerprint of what a conversation shows: its messages (their number and the last
    one, never their text), the request's status, whether it is blocked or erased. The live view
    compares it (ETag) to answer "nothing new" without reading any content."""
    found = ConversationMessage.objects.filter(request_id=request.pk).aggregate(
        count=models.Count("pk"), last=models.Max("pk")
    )
    return "-".join(
        str(part)
        for part in (
            request.pk,
            found["count"],
            found["last"] or 0,
            request.status,
            int(request.conversation_blocked_at is not None),
            int(request.erased_at is not None),
        )
    )


def _conversation_text(text):
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError("Le message est vide.")
    if len(text) > CONVERSATION_MESSAGE_MAX_LENGTH:
        raise ValidationError(
            f"Un message compte au plus {CONVERSATION_MESSAGE_MAX_LENGTH} caractères ({len(text)} ici)."
        )
    return text


def _conversation_post(*, request, author_kind, text, by=None, too_fast):
    """Lock the request, check the conversation is open and the side not over its rate, store."""
    text = _conversation_text(text)
    now = timezone.now()
    locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.conversation_is_open:
        raise ValidationError(CONVERSATION_CLOSED)
    thread = ConversationMessage.objects.filter(request_id=locked.pk)
    recent = thread.filter(author_kind=author_kind, created_at__gte=now - CONVERSATION_RATE_WINDOW).count()
    if recent >= CONVERSATION_RATE_LIMIT:
        raise ConversationRateLimited(too_fast)
    previous = thread.order_by("-created_at", "-pk").values_list("author_kind", flat=True).first()
    message = ConversationMessage(
        request=locked, author_kind=author_kind, author=by, text=text, created_at=now
    )
    message.full_clean()
    message.save()
    # One notice per turn: the first message after the other side wrote (or the very first).
    return locked, message, previous != author_kind


def conversation_post_young_person(*, request, text):
    """The young person writes, from their follow-up page. Their assignee, if any, is told
    ("nouveau message sur PDN-…", no text), once per turn."""
    with transaction.atomic():
        locked, message, new_turn = _conversation_post(
            request=request,
            author_kind=MessageAuthor.YOUNG_PERSON,
            text=text,
            too_fast=CONVERSATION_TOO_FAST,
        )
        if new_turn and locked.assignee_id is not None:
            assignee = Promeneur.objects.select_related("user").get(pk=locked.assignee_id)
            if access.working_promeneur(assignee.user) == assignee:
                notification_record(
                    kind=NotificationKind.CONVERSATION_MESSAGE,
                    recipients=[assignee.user],
                    context=_public_context(locked),
                )
    return message


def conversation_post_promeneur(*, request, by, text):
    """The assignee answers in the dashboard. The first answer puts a claimed request "en
    contact"; the young person is told "tu as une réponse" (no text) if they left an e-mail."""
    with transaction.atomic():
        if not access.may_read_content(by, request):
            raise PermissionDenied
        if request.status not in ASSIGNED_STATUSES:
            raise ValidationError("Prenez la demande en charge avant d’y répondre.")
        locked, message, new_turn = _conversation_post(
            request=request,
            author_kind=MessageAuthor.PROMENEUR,
            text=text,
            by=by,
            too_fast=CONVERSATION_TOO_FAST_PROFESSIONAL,
        )
        if locked.status == RequestStatus.CLAIMED:
            locked.transition_to(RequestStatus.IN_CONTACT, by=by, note="Première réponse sur le site")
        if new_turn and contact_request_has_reply_address(request_id=locked.pk):
            notification_record(
                kind=NotificationKind.CONVERSATION_REPLY,
                young_person_request=locked,
                context={"request_id": locked.pk, "reference": locked.reference},
            )
    return message


def conversation_block(*, request, by):
    """ "Signaler / bloquer": the assignee closes the conversation for good (abuse, threats, spam).

    The request is closed with the outcome "hors du champ" and flagged `conversation_blocked_at`;
    its history says so; the coordinators of its département are told (the reference only). Its
    content stays readable by the assignee alone until it is anonymised, like any closed request.
    """
    with transaction.atomic():
        locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if not access.may_read_content(by, locked) or not locked.has_conversation:
            raise PermissionDenied
        if locked.conversation_blocked_at is not None:
            raise ValidationError("Cette conversation est déjà bloquée.")
        if locked.status not in ASSIGNED_STATUSES:
            raise ValidationError("Seule la conversation d’une demande prise en charge et ouverte se bloque.")
        locked.conversation_blocked_at = timezone.now()
        locked.transition_to(
            RequestStatus.CLOSED,
            by=by,
            outcome=Outcome.OUT_OF_SCOPE,
            note="Conversation signalée et bloquée par le promeneur ou la promeneuse",
        )
        notification_record(
            kind=NotificationKind.CONVERSATION_BLOCKED,
            recipients=_coordinators(locked.department_id),
            context={"request_id": locked.pk, "reference": locked.reference},
        )
    return locked
