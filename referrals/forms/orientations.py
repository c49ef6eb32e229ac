"""Forms of orientations: referring a young person to another structure, and answering a referral.

The summary is what the receiving structure gets: written by the promeneur, never the young
person's message nor how to reach them (design §3). The form refuses a summary that copies a
passage of the message or the young person's contact details.
"""

import re
from itertools import groupby
from operator import attrgetter

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from structures.models import Structure

from ..enums import DeclineReason, OrientationStatus

SUMMARY_MAX_LENGTH = 2000
# A run of this many characters of the young person's message found in the summary is a copy.
COPY_WINDOW = 50
# A message shorter than the window counts as copied when it appears whole, if it is this long.
COPY_MIN_LENGTH = 30


def _normalise(text):
    """Lower case, single spaces, typographic apostrophes made plain: what a copy keeps."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.casefold().split())


def copies_message(summary, message):
    """Whether the summary reproduces a passage of the message (after normalisation)."""
    summary, message = _normalise(summary), _normalise(message)
    if not summary or not message:
        return False
    if len(message) < COPY_WINDOW:
        return len(message) >= COPY_MIN_LENGTH and message in summary
    return any(
        message[start : start + COPY_WINDOW] in summary
        for start in range(0, len(message) - COPY_WINDOW + 1, 5)
    )


def contains_contact_details(summary, contact_request):
    """Whether the summary gives the young person's e-mail, handle or phone number."""
    text = _normalise(summary)
    for value in (contact_request.email, contact_request.handle):
        value = _normalise(value or "").lstrip("@")
        if len(value) >= 3 and re.search(rf"(?<![\w.]){re.escape(value)}(?!\w)", text):
            return True
    digits = re.sub(r"\D", "", contact_request.phone or "")
    if len(digits) >= 8:
        # The last nine digits: 06 12 34 56 78, +33 6 12 34 56 78 and 0612345678 alike.
        summary_digits = re.sub(r"[\s.\-()/+]", "", summary)
        if digits[-9:] in summary_digits:
            return True
    return False


class StructuresByDepartmentIterator(ModelChoiceIterator):
    """The structures as option groups, one per département, from a single query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for department, structures in groupby(self.queryset, key=attrgetter("department")):
            yield (str(department), [self.choice(structure) for structure in structures])


class StructureChoiceField(forms.ModelChoiceField):
    iterator = StructuresByDepartmentIterator

    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.commune} ({obj.get_kind_display()})"


class OrientationCreateForm(forms.Form):
    to_structure = StructureChoiceField(
        label="Structure vers laquelle orienter le ou la jeune",
        queryset=Structure.objects.none(),
        empty_label="Choisissez une structure",
        help_text="Toutes les structures de l’annuaire, classées par département.",
        error_messages={
            "required": "Choisissez la structure vers laquelle orienter le ou la jeune.",
            "invalid_choice": "Choisissez une structure de la liste, autre que la vôtre.",
        },
    )
    summary = forms.CharField(
        label="Votre résumé de la situation",
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "C’est tout ce que la structure recevra. Écrivez-le avec vos mots : ne recopiez jamais "
            "le message du ou de la jeune, et n’y mettez ni ses coordonnées ni son nom. "
            "2 000 caractères au plus."
        ),
        error_messages={
            "required": "Écrivez un résumé de la situation pour la structure.",
            "max_length": "Le résumé compte au plus 2 000 caractères (il en compte %(show_value)d).",
        },
    )
    young_person_agreed = forms.BooleanField(
        label="Le ou la jeune est d’accord pour être orienté·e vers cette structure.",
        error_messages={
            "required": "Cochez cette case : l’accord du ou de la jeune est indispensable pour l’orienter.",
        },
    )
    data_protection_commitment = forms.BooleanField(
        label=(
            "Je ne transmets que les informations nécessaires à l’orientation, "
            "dans le respect de la confidentialité des échanges."
        ),
        error_messages={
            "required": "Cochez cette case : l’engagement de protection des données est obligatoire.",
        },
    )

    def __init__(self, *args, contact_request, from_structure, content=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_request = contact_request
        # The young person's words (`referrals.content.RequestContent`), to keep them out of the summary.
        self.content = content
        self.fields["to_structure"].queryset = (
            Structure.objects.public()
            .exclude(pk=from_structure.pk)
            .select_related("department")
            .order_by("department__code", "name", "pk")
        )

    def clean_summary(self):
        summary = self.cleaned_data["summary"]
        if self.content is not None and copies_message(summary, self.content.message):
            raise ValidationError(
                "Ce résumé reprend le message du ou de la jeune : résumez la situation avec vos "
                "propres mots. Son message n’est jamais transmis à une autre structure.",
                code="copied_message",
            )
        if self.content is not None and contains_contact_details(summary, self.content):
            raise ValidationError(
                "Ce résumé contient les coordonnées du ou de la jeune (e-mail, pseudo ou téléphone) : "
                "retirez-les. La structure passe par vous pour le ou la rencontrer.",
                code="contact_details",
            )
        return summary

    def clean(self):
        cleaned = super().clean()
        structure = cleaned.get("to_structure")
        if (
            structure is not None
            and self.contact_request.orientations.filter(
                to_structure=structure, status=OrientationStatus.PROPOSED
            ).exists()
        ):
            self.add_error(
                "to_structure",
                ValidationError(
                    "Une orientation vers cette structure attend déjà sa réponse.", code="duplicate"
                ),
            )
        return cleaned


class OrientationAnswerForm(forms.Form):
    """Accept, or decline with a coded reason (required to decline)."""

    ACCEPT = "accept"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accepter"), (DECLINE, "Décliner")],
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez d’accepter ou de décliner l’orientation.",
            "invalid_choice": "Choisissez d’accepter ou de décliner l’orientation.",
        },
    )
    reason = forms.ChoiceField(
        label="Motif du refus (obligatoire pour décliner)",
        choices=[("", "Choisissez un motif")] + DeclineReason.choices,
        required=False,
        error_messages={"invalid_choice": "Choisissez un motif de la liste."},
    )

    @property
    def accepts(self):
        return self.cleaned_data.get("decision") == self.ACCEPT

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.DECLINE and not cleaned.get("reason"):
            if "reason" not in self.errors:
                self.add_error(
                    "reason",
                    ValidationError(
                        "Indiquez le motif du refus pour décliner l’orientation.", code="required"
                    ),
                )
        if cleaned.get("decision") == self.ACCEPT:
            cleaned["reason"] = ""
        return cleaned
