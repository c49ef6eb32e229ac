"""Orientations: the assignee of a request refers the young person to another structure, which answers.

Who sees what (design §3, §7: what a user may not see answers 404):
- creating one: only the promeneur the request is assigned to;
- the sending side (labelled promeneurs and referents of the structure that sent it) and the
  receiving side (labelled promeneurs and referents of the target structure) see the orientation
  and its summary, with the request's metadata (reference, age bracket, commune, themes) — never
  the young person's message nor how to reach them. The receiving side accepts or declines;
- the coordinators of the département of either structure see the metadata, without the summary;
- anybody else — CAF staff and moderators included, who have the admin's metadata — gets a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from promeneurs.pagination import paginate
from structures.models import Promeneur

from .. import services
from ..content import contact_request_read_content, related_content
from ..enums import OrientationStatus, RequestStatus
from ..forms.orientations import OrientationAnswerForm, OrientationCreateForm
from ..models import ContactRequest, Orientation

PAGE_SIZE = 20
# The request's content is never shown with an orientation: it is not even loaded.
REQUEST_CONTENT = related_content("request")


def member_structure_ids(user):
    return access.orientation_structure_ids(user)


def orientations_visible_to(user, structure_ids=None):
    return Orientation.objects.visible_to(user, structure_ids)


def _with_display_data(orientations, now):
    """What the templates show of each orientation, computed without a query per row."""
    for orientation in orientations:
        author = orientation.created_by
        promeneur = getattr(author, "promeneur", None) if author is not None else None
        if promeneur is not None:
            orientation.sender_name = promeneur.display_name or promeneur.first_name
        else:
            orientation.sender_name = author.get_full_name() if author is not None else ""
        orientation.is_overdue = (
            orientation.status == OrientationStatus.PROPOSED and orientation.expires_at <= now
        )
        orientation.status_label = (
            OrientationStatus.EXPIRED.label if orientation.is_overdue else orientation.get_status_display()
        )
    return orientations


def _section(request, *, key, title, description, queryset, side, now):
    counts = dict(queryset.order_by().values_list("status").annotate(total=Count("pk")))
    pagination = paginate(
        request, queryset.order_by("-created_at", "-pk"), param=f"page_{key}", per_page=PAGE_SIZE
    )
    page_obj = pagination["page_obj"]
    return {
        "key": key,
        "title": title,
        "description": description,
        "side": side,
        "total": sum(counts.values()),
        "counts": [
            {"label": status.label, "value": counts.get(status.value, 0)}
            for status in OrientationStatus
            if counts.get(status.value)
        ],
        "orientations": _with_display_data(list(page_obj.object_list), now),
        "page_obj": page_obj,
        "pagination": pagination,
    }


@require_http_methods(["GET", "POST"])
def orientation_create(request, uuid):
    """The assignee refers the young person to another structure of the directory."""
    user = request.user
    contact_request = get_object_or_404(ContactRequest.objects.visible_to(user), uuid=uuid)
    promeneur = access.working_promeneur(user)
    if not access.is_assignee(user, contact_request):
        raise Http404

    # Once taken in charge and until closed; a request waiting to be claimed is claimed first.
    can_orient = access.may_orient(user, contact_request)
    if contact_request.status == RequestStatus.NEW:
        blocked = "Prenez d’abord cette demande en charge : vous pourrez ensuite orienter le ou la jeune."
    else:
        blocked = (
            f"Cette demande n’est plus ouverte ({contact_request.get_status_display().lower()}) : "
            "elle ne peut plus être orientée."
        )
    bound = request.method == "POST" and can_orient
    form = OrientationCreateForm(
        data=request.POST if bound else None,
        contact_request=contact_request,
        # The summary is checked against the young person's words: read through the gate (logged).
        content=contact_request_read_content(request=contact_request, user=user, with_notes=False)
        if bound
        else None,
        from_structure=promeneur.structure,
    )
    if form.is_bound and form.is_valid():
        try:
            orientation = services.orientation_create(
                request=contact_request,
                by=user,
                to_structure=form.cleaned_data["to_structure"],
                summary=form.cleaned_data["summary"],
                young_person_agreed=form.cleaned_data["young_person_agreed"],
                data_protection_commitment=form.cleaned_data["data_protection_commitment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            target = orientation.to_structure
            messages.success(
                request,
                f"L’orientation vers {target.name} est envoyée : la structure a 30 jours pour répondre.",
            )
            if not _has_receivers(target):
                messages.warning(
                    request,
                    f"Personne de {target.name} n’a encore de compte sur le portail : "
                    "prévenez la structure directement, sinon l’orientation expirera sans réponse.",
                )
            return redirect("referrals:orientation_detail", uuid=orientation.uuid)

    previous = _with_display_data(
        list(
            contact_request.orientations.select_related("to_structure", "created_by__promeneur").order_by(
                "-created_at", "-pk"
            )
        ),
        timezone.now(),
    )
    context = {
        "contact_request": contact_request,
        "themes": list(contact_request.themes.all()),
        "form": form,
        "can_orient": can_orient,
        "blocked_message": "" if can_orient else blocked,
        "previous_orientations": previous,
    }
    return render(request, "referrals/orientations/create.html", context)


def _has_receivers(structure):
    """Whether somebody of the structure can answer: a labelled promeneur or a referent with an account."""
    return (
        Promeneur.objects.public().filter(structure=structure, user__isnull=False).exists()
        or structure.memberships.filter(user__is_active=True).exists()
    )


@require_GET
def orientation_list(request):
    """Orientations sent and received by the user's structures; for coordinators, their départements'."""
    user = request.user
    now = timezone.now()
    structure_ids = member_structure_ids(user)
    department_ids = access.coordinated_department_ids(user)
    base = Orientation.objects.select_related(
        "request", "from_structure", "to_structure", "created_by__promeneur"
    ).defer(*REQUEST_CONTENT)
    sections = []
    if structure_ids:
        sections.append(
            _section(
                request,
                key="recues",
                title="Reçues",
                description="Les jeunes que d’autres structures orientent vers la vôtre.",
                queryset=base.received_by_structure(structure_ids),
                side="receiving",
                now=now,
            )
        )
        sections.append(
            _section(
                request,
                key="envoyees",
                title="Envoyées",
                description="Les jeunes que votre structure oriente vers d’autres structures.",
                queryset=base.sent_by_structure(structure_ids),
                side="sending",
                now=now,
            )
        )
    if department_ids:
        sections.append(
            _section(
                request,
                key="departements",
                title="Dans vos départements",
                description="Les orientations envoyées ou reçues par les structures de vos départements "
                "(sans leur résumé).",
                queryset=base.filter(
                    Q(from_structure__department_id__in=department_ids)
                    | Q(to_structure__department_id__in=department_ids)
                ),
                side="coordinating",
                now=now,
            )
        )
    return render(request, "referrals/orientations/list.html", {"sections": sections})


@require_http_methods(["GET", "POST"])
def orientation_detail(request, uuid):
    """One orientation, for its sending and receiving sides; the receiving side answers it here."""
    user = request.user
    now = timezone.now()
    structure_ids = member_structure_ids(user)
    orientation = get_object_or_404(
        orientations_visible_to(user, structure_ids)
        .select_related(
            "request",
            "from_structure__department",
            "to_structure__department",
            "created_by__promeneur",
            "answered_by",
        )
        .defer(*REQUEST_CONTENT),
        uuid=uuid,
    )
    is_sending = orientation.from_structure_id in structure_ids
    is_receiving = orientation.to_structure_id in structure_ids
    _with_display_data([orientation], now)
    is_answerable = orientation.status == OrientationStatus.PROPOSED and not orientation.is_overdue

    form = OrientationAnswerForm()
    if request.method == "POST":
        if not is_receiving:
            raise PermissionDenied
        if not is_answerable:
            messages.error(request, _closed_message(orientation))
            return redirect("referrals:orientation_detail", uuid=orientation.uuid)
        form = OrientationAnswerForm(data=request.POST)
        if form.is_valid():
            try:
                orientation = services.orientation_answer(
                    orientation=orientation,
                    by=user,
                    accept=form.accepts,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if orientation.status == OrientationStatus.ACCEPTED:
                    messages.success(
                        request,
                        "Vous avez accepté l’orientation : la structure qui l’a envoyée est prévenue.",
                    )
                else:
                    messages.success(
                        request,
                        "Vous avez décliné l’orientation : la structure qui l’a envoyée est prévenue.",
                    )
            return redirect("referrals:orientation_detail", uuid=orientation.uuid)

    contact_request = orientation.request
    request_url = (
        reverse("referrals:request_detail", kwargs={"uuid": contact_request.uuid})
        if access.is_assignee(user, contact_request)
        else ""
    )
    context = {
        "orientation": orientation,
        "contact_request": contact_request,
        "themes": list(contact_request.themes.all()),
        "is_sending": is_sending,
        "is_receiving": is_receiving,
        # Coordinators (and nobody else) see the metadata without the summary.
        "shows_summary": is_sending or is_receiving,
        "can_answer": is_receiving and is_answerable,
        "closed_message": "" if is_answerable else _closed_message(orientation),
        # The assignee may try another structure once this one declined or let it expire.
        "can_propose_again": bool(request_url)
        and contact_request.is_open
        and orientation.status != OrientationStatus.ACCEPTED
        and not is_answerable,
        "form": form,
        "request_url": request_url,
    }
    return render(request, "referrals/orientations/detail.html", context)


def _closed_message(orientation):
    if orientation.status == OrientationStatus.ACCEPTED:
        return "Cette orientation a déjà été acceptée : elle ne peut plus recevoir d’autre réponse."
    if orientation.status == OrientationStatus.DECLINED:
        return "Cette orientation a déjà été déclinée : elle ne peut plus recevoir d’autre réponse."
    return (
        "Cette orientation a expiré sans réponse au bout de 30 jours : elle ne peut plus être acceptée "
        "ni déclinée. La structure qui l’a envoyée peut en proposer une nouvelle."
    )
