"""The promeneur's own space: public profile, networks, weekly slots, absences, hours online.

Only the promeneur edits their profile here (the CAF and the coordination keep the admin): every
page answers 404 to an account without a promeneur profile, and every row (a network, a slot, an
absence) is looked up among the promeneur's own, so another promeneur's row answers 404 too.
Each change goes through `structures.services`, which writes the profile's history.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from promeneurs.pagination import paginate
from promeneurs.typography import french_hours, short_date
from structures.cards import annotate_presence, with_card_data
from structures.enums import PromeneurStatus
from structures.models import Absence, NetworkAccount, OnlineHours, PresenceSlot, ProfileChange, Promeneur
from structures.services import (
    absence_delete,
    absence_save,
    network_account_delete,
    network_account_save,
    online_hours_declare,
    online_hours_delete,
    presence_slot_delete,
    presence_slot_save,
    promeneur_profile_update,
    slot_label,
)

from ..forms import AbsenceForm, NetworkAccountForm, OnlineHoursForm, PresenceSlotForm, ProfileForm
from ..queries import profile_gaps

ONLINE_HOURS_SHOWN = 12


def get_own_promeneur_or_404(user):
    """The signed-in user's promeneur profile, unless they have none or have left the programme."""
    promeneur = access.promeneur_profile(user)
    if promeneur is None or promeneur.status == PromeneurStatus.LEFT:
        raise Http404("Pas de profil de promeneur·se pour ce compte.")
    return promeneur


def card_preview(promeneur):
    """The promeneur as the public cards show them, with "en ligne maintenant / prochaine présence"."""
    now = timezone.now()
    card = with_card_data(Promeneur.objects.filter(pk=promeneur.pk), now).get()
    annotate_presence([card], now)
    return card


def profile_context(request, promeneur, current, **extra):
    card = card_preview(promeneur)
    return {
        "nav_current": current,
        "promeneur": promeneur,
        "card": card,
        "gaps": profile_gaps(card),
        "is_public": promeneur.is_public,
        **extra,
    }


# --- The public profile ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    promeneur = get_own_promeneur_or_404(request.user)
    form = ProfileForm(
        data=request.POST or None,
        files=request.FILES or None,
        instance=promeneur,
        initial={"themes": list(promeneur.themes.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = promeneur_profile_update(
                promeneur=promeneur,
                by=request.user,
                values={name: data[name] for name in ("job", "bio", "age_min", "age_max")},
                themes=data["themes"],
                photo=data.get("photo"),
                remove_photo=data.get("remove_photo", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, "Profil enregistré : " + ", ".join(changed).lower() + ".")
            else:
                messages.info(request, "Rien n’a changé dans votre profil.")
            return redirect("dashboard:profile")
    context = profile_context(
        request,
        promeneur,
        "dashboard:profile",
        form=form,
        networks=list(promeneur.networks.all()),
        network_form=NetworkAccountForm(promeneur=promeneur),
    )
    return render(request, "dashboard/profile.html", context)


# --- The promeneur's own rows: networks, weekly slots, absences ----------------------------------


def own_row_page(request, pk, *, model, form_class, save, success, to, template, current, extra):
    """The add (no `pk`) or edit page of one of the promeneur's own rows (404 for anyone else's).
    A valid form is saved through `save(instance)` (a structures service, whose refusal goes to
    the form), `success(saved, added)` is told and the page goes to `to`; `extra(promeneur, row)`
    gives the rest of the page's context."""
    promeneur = get_own_promeneur_or_404(request.user)
    row = get_object_or_404(model, pk=pk, promeneur=promeneur) if pk else None
    form = form_class(data=request.POST or None, instance=row, promeneur=promeneur)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success(saved, row is None))
            return redirect(to)
    context = profile_context(request, promeneur, current, form=form, **extra(promeneur, row))
    return render(request, template, context)


def own_row_removed(request, pk, *, model, delete, success, to):
    """Remove one of the promeneur's own rows through `delete(row)` (a structures service)."""
    promeneur = get_own_promeneur_or_404(request.user)
    row = get_object_or_404(model, pk=pk, promeneur=promeneur)
    delete(row)
    messages.success(request, success(row))
    return redirect(to)


def added_or_changed(added):
    return "ajouté" if added else "modifié"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def network_edit(request, pk=None):
    return own_row_page(
        request,
        pk,
        model=NetworkAccount,
        form_class=NetworkAccountForm,
        save=lambda account: network_account_save(account=account, by=request.user),
        success=lambda saved, added: (
            f"Compte {saved.get_network_display()} « {saved.handle} » {added_or_changed(added)}."
        ),
        to="dashboard:profile",
        template="dashboard/network_form.html",
        current="dashboard:profile",
        extra=lambda promeneur, account: {"account": account},
    )


@never_cache
@require_POST
def network_delete(request, pk):
    return own_row_removed(
        request,
        pk,
        model=NetworkAccount,
        delete=lambda account: network_account_delete(account=account, by=request.user),
        success=lambda account: f"Compte {account.get_network_display()} « {account.handle} » retiré.",
        to="dashboard:profile",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def slots(request, pk=None):
    return own_row_page(
        request,
        pk,
        model=PresenceSlot,
        form_class=PresenceSlotForm,
        save=lambda slot: presence_slot_save(slot=slot, by=request.user),
        success=lambda saved, added: (
            f"Créneau du {saved.get_weekday_display()} ({slot_label(saved)}) {added_or_changed(added)}."
        ),
        to="dashboard:slots",
        template="dashboard/slots.html",
        current="dashboard:slots",
        extra=lambda promeneur, slot: {
            "slot": slot,
            "rows": [{"slot": s, "label": slot_label(s)} for s in promeneur.presence_slots.all()],
        },
    )


@never_cache
@require_POST
def slot_delete(request, pk):
    return own_row_removed(
        request,
        pk,
        model=PresenceSlot,
        delete=lambda slot: presence_slot_delete(slot=slot, by=request.user),
        success=lambda slot: f"Créneau du {slot.get_weekday_display()} ({slot_label(slot)}) retiré.",
        to="dashboard:slots",
    )


def absences_context(promeneur, absence):
    today = timezone.localdate()
    return {
        "absence": absence,
        "current_absences": list(promeneur.absences.filter(ends_on__gte=today).order_by("starts_on")),
        "past_absences": list(promeneur.absences.filter(ends_on__lt=today).order_by("-starts_on")[:10]),
        "today": today,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def absences(request, pk=None):
    return own_row_page(
        request,
        pk,
        model=Absence,
        form_class=AbsenceForm,
        save=lambda absence: absence_save(absence=absence, by=request.user),
        success=lambda saved, added: (
            f"Absence du {short_date(saved.starts_on)} au {short_date(saved.ends_on)} enregistrée : "
            "pendant ces jours, les demandes vont à vos collègues."
        ),
        to="dashboard:absences",
        template="dashboard/absences.html",
        current="dashboard:absences",
        extra=absences_context,
    )


@never_cache
@require_POST
def absence_remove(request, pk):
    return own_row_removed(
        request,
        pk,
        model=Absence,
        delete=lambda absence: absence_delete(absence=absence, by=request.user),
        success=lambda absence: (
            f"Absence du {short_date(absence.starts_on)} au {short_date(absence.ends_on)} retirée."
        ),
        to="dashboard:absences",
    )


# --- Hours actually spent online -------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def online_hours(request):
    promeneur = get_own_promeneur_or_404(request.user)
    form = OnlineHoursForm(data=request.POST or None, promeneur=promeneur)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = online_hours_declare(
            promeneur=promeneur, by=request.user, week=data["week"], hours=data["hours"], note=data["note"]
        )
        messages.success(
            request,
            f"Semaine du {short_date(entry.week)} : {french_hours(entry.hours)} enregistrées.",
        )
        return redirect("dashboard:online_hours")
    entries = list(promeneur.online_hours.all()[:ONLINE_HOURS_SHOWN])
    context = profile_context(request, promeneur, "dashboard:online_hours", form=form, entries=entries)
    return render(request, "dashboard/online_hours.html", context)


@never_cache
@require_POST
def online_hours_remove(request, pk):
    return own_row_removed(
        request,
        pk,
        model=OnlineHours,
        delete=lambda entry: online_hours_delete(entry=entry, by=request.user),
        success=lambda entry: f"Déclaration de la semaine du {short_date(entry.week)} retirée.",
        to="dashboard:online_hours",
    )


# --- History, for the referent and the coordination ------------------------------------------------


def get_promeneur_for_history_or_404(user, slug):
    """A promeneur whose history the user may read: their own, their structures', their départements'."""
    promeneur = get_object_or_404(
        Promeneur.objects.select_related("structure__department", "user"), slug=slug
    )
    profile = access.promeneur_profile(user)
    if not (
        (profile is not None and profile.pk == promeneur.pk)
        or access.is_referent(user, promeneur.structure_id)
        or access.is_coordinator(user, promeneur.structure.department_id)
    ):
        raise Http404("Promeneur·se introuvable.")
    return promeneur


@never_cache
@require_http_methods(["GET", "HEAD"])
def profile_history(request, slug):
    promeneur = get_promeneur_for_history_or_404(request.user, slug)
    changes = ProfileChange.objects.filter(promeneur=promeneur).select_related("by")
    pagination = paginate(request, changes)
    context = {
        "nav_current": "dashboard:home",
        "promeneur": promeneur,
        "changes": pagination["page_obj"].object_list,
        "pagination": pagination,
        **pagination,
    }
    return render(request, "dashboard/profile_history.html", context)
