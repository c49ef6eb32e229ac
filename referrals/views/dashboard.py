"""The dashboard of contact requests (design §2, §3, §5).

- Promeneurs: their inbox ("Mes demandes", and their structure's pool "À prendre en charge"), the
  request page, the claim, status changes and private notes.
- Referents: their structures' workload, reassignment, the access log.
- Coordinators: their départements' pool, workload per structure, dispatch.

Confidentiality: every request is fetched through a queryset scoped to the user
(`ContactRequest.objects.visible_to`, from `accounts.access`), which answers 404 for the others.
The request's managers never load the content fields; the request page reads them through the
content gate (`referrals.content.contact_request_read_content`), which checks that the user is the
assignee and logs the display in the access log.

Who sees what: CAF staff, superusers and moderators work in the Django admin, which shows
metadata; unless they also hold a promeneur, referent or coordinator role, every page here
answers 404 to them, as to any user without a role.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts import access
from promeneurs.pagination import paginate
from structures.enums import PromeneurStatus
from structures.models import Promeneur, Structure

from ..content import contact_request_read_content, conversation_read, related_content
from ..enums import OPEN_STATUSES, RequestStatus
from ..forms.conversation import ProfessionalMessageForm
from ..forms.dashboard import DispatchForm, NoteForm, ReassignForm, RequestFilterForm, StatusChangeForm
from ..models import ASSIGNED_STATUSES, AccessLog, ContactRequest, waiting_limit
from ..services import (
    ClaimError,
    ConversationRateLimited,
    contact_request_add_note,
    contact_request_change_status,
    contact_request_claim,
    contact_request_dispatch,
    contact_request_reassign,
    conversation_block,
    conversation_post_promeneur,
    conversation_state,
)
from .conversation import conversation_etag, conversation_response, poll_seconds

PAGE_SIZE = 20

TAB_MINE = "mes-demandes"
TAB_POOL = "a-prendre"


# --- Scoping helpers -------------------------------------------------------------------------------


labelled_promeneur = access.working_promeneur


def metadata_only(requests):
    """A list of requests as the dashboard shows them: metadata (the manager defers the content)."""
    return requests.select_related("assignee").prefetch_related("themes")


def get_request_for_user_or_404(user, uuid):
    """The request if the user may see its metadata (content is read through the gate), else 404."""
    queryset = ContactRequest.objects.visible_to(user)
    queryset = queryset.select_related("structure", "department", "assignee").prefetch_related("themes")
    try:
        return queryset.get(uuid=uuid)
    except ContactRequest.DoesNotExist:
        raise Http404("Demande introuvable.") from None


def get_claimable_request_or_404(promeneur, uuid):
    """A request the promeneur may try to claim: their structure's, or one addressed to them.

    Wider than `visible_to` on purpose: a request of the structure that a colleague took a moment
    ago answers "déjà prise en charge" rather than a puzzling 404. The service decides the rest.
    """
    queryset = ContactRequest.objects.filter(Q(structure_id=promeneur.structure_id) | Q(assignee=promeneur))
    try:
        return queryset.get(uuid=uuid)
    except ContactRequest.DoesNotExist:
        raise Http404("Demande introuvable.") from None


# --- Shared pieces ---------------------------------------------------------------------------------


def mark_waiting(requests, now):
    """Flag the new requests that have waited more than REQUEST_REMINDER_HOURS (in Python: no query)."""
    limit = waiting_limit(now)
    for contact_request in requests:
        contact_request.waiting_too_long = (
            contact_request.status == RequestStatus.NEW and contact_request.created_at <= limit
        )
    return requests


def filter_form(request, *, with_status=True):
    return RequestFilterForm(data=request.GET or None, with_status=with_status)


def is_filtered(request, form):
    return any(request.GET.get(name) for name in form.fields)


# --- Promeneurs: the inbox -------------------------------------------------------------------------


@require_safe
@never_cache
def inbox(request):
    user = request.user
    promeneur = labelled_promeneur(user)
    if promeneur is None:
        # Referents and coordinators without a promeneur profile have their own pages.
        if access.is_referent(user):
            return redirect("referrals:structure_workload")
        if access.is_coordinator(user):
            return redirect("referrals:department_pool")
        if access.is_promeneur(user):
            # A promeneur not (or no longer) labelled: say why there is nothing here.
            return render(
                request,
                "referrals/dashboard/inbox.html",
                {
                    "nav_current": "referrals:inbox",
                    "not_labelled": access.promeneur_profile(user),
                },
            )
        raise Http404("Pas de demandes pour ce compte.")

    now = timezone.now()
    tab = TAB_POOL if request.GET.get("onglet") == TAB_POOL else TAB_MINE
    visible = ContactRequest.objects.visible_to(user)
    mine = Q(assignee=promeneur)
    pool = Q(structure_id=promeneur.structure_id, assignee__isnull=True, status=RequestStatus.NEW)
    late = Q(status=RequestStatus.NEW, created_at__lte=waiting_limit(now))
    counts = visible.filter(mine | pool).aggregate(
        mine_open=Count("pk", filter=mine & Q(status__in=OPEN_STATUSES)),
        mine_late=Count("pk", filter=mine & late),
        pool=Count("pk", filter=pool),
        pool_late=Count("pk", filter=pool & late),
    )

    form = filter_form(request, with_status=tab == TAB_MINE)
    requests = visible.assigned_to(promeneur) if tab == TAB_MINE else visible.pool_of(promeneur.structure_id)
    requests = metadata_only(form.filter(requests)).urgent_first("created_at", "pk")
    pagination = paginate(request, requests, per_page=PAGE_SIZE)
    mark_waiting(pagination["page_obj"].object_list, now)

    context = {
        "nav_current": "referrals:inbox",
        "not_labelled": None,
        "promeneur": promeneur,
        "tab": tab,
        "tab_mine": TAB_MINE,
        "tab_pool": TAB_POOL,
        "counts": counts,
        "form": form,
        "filtered": is_filtered(request, form),
        "requests": pagination["page_obj"].object_list,
        "pagination": pagination,
        **pagination,
    }
    return render(request, "referrals/dashboard/inbox.html", context)


# --- The request page ------------------------------------------------------------------------------


permissions = access.request_permissions


BLOCK_CONFIRM_PARAM = "bloquer"


def conversation_permissions(user, contact_request, can):
    """Writing in, and blocking, a "Réponds-moi ici" conversation: the assignee of a request they
    took in charge, while the conversation is open."""
    active = (
        can["read"] and contact_request.conversation_is_open and contact_request.status in ASSIGNED_STATUSES
    )
    return {"write": active, "block": active}


def render_detail(
    request,
    contact_request,
    *,
    status_form=None,
    note_form=None,
    reassign_form=None,
    dispatch_form=None,
    message_form=None,
    status=200,
):
    user = request.user
    can = permissions(user, contact_request)
    content = None
    conversation = None
    if can["read"]:
        # The content is read only now, through the gate, for the assignee; the display is logged.
        content = contact_request_read_content(request=contact_request, user=user)
        note_form = note_form or NoteForm()
        if contact_request.has_conversation:
            may = conversation_permissions(user, contact_request, can)
            conversation = {
                "messages": content.thread,
                "etag": conversation_etag(conversation_state(contact_request), "promeneur"),
                "poll_url": reverse("referrals:conversation_poll", kwargs={"uuid": contact_request.uuid}),
                "poll_seconds": poll_seconds(),
                "can_write": may["write"],
                "can_block": may["block"],
                "confirm_block": may["block"] and BLOCK_CONFIRM_PARAM in request.GET,
                "form": (message_form or ProfessionalMessageForm()) if may["write"] else None,
            }
    if can["change_status"]:
        status_form = status_form or StatusChangeForm(contact_request=contact_request)
        if not status_form.has_choices:
            status_form = None
    if can["reassign"]:
        reassign_form = reassign_form or ReassignForm(contact_request=contact_request)
    if can["dispatch"]:
        dispatch_form = dispatch_form or DispatchForm(department_ids=access.coordinated_department_ids(user))
    mark_waiting([contact_request], timezone.now())
    context = {
        "nav_current": "referrals:inbox",
        "req": contact_request,
        "can": can,
        "themes": list(contact_request.themes.all()),
        "history": list(contact_request.history.select_related("by")),
        "content": content,
        "notes": content.notes if content is not None else [],
        "status_form": status_form if can["change_status"] else None,
        "note_form": note_form if can["read"] else None,
        "reassign_form": reassign_form if can["reassign"] else None,
        "dispatch_form": dispatch_form if can["dispatch"] else None,
        "conversation": conversation,
    }
    return render(request, "referrals/dashboard/request_detail.html", context, status=status)


@require_safe
@never_cache
def request_detail(request, uuid):
    contact_request = get_request_for_user_or_404(request.user, uuid)
    return render_detail(request, contact_request)


@require_POST
@never_cache
def claim(request, uuid):
    promeneur = labelled_promeneur(request.user)
    if promeneur is None:
        raise Http404("Demande introuvable.")
    contact_request = get_claimable_request_or_404(promeneur, uuid)
    try:
        contact_request_claim(request=contact_request, promeneur=promeneur, by=request.user)
    except ClaimError:
        contact_request.refresh_from_db(fields=["assignee", "status"])
        if contact_request.assignee_id == promeneur.pk:
            messages.info(request, f"Vous avez déjà pris en charge la demande {contact_request.reference}.")
            return redirect(contact_request)
        messages.error(
            request,
            f"La demande {contact_request.reference} a déjà été prise en charge par une autre personne : "
            "elle n’est plus dans la file de votre structure.",
        )
        return redirect("referrals:inbox")
    except PermissionDenied:
        # Not a pool request of the promeneur's structure (a département pool request, say).
        raise Http404("Demande introuvable.") from None
    messages.success(
        request,
        f"Vous avez pris en charge la demande {contact_request.reference}. "
        "Vous êtes désormais la seule personne à pouvoir lire son contenu.",
    )
    return redirect(contact_request)


@require_POST
@never_cache
def change_status(request, uuid):
    contact_request = get_request_for_user_or_404(request.user, uuid)
    if not permissions(request.user, contact_request)["change_status"]:
        raise PermissionDenied
    form = StatusChangeForm(data=request.POST, contact_request=contact_request)
    if form.is_valid():
        status = RequestStatus(form.cleaned_data["statut"])
        try:
            contact_request_change_status(
                request=contact_request, status=status, by=request.user, outcome=form.cleaned_data["issue"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if status == RequestStatus.NEW:
                messages.success(
                    request,
                    f"La demande {contact_request.reference} est de nouveau dans la file de votre structure.",
                )
                return redirect("referrals:inbox")
            messages.success(
                request, f"Statut de la demande {contact_request.reference} : « {status.label} »."
            )
            return redirect(contact_request)
    return render_detail(request, contact_request, status_form=form)


@require_POST
@never_cache
def add_note(request, uuid):
    contact_request = get_request_for_user_or_404(request.user, uuid)
    if not access.may_read_content(request.user, contact_request):
        raise PermissionDenied
    form = NoteForm(data=request.POST)
    if form.is_valid():
        try:
            contact_request_add_note(
                request=contact_request, author=request.user, text=form.cleaned_data["texte"]
            )
        except ValidationError as error:
            form.add_error("texte", error)
        else:
            messages.success(request, "Votre note est enregistrée.")
            return redirect(reverse("referrals:request_detail", kwargs={"uuid": uuid}) + "#notes")
    return render_detail(request, contact_request, note_form=form)


@require_POST
@never_cache
def reassign(request, uuid):
    contact_request = get_request_for_user_or_404(request.user, uuid)
    if not permissions(request.user, contact_request)["reassign"]:
        raise PermissionDenied
    form = ReassignForm(data=request.POST, contact_request=contact_request)
    if form.is_valid():
        promeneur = form.cleaned_data["promeneur"]
        try:
            contact_request_reassign(
                request=contact_request,
                promeneur=promeneur,
                by=request.user,
                reason=form.cleaned_data["motif"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"La demande {contact_request.reference} est confiée à {promeneur}.")
            return redirect(contact_request)
    return render_detail(request, contact_request, reassign_form=form)


@require_POST
@never_cache
def dispatch(request, uuid):
    contact_request = get_request_for_user_or_404(request.user, uuid)
    if not access.is_coordinator(request.user, contact_request.department_id):
        raise PermissionDenied
    if not permissions(request.user, contact_request)["dispatch"]:
        # Dispatched or taken a moment ago (by another coordinator, say).
        messages.error(
            request,
            f"La demande {contact_request.reference} n’est plus dans la file du département : "
            "elle a déjà été confiée.",
        )
        return redirect("referrals:department_pool")
    form = DispatchForm(data=request.POST, department_ids=access.coordinated_department_ids(request.user))
    if form.is_valid():
        target = form.cleaned_data["promeneur"] or form.cleaned_data["structure"]
        try:
            contact_request_dispatch(
                request=contact_request,
                by=request.user,
                structure=form.cleaned_data["structure"],
                promeneur=form.cleaned_data["promeneur"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            label = target.name if isinstance(target, Structure) else str(target)
            messages.success(request, f"La demande {contact_request.reference} est confiée à {label}.")
            return redirect("referrals:department_pool")
    return render_detail(request, contact_request, dispatch_form=form)


# --- "Réponds-moi ici": the conversation, for its assignee -----------------------------------------


def _conversation_request_or_404(user, uuid):
    """The request if the user is its assignee, able to read it, and it has a conversation; else 404
    (referents, coordinators, colleagues, staff: the conversation does not exist for them)."""
    contact_request = get_request_for_user_or_404(user, uuid)
    if not contact_request.has_conversation or not access.may_read_content(user, contact_request):
        raise Http404("Demande introuvable.")
    return contact_request


@require_POST
@never_cache
def conversation_post(request, uuid):
    contact_request = _conversation_request_or_404(request.user, uuid)
    form = ProfessionalMessageForm(data=request.POST)
    status = 400
    if form.is_valid():
        try:
            conversation_post_promeneur(
                request=contact_request, by=request.user, text=form.cleaned_data["texte"]
            )
        except ConversationRateLimited as error:
            form.add_error("texte", error)
            status = 429
        except ValidationError as error:
            form.add_error("texte", error)
            status = 409
        else:
            messages.success(request, "Votre réponse est envoyée.")
            return redirect(reverse("referrals:request_detail", kwargs={"uuid": uuid}) + "#conversation")
    contact_request.refresh_from_db(fields=["status", "conversation_blocked_at", "erased_at"])
    return render_detail(request, contact_request, message_form=form, status=status)


@require_POST
@never_cache
def conversation_block_view(request, uuid):
    contact_request = _conversation_request_or_404(request.user, uuid)
    try:
        conversation_block(request=contact_request, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"La conversation de la demande {contact_request.reference} est bloquée et la demande close. "
            "La coordination du département en est informée (sans le contenu).",
        )
    return redirect(reverse("referrals:request_detail", kwargs={"uuid": uuid}) + "#conversation")


@require_safe
@never_cache
def conversation_poll(request, uuid):
    """The messages of the conversation, for the page's live view: 304 while nothing changed (no
    content read, no log line), else the fragment, read through the gate and logged."""
    contact_request = _conversation_request_or_404(request.user, uuid)
    return conversation_response(
        request,
        contact_request,
        state=conversation_state(contact_request),
        read=lambda: conversation_read(request=contact_request, user=request.user),
        viewer="promeneur",
    )


# --- Referents -------------------------------------------------------------------------------------


def structure_counts(now):
    """Per structure: its pool, its new requests waiting too long, the oldest one, its open requests."""
    new = Q(contact_requests__status=RequestStatus.NEW)
    return {
        "open_count": Count("contact_requests", filter=Q(contact_requests__status__in=OPEN_STATUSES)),
        "pool_size": Count("contact_requests", filter=new & Q(contact_requests__assignee__isnull=True)),
        "late_count": Count(
            "contact_requests", filter=new & Q(contact_requests__created_at__lte=waiting_limit(now))
        ),
        "oldest_waiting": Min("contact_requests__created_at", filter=new),
    }


@require_safe
@never_cache
def structure_workload(request):
    user = request.user
    structure_ids = access.referent_structure_ids(user)
    if not structure_ids:
        raise Http404("Page réservée aux référent·es de structure.")
    now = timezone.now()
    structures = list(
        Structure.objects.filter(pk__in=structure_ids)
        .annotate(**structure_counts(now))
        .order_by("name", "pk")
    )
    by_status = {
        f"n_{status}": Count("assigned_requests", filter=Q(assigned_requests__status=status))
        for status in OPEN_STATUSES
    }
    promeneurs = (
        Promeneur.objects.filter(structure_id__in=structure_ids)
        .annotate(
            n_open=Count("assigned_requests", filter=Q(assigned_requests__status__in=OPEN_STATUSES)),
            oldest_open=Min(
                "assigned_requests__created_at", filter=Q(assigned_requests__status__in=OPEN_STATUSES)
            ),
            **by_status,
        )
        # Labelled promeneurs, and the others as long as requests wait on them.
        .filter(Q(status=PromeneurStatus.LABELLED) | Q(n_open__gt=0))
        .order_by("first_name", "pk")
    )
    for structure in structures:
        structure.workload = []
        structure.waiting_too_long = structure.late_count > 0
    by_id = {structure.pk: structure for structure in structures}
    for promeneur in promeneurs:
        by_id[promeneur.structure_id].workload.append(promeneur)

    form = filter_form(request)
    requests = ContactRequest.objects.visible_to(user).filter(structure_id__in=structure_ids)
    requests = metadata_only(form.filter(requests)).urgent_first("created_at", "pk")
    pagination = paginate(request, requests, per_page=PAGE_SIZE)
    mark_waiting(pagination["page_obj"].object_list, now)
    context = {
        "nav_current": "referrals:structure_workload",
        "structures": structures,
        "open_statuses": [RequestStatus(s) for s in OPEN_STATUSES],
        "form": form,
        "filtered": is_filtered(request, form),
        "requests": pagination["page_obj"].object_list,
        "pagination": pagination,
        **pagination,
    }
    return render(request, "referrals/dashboard/structure_workload.html", context)


@require_safe
@never_cache
def access_log(request):
    user = request.user
    structure_ids = access.referent_structure_ids(user)
    if not structure_ids:
        raise Http404("Page réservée aux référent·es de structure.")
    logs = (
        AccessLog.objects.filter(structure_id__in=structure_ids)
        .select_related("user", "structure", "request")
        .defer(*related_content("request"))
        .order_by("-at", "-pk")
    )
    pagination = paginate(request, logs, per_page=PAGE_SIZE)
    for log in pagination["page_obj"].object_list:
        # A link only where the referent can open the request (still in one of their structures).
        log.link = (
            log.request.get_absolute_url()
            if log.request is not None and log.request.structure_id in structure_ids
            else ""
        )
    context = {
        "nav_current": "referrals:access_log",
        "logs": pagination["page_obj"].object_list,
        "several_structures": len(structure_ids) > 1,
        "pagination": pagination,
        **pagination,
    }
    return render(request, "referrals/dashboard/access_log.html", context)


# --- Coordinators ----------------------------------------------------------------------------------


@require_safe
@never_cache
def department_pool(request):
    user = request.user
    department_ids = access.coordinated_department_ids(user)
    if not department_ids:
        raise Http404("Page réservée à la coordination départementale.")
    now = timezone.now()
    pool = ContactRequest.objects.visible_to(user).department_pool(department_ids)
    counts = pool.aggregate(total=Count("pk"), late=Count("pk", filter=Q(created_at__lte=waiting_limit(now))))
    form = filter_form(request, with_status=False)
    requests = metadata_only(form.filter(pool)).select_related("department").urgent_first("created_at", "pk")
    pagination = paginate(request, requests, per_page=PAGE_SIZE)
    mark_waiting(pagination["page_obj"].object_list, now)

    structures = (
        Structure.objects.filter(department_id__in=department_ids)
        .annotate(
            **structure_counts(now),
            has_promeneurs=Exists(Promeneur.objects.reachable().filter(structure=OuterRef("pk"))),
        )
        .filter(Q(open_count__gt=0) | Q(has_promeneurs=True))
        .select_related("department")
        .order_by("department__code", "name", "pk")
    )
    structure_pagination = paginate(request, structures, param="structures", per_page=PAGE_SIZE)
    for structure in structure_pagination["page_obj"].object_list:
        structure.waiting_too_long = structure.late_count > 0
    context = {
        "nav_current": "referrals:department_pool",
        "counts": counts,
        "form": form,
        "filtered": is_filtered(request, form),
        "requests": pagination["page_obj"].object_list,
        "pagination": pagination,
        **pagination,
        "structures": structure_pagination["page_obj"].object_list,
        "structure_pagination": structure_pagination,
    }
    return render(request, "referrals/dashboard/department_pool.html", context)
