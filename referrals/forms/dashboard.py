"""Forms of the dashboard: filters of the request lists, and the actions on one request.

None of them touches the content of a request (design §3): the status, the outcome, a private note
written by the assignee, the promeneur or the structure a request goes to.
"""

import datetime

from django import forms
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from promeneurs.typography import short_date
from structures.forms import CodeChoiceField
from structures.models import Absence, Promeneur, Structure, Theme

from ..enums import OPEN_STATUSES, AgeBracket, Outcome, RequestStatus
from ..presence import next_slot_in_words

# Statuses the assignee never sets through the status form: "claimed" is the claim button's
# job, "withdrawn" is the young person's own act from the follow-up link (it erases the content).
NOT_OFFERED = {RequestStatus.CLAIMED, RequestStatus.WITHDRAWN}

# How a status reads as an action on the status form.
ACTION_LABELS = {
    RequestStatus.NEW: "Remettre la demande dans la file de la structure",
    RequestStatus.IN_CONTACT: "En contact avec le ou la jeune",
    RequestStatus.MET: "Rencontre en personne",
    RequestStatus.ORIENTED: "Orientée vers une structure",
    RequestStatus.CLOSED: "Clore la demande",
    RequestStatus.SPAM: "Indésirable (spam)",
}

# The status filter's special values: the default shows the requests still in progress.
STATUS_OPEN = ""
STATUS_ALL = "toutes"

TEXT_ERRORS = {
    "null_characters_not_allowed": "Ce texte contient un caractère invalide.",
}


class RequestFilterForm(forms.Form):
    """Filters of a list of requests (GET). Every field is optional; a bad one is reported next to it."""

    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[
            (STATUS_OPEN, "En cours (nouvelles à orientées)"),
            (STATUS_ALL, "Tous les statuts"),
            *RequestStatus.choices,
        ],
        error_messages={"invalid_choice": "Choisissez un statut dans la liste."},
    )
    theme = CodeChoiceField(
        label="Thème",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Tous les thèmes",
        error_messages={"invalid_choice": "Choisissez un thème dans la liste."},
    )
    age = forms.ChoiceField(
        label="Tranche d’âge",
        required=False,
        choices=[("", "Toutes les tranches d’âge"), *AgeBracket.choices],
        error_messages={"invalid_choice": "Choisissez une tranche d’âge dans la liste."},
    )
    du = forms.DateField(
        label="Reçues à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Indiquez une date, par exemple 15/09/2026."},
    )
    au = forms.DateField(
        label="Reçues jusqu’au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Indiquez une date, par exemple 30/09/2026."},
    )

    def __init__(self, *args, with_status=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_status:
            # A pool only holds new requests: a status filter would make no sense there.
            del self.fields["statut"]

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and end < start:
            self.add_error("au", "Cette date doit être postérieure ou égale à la date de début.")
        return data

    def filter(self, requests):
        """Apply the valid filters (a wrong one is ignored and reported, the others still apply)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        if "statut" in self.fields:
            status = data.get("statut", STATUS_OPEN)
            if status == STATUS_OPEN:
                requests = requests.open()
            elif status != STATUS_ALL:
                requests = requests.filter(status=status)
        if theme := data.get("theme"):
            requests = requests.filter(themes=theme)
        if age := data.get("age"):
            requests = requests.filter(age_bracket=age)
        tz = timezone.get_current_timezone()
        if start := data.get("du"):
            requests = requests.filter(
                created_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
            )
        if end := data.get("au"):
            requests = requests.filter(
                created_at__lt=datetime.datetime.combine(
                    end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
                )
            )
        return requests


class StatusChangeForm(forms.Form):
    """The assignee moves the request along the allowed transitions; closing needs an outcome."""

    statut = forms.ChoiceField(
        label="Nouveau statut",
        error_messages={
            "required": "Choisissez le nouveau statut.",
            "invalid_choice": "Ce changement de statut n’est pas possible pour cette demande.",
        },
    )
    issue = forms.ChoiceField(
        label="Issue (obligatoire pour clore)",
        required=False,
        choices=[("", "—"), *Outcome.choices],
        error_messages={"invalid_choice": "Choisissez une issue dans la liste."},
    )

    def __init__(self, *args, contact_request, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = contact_request.allowed_transitions() - NOT_OFFERED
        self.fields["statut"].choices = [
            ("", "—"),
            *((status.value, ACTION_LABELS[status]) for status in RequestStatus if status in allowed),
        ]

    @property
    def has_choices(self):
        return len(self.fields["statut"].choices) > 1

    def clean(self):
        data = super().clean()
        if data.get("statut") == RequestStatus.CLOSED:
            if not data.get("issue") and "issue" not in self.errors:
                self.add_error("issue", "Indiquez l’issue de la demande pour la clore.")
        else:
            data["issue"] = ""
        return data


class NoteForm(forms.Form):
    texte = forms.CharField(
        label="Nouvelle note",
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Visible de vous seul·e, tant que la demande vous est confiée. 5 000 caractères au plus.",
        error_messages={
            "required": "La note est vide : écrivez-la avant de l’enregistrer.",
            "max_length": "Une note compte au plus %(limit_value)d caractères (vous en avez saisi %(show_value)d).",
            **TEXT_ERRORS,
        },
    )


def reachable_candidates(queryset=None, now=None):
    """The promeneurs a request may be handed to (reachable today, `accounts.access`), with what a
    coordinator or a referent needs to choose: open requests, next slot, account — in one query
    and two prefetches, whatever their number."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    queryset = Promeneur.objects.all() if queryset is None else queryset
    return (
        queryset.reachable(today)
        .select_related("user", "structure")
        .annotate(n_open=Count("assigned_requests", filter=Q(assigned_requests__status__in=OPEN_STATUSES)))
        .prefetch_related(
            "presence_slots", Prefetch("absences", queryset=Absence.objects.filter(ends_on__gte=today))
        )
    )


def candidate_label(promeneur, now=None):
    """ "Lou — MJC (Périgueux) · 2 demandes en cours · en ligne maintenant · compte actif, connecté·e le 12/05/2026"."""
    now = now or timezone.now()
    n_open = getattr(promeneur, "n_open", None)
    parts = [promeneur.display_name or promeneur.first_name]
    if n_open is not None:
        parts.append(
            "aucune demande en cours"
            if n_open == 0
            else f"{n_open} demande{'s' if n_open > 1 else ''} en cours"
        )
    if promeneur.is_online_at(now):
        parts.append("en ligne maintenant")
    else:
        start = promeneur.next_slot_after(now)
        parts.append(
            f"prochaine présence {next_slot_in_words(start, now)}" if start else "pas d’horaire en ligne"
        )
    last_login = promeneur.user.last_login if promeneur.user_id else None
    parts.append(
        f"compte actif, dernière connexion le {short_date(last_login)}"
        if last_login
        else "compte actif, jamais connecté·e"
    )
    return " · ".join(parts)


class PromeneurChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return candidate_label(obj)


class StructureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.commune})"


class ReassignForm(forms.Form):
    """A referent or a coordinator gives the request to a labelled promeneur of its structure."""

    promeneur = PromeneurChoiceField(
        label="Confier la demande à",
        queryset=Promeneur.objects.none(),
        empty_label="— Choisissez un·e promeneur·se —",
        error_messages={
            "required": "Choisissez le promeneur ou la promeneuse à qui confier la demande.",
            "invalid_choice": "Choisissez un promeneur ou une promeneuse de la structure dans la liste.",
        },
    )

    motif = forms.CharField(
        label="Motif de la réattribution",
        max_length=150,
        help_text="Gardé dans l’historique de la demande (sans rien du contenu). 150 caractères au plus.",
        error_messages={
            "required": "Indiquez le motif de la réattribution (absence, départ, charge…).",
            "max_length": "Le motif compte au plus %(limit_value)d caractères (vous en avez saisi %(show_value)d).",
            **TEXT_ERRORS,
        },
    )

    def __init__(self, *args, contact_request, **kwargs):
        kwargs.setdefault("auto_id", "reattribution-%s")
        super().__init__(*args, **kwargs)
        queryset = reachable_candidates(Promeneur.objects.filter(structure_id=contact_request.structure_id))
        if contact_request.assignee_id:
            queryset = queryset.exclude(pk=contact_request.assignee_id)
        self.fields["promeneur"].queryset = queryset.order_by("n_open", "first_name", "pk")


class DispatchForm(forms.Form):
    """A coordinator sends a département pool request to a structure or to a promeneur."""

    structure = StructureChoiceField(
        label="À une structure (sa file d’attente)",
        required=False,
        queryset=Structure.objects.none(),
        empty_label="— Aucune structure —",
        error_messages={"invalid_choice": "Choisissez une structure de vos départements dans la liste."},
    )
    promeneur = PromeneurChoiceField(
        label="Ou directement à un·e promeneur·se",
        required=False,
        queryset=Promeneur.objects.none(),
        empty_label="— Aucun·e promeneur·se —",
        error_messages={"invalid_choice": "Choisissez un promeneur ou une promeneuse dans la liste."},
    )

    def __init__(self, *args, department_ids, **kwargs):
        kwargs.setdefault("auto_id", "confier-%s")
        super().__init__(*args, **kwargs)
        # Only structures where a promeneur reachable today can take the request.
        self.fields["structure"].queryset = (
            Structure.objects.public()
            .with_reachable_promeneurs()
            .filter(department_id__in=department_ids)
            .order_by("name", "pk")
        )
        self.fields["promeneur"].queryset = reachable_candidates(
            Promeneur.objects.filter(structure__department_id__in=department_ids)
        ).order_by("n_open", "first_name", "pk")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        structure, promeneur = data.get("structure"), data.get("promeneur")
        if structure is None and promeneur is None:
            raise forms.ValidationError("Choisissez une structure ou un·e promeneur·se.")
        if structure is not None and promeneur is not None:
            raise forms.ValidationError(
                "Choisissez une structure ou un·e promeneur·se, pas les deux à la fois."
            )
        return data
