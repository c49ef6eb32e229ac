"""The public side of contact requests: the form, its acknowledgment and the follow-up link.

The young person makes the first move (design §1). Nothing here shows what they wrote or how to
reach them once it is sent (design §3): the acknowledgment and follow-up pages show metadata only.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import access
from promeneurs import antispam, public_cache
from promeneurs.captcha import REFRESH_FIELD
from promeneurs.public_cache import public_form_page
from promeneurs.typography import french_number
from referrals.access_codes import attempt_failed, attempts_exhausted, code_matches, hash_code
from referrals.content import conversation_read_for_young_person
from referrals.enums import Helpfulness, RequestStatus, TargetKind
from referrals.forms.conversation import YoungPersonMessageForm
from referrals.forms.follow_up import FollowUpLookupForm, HelpfulnessForm
from referrals.forms.public import MESSAGE_MAX_LENGTH, ContactForm
from referrals.models import ContactRequest
from referrals.presence import next_slot_in_words
from referrals.services import (
    ConversationRateLimited,
    contact_request_answer_helpfulness,
    contact_request_issue_access_code,
    contact_request_submit,
    contact_request_withdraw,
    conversation_post_young_person,
    conversation_state,
)
from referrals.views.conversation import conversation_etag, conversation_response, poll_seconds
from structures.models import Absence, Promeneur, Structure
from structures.reachability import is_reachable

logger = logging.getLogger(__name__)

ANTISPAM_SCOPE = "contact"
FOLLOW_UP_SALT = "referrals.follow_up"
WITHDRAW_CONFIRM_PARAM = "retirer"
# The follow-up code waits in the visitor's session between the form and the acknowledgment, which
# shows it once and forgets it.
ACCESS_CODE_SESSION_KEY = "referrals.access_code.{}"
WRONG_CODE_MESSAGE = (
    "Cette référence et ce code ne vont pas ensemble. Vérifie-les, ou ouvre ton lien de suivi "
    "si tu l’as gardé."
)
TOO_MANY_ATTEMPTS_MESSAGE = (
    "Trop d’essais pour cette référence ou depuis cette connexion : réessaie dans une heure, ou ouvre "
    "ton lien de suivi. Si c’est urgent, appelle l’un des numéros d’urgence ci-dessous."
)


# --- The follow-up token ------------------------------------------------------------------------


def follow_up_token(contact_request):
    """The signed, salted token of a request's follow-up link (valid FOLLOW_UP_LINK_DAYS days)."""
    return signing.TimestampSigner(salt=FOLLOW_UP_SALT).sign(contact_request.uuid.hex)


def request_for_token(token):
    """(request, expired): the request of a genuine, unexpired token, else (None, whether it expired)."""
    max_age = datetime.timedelta(days=settings.FOLLOW_UP_LINK_DAYS)
    try:
        value = signing.TimestampSigner(salt=FOLLOW_UP_SALT).unsign(token, max_age=max_age)
        request_uuid = uuid.UUID(hex=value)
    except signing.SignatureExpired:
        return None, True
    except (signing.BadSignature, ValueError):
        return None, False
    contact_request = (
        ContactRequest.objects.select_related(
            "assignee__structure", "assignee__user", "structure", "department"
        )
        .filter(uuid=request_uuid)
        .first()
    )
    return contact_request, False


def invalid_link(request, *, expired):
    """A clear page, answered 404, for a follow-up link that is unknown, damaged or too old."""
    return render(
        request,
        "referrals/follow_up_invalid.html",
        {"expired": expired, "link_days": settings.FOLLOW_UP_LINK_DAYS},
        status=404,
    )


# --- Presence, in words -------------------------------------------------------------------------


def _with_presence(promeneurs, now):
    return promeneurs.prefetch_related(
        "presence_slots",
        Prefetch("absences", queryset=Absence.objects.filter(ends_on__gte=timezone.localdate(now))),
    )


def _presence(promeneurs, now):
    """(someone online now, the earliest next slot in words or None) of these promeneurs."""
    if any(p.is_online_at(now) for p in promeneurs):
        return True, None
    starts = [s for s in (p.next_slot_after(now) for p in promeneurs) if s is not None]
    return False, (next_slot_in_words(min(starts), now) if starts else None)


# --- The form -----------------------------------------------------------------------------------


def _contact_form(request, *, target_kind, promeneur=None, structure=None):
    ask_department = target_kind == TargetKind.DEPARTMENT
    target_structure = promeneur.structure if promeneur is not None else structure
    form = ContactForm(data=request.POST if request.method == "POST" else None, ask_department=ask_department)
    notice, guidance, status = "", None, 200

    if form.is_bound and REFRESH_FIELD in request.POST:
        # "Nouveau défi": the same answers, a new challenge, no checking yet.
        form = ContactForm(initial=form.redisplay_initial(), ask_department=ask_department)
        notice = "Voici un nouveau mot. Ta demande n’est pas encore envoyée."
    elif form.is_bound:
        limited = antispam.rate_limit_reached(request, ANTISPAM_SCOPE)
        valid = form.is_valid()
        guidance = form.age_out_of_range
        if guidance:
            # Nothing is stored; the answers stay in the form in case the age was a slip.
            form = ContactForm(initial=form.redisplay_initial(), ask_department=ask_department)
        elif valid and not limited:
            try:
                contact_request = contact_request_submit(
                    target_kind=target_kind,
                    department=form.department if ask_department else target_structure.department,
                    data=form.request_data(),
                    themes=form.cleaned_data["themes"],
                    target_promeneur=promeneur,
                    target_structure=structure,
                )
            except ValidationError:
                logger.exception("A valid contact form was refused by contact_request_submit.")
                form.add_error(
                    None,
                    "Ta demande n’a pas pu être enregistrée. Vérifie tes réponses et envoie-la à nouveau ; "
                    "si c’est urgent, appelle l’un des numéros d’urgence ci-dessous.",
                )
            else:
                antispam.rate_limit_record(request, ANTISPAM_SCOPE)
                code = contact_request_issue_access_code(request=contact_request)
                request.session[ACCESS_CODE_SESSION_KEY.format(contact_request.uuid.hex)] = code
                return redirect("referrals:acknowledgment", token=follow_up_token(contact_request))
        if limited and not guidance:
            form.add_error(None, antispam.RATE_LIMIT_MESSAGE)
            status = 429
        form.prepare_redisplay()

    if promeneur is not None:
        page_title = f"Demander à être contacté·e par {promeneur.first_name}"
    elif structure is not None:
        page_title = f"Demander à être contacté·e par {structure.name}"
    else:
        page_title = "Demander à être contacté·e par un promeneur ou une promeneuse"
    context = {
        "page_title": page_title,
        "form": form,
        "target_kind": target_kind,
        "promeneur": promeneur,
        "structure": structure,
        "notice": notice,
        "guidance": guidance,
        # Urgent and not sent yet, or not of the programme's age: the emergency numbers come first.
        # Refused by the rate limit: what they typed stays, and the emergency numbers come first.
        "urgent_first": bool(guidance)
        or status == 429
        or (form.is_bound and bool(form.errors) and form.is_urgent()),
        "retention_months": settings.REQUEST_RETENTION_MONTHS,
        "message_max_length": french_number(MESSAGE_MAX_LENGTH),
    }
    version = public_cache.reference_version()
    if request.method == "GET" and not form.is_bound and version is not None:
        # The empty form, the same on each contact page but for the département asked: rendered
        # once per process and version of its lists (départements, themes).
        def render_empty_form():
            empty = ContactForm(ask_department=ask_department)
            return render_to_string(
                "referrals/_contact_form.html",
                {**context, **public_cache.UNBOUND_FORM_CONTEXT, "form": empty},
            )

        context["contact_form_html"] = public_cache.unbound_form_html(
            ("contact", ask_department, version), render_empty_form
        )
    now = timezone.now()
    if promeneur is not None:
        context["reachable"] = is_reachable(promeneur)
        context["structure_reachable"] = (
            Promeneur.objects.reachable().filter(structure_id=promeneur.structure_id).exists()
        )
        context["online_now"], context["next_slot"] = _presence([promeneur], now)
    elif structure is not None:
        promeneurs = list(_with_presence(Promeneur.objects.reachable().filter(structure=structure), now))
        context["has_promeneurs"] = bool(promeneurs)
        context["online_now"], context["next_slot"] = _presence(promeneurs, now)
    return render(request, "referrals/contact.html", context, status=status)


@login_not_required
@never_cache  # a one-time CAPTCHA and a CSRF token: no browser or proxy keeps the page
@require_http_methods(["GET", "HEAD", "POST"])
@public_form_page(areas=("annuaire",))
def contact(request):
    """/contact/: the young person says where they live; the département's network answers."""
    return _contact_form(request, target_kind=TargetKind.DEPARTMENT)


@login_not_required
@never_cache  # a one-time CAPTCHA and a CSRF token: no browser or proxy keeps the page
@require_http_methods(["GET", "HEAD", "POST"])
@public_form_page(areas=("annuaire",))
def contact_promeneur(request, slug):
    now = timezone.now()
    promeneur = get_object_or_404(
        _with_presence(Promeneur.objects.public().select_related("structure__department", "user"), now),
        slug=slug,
    )
    return _contact_form(request, target_kind=TargetKind.PROMENEUR, promeneur=promeneur)


@login_not_required
@never_cache  # a one-time CAPTCHA and a CSRF token: no browser or proxy keeps the page
@require_http_methods(["GET", "HEAD", "POST"])
@public_form_page(areas=("annuaire",))
def contact_structure(request, slug):
    structure = get_object_or_404(Structure.objects.public().select_related("department"), slug=slug)
    return _contact_form(request, target_kind=TargetKind.STRUCTURE, structure=structure)


# --- After sending ------------------------------------------------------------------------------


def assignee_can_read(contact_request):
    """Whether the request's assignee can read it now: the pages never say "X a reçu ta demande"
    or "prise en charge par X" otherwise (a promeneur suspended or gone since, say)."""
    assignee = contact_request.assignee
    return assignee is not None and access.working_promeneur(assignee.user) == assignee


def _next_step(contact_request, now):
    """What happens next, as the acknowledgment and the follow-up pages say it."""
    if contact_request.assignee_id is not None and assignee_can_read(contact_request):
        assignee = _with_presence(Promeneur.objects.filter(pk=contact_request.assignee_id), now).get()
        online_now, next_slot = _presence([assignee], now)
        return {"kind": TargetKind.PROMENEUR, "online_now": online_now, "next_slot": next_slot}
    if contact_request.structure_id is not None:
        promeneurs = list(
            _with_presence(
                Promeneur.objects.reachable().filter(structure_id=contact_request.structure_id), now
            )
        )
        online_now, next_slot = _presence(promeneurs, now)
        return {"kind": TargetKind.STRUCTURE, "online_now": online_now, "next_slot": next_slot}
    return {"kind": TargetKind.DEPARTMENT}


def _link_expires_on(contact_request):
    """The last day of the follow-up link, which was made when the request was sent."""
    return timezone.localdate(
        contact_request.created_at + datetime.timedelta(days=settings.FOLLOW_UP_LINK_DAYS)
    )


def _follow_up_url(request, token):
    return request.build_absolute_uri(reverse("referrals:follow_up", kwargs={"token": token}))


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def acknowledgment(request, token):
    contact_request, expired = request_for_token(token)
    if contact_request is None:
        return invalid_link(request, expired=expired)
    now = timezone.now()
    return render(
        request,
        "referrals/acknowledgment.html",
        {
            "contact_request": contact_request,
            "next_step": _next_step(contact_request, now) if contact_request.is_open else None,
            "status_in_words": status_in_words(contact_request),
            "follow_up_url": _follow_up_url(request, token),
            "follow_up_path": reverse("referrals:follow_up", kwargs={"token": token}),
            "link_days": settings.FOLLOW_UP_LINK_DAYS,
            "link_expires_on": _link_expires_on(contact_request),
            # Shown on the first display only: a reload no longer has it.
            "access_code": request.session.pop(
                ACCESS_CODE_SESSION_KEY.format(contact_request.uuid.hex), None
            ),
        },
    )


def status_in_words(contact_request):
    """ "reçue", "prise en charge par Prénom — Structure", "close", "retirée"."""
    status = contact_request.status
    if status == RequestStatus.NEW:
        return "reçue"
    if status == RequestStatus.WITHDRAWN:
        return "retirée"
    if status in (RequestStatus.CLOSED, RequestStatus.SPAM):
        return "close"
    if not assignee_can_read(contact_request):
        return "prise en charge"
    return f"prise en charge par {contact_request.assignee}"


def _conversation_context(contact_request, token, message_form=None):
    """The "Réponds-moi ici" conversation of the follow-up page, or None."""
    if not contact_request.has_conversation or contact_request.is_erased:
        return None
    return {
        "messages": conversation_read_for_young_person(request=contact_request),
        "etag": conversation_etag(conversation_state(contact_request), "jeune"),
        "poll_url": reverse("referrals:follow_up_conversation_poll", kwargs={"token": token}),
        "poll_seconds": poll_seconds(),
        "form": (message_form or YoungPersonMessageForm()) if contact_request.conversation_is_open else None,
    }


def render_follow_up(request, contact_request, token, *, withdraw_error="", message_form=None, status=200):
    now = timezone.now()
    erase_closed = contact_request.status == RequestStatus.CLOSED and not contact_request.is_erased
    can_withdraw = erase_closed or RequestStatus.WITHDRAWN in contact_request.allowed_transitions()
    return render(
        request,
        "referrals/follow_up.html",
        {
            "contact_request": contact_request,
            "status_in_words": status_in_words(contact_request),
            "next_step": _next_step(contact_request, now)
            if contact_request.status == RequestStatus.NEW
            else None,
            "assignee_can_read": assignee_can_read(contact_request),
            "can_withdraw": can_withdraw,
            "erase_closed": erase_closed,
            "confirm_withdrawal": can_withdraw and WITHDRAW_CONFIRM_PARAM in request.GET,
            "withdraw_error": withdraw_error,
            "retention_months": settings.REQUEST_RETENTION_MONTHS,
            "follow_up_url": _follow_up_url(request, token),
            "follow_up_path": reverse("referrals:follow_up", kwargs={"token": token}),
            "link_expires_on": _link_expires_on(contact_request),
            "token": token,
            "helpfulness_form": HelpfulnessForm(initial={"answer": contact_request.helpfulness or None})
            if contact_request.status == RequestStatus.CLOSED
            else None,
            "helpfulness_label": Helpfulness(contact_request.helpfulness).label.lower()
            if contact_request.helpfulness
            else "",
            "conversation": _conversation_context(contact_request, token, message_form),
        },
        status=status,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_up(request, token):
    contact_request, expired = request_for_token(token)
    if contact_request is None:
        return invalid_link(request, expired=expired)
    withdraw_error = ""
    if request.method == "POST":
        try:
            contact_request_withdraw(request=contact_request)
        except ValidationError:
            contact_request.refresh_from_db()
            withdraw_error = "Cette demande a déjà été retirée ou effacée : il n’y a plus rien à effacer."
        else:
            return redirect("referrals:follow_up", token=token)
    return render_follow_up(
        request, contact_request, token, withdraw_error=withdraw_error, status=409 if withdraw_error else 200
    )


def _conversation_request_for_token(request, token):
    """(request, None) for a genuine link to a request with a conversation, else (None, a 404 page)."""
    contact_request, expired = request_for_token(token)
    if contact_request is None:
        return None, invalid_link(request, expired=expired)
    if not contact_request.has_conversation:
        return None, invalid_link(request, expired=False)
    return contact_request, None


@login_not_required
@never_cache
@require_http_methods(["POST"])
def follow_up_message(request, token):
    """The young person writes in their conversation, from the follow-up page."""
    contact_request, refusal = _conversation_request_for_token(request, token)
    if refusal is not None:
        return refusal
    form = YoungPersonMessageForm(data=request.POST)
    status = 400
    if form.is_valid():
        try:
            conversation_post_young_person(request=contact_request, text=form.cleaned_data["texte"])
        except ConversationRateLimited as error:
            form.add_error("texte", error)
            status = 429
        except ValidationError as error:
            form.add_error("texte", error)
            status = 409
        else:
            return redirect(reverse("referrals:follow_up", kwargs={"token": token}) + "#conversation")
    contact_request.refresh_from_db()
    return render_follow_up(request, contact_request, token, message_form=form, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def follow_up_conversation_poll(request, token):
    """The conversation's messages for the follow-up page's live view: 304 while nothing changed."""
    contact_request, refusal = _conversation_request_for_token(request, token)
    if refusal is not None:
        return refusal
    return conversation_response(
        request,
        contact_request,
        state=conversation_state(contact_request),
        read=lambda: conversation_read_for_young_person(request=contact_request),
        viewer="jeune",
    )


@login_not_required
@never_cache
@require_http_methods(["POST"])
def follow_up_helpfulness(request, token):
    """ "Est-ce que ça t’a aidé ?" on the follow-up page of a closed request."""
    contact_request, expired = request_for_token(token)
    if contact_request is None:
        return invalid_link(request, expired=expired)
    form = HelpfulnessForm(data=request.POST)
    if contact_request.status == RequestStatus.CLOSED and form.is_valid():
        contact_request_answer_helpfulness(request=contact_request, answer=form.cleaned_data["answer"])
    return redirect(reverse("referrals:follow_up", kwargs={"token": token}) + "#titre-avis")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@public_form_page
def follow_up_lookup(request):
    """/suivi/: the reference and the short code reopen the follow-up page."""
    form = FollowUpLookupForm(data=request.POST if request.method == "POST" else None)
    status, locked = 200, False
    if form.is_bound and form.is_valid():
        reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
        if attempts_exhausted(request, reference):
            form.add_error(None, TOO_MANY_ATTEMPTS_MESSAGE)
            status, locked = 429, True
        else:
            contact_request = (
                ContactRequest.objects.filter(reference=reference)
                # An anonymised request (closed or spam, then erased) is not reopened: the same
                # answer as an unknown reference, nothing about it.
                .exclude(erased_at__isnull=False, status__in=(RequestStatus.CLOSED, RequestStatus.SPAM))
                .only("pk", "uuid", "access_code_hash")
                .first()
            )
            if contact_request is not None and code_matches(code, contact_request.access_code_hash):
                return redirect("referrals:follow_up", token=follow_up_token(contact_request))
            if contact_request is None:
                hash_code(code)  # as long as a real check: the answer's delay says nothing
            attempt_failed(request, reference)
            form.add_error(None, WRONG_CODE_MESSAGE)
            status = 400
    elif form.is_bound:
        status = 400
    return render(request, "referrals/follow_up_lookup.html", {"form": form, "locked": locked}, status=status)
