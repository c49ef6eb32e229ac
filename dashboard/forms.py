"""Forms of the promeneur's own space: profile, networks, weekly slots, absences, hours online."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from promeneurs.widgets import ReferenceMultipleChoiceField
from structures.enums import Network
from structures.forms import AGE_MAX, AGE_MIN
from structures.models import Absence, NetworkAccount, OnlineHours, PresenceSlot, Promeneur, Theme
from structures.networks import HANDLE_RULES, normalise_handle, profile_url
from structures.photos import PHOTO_MAX_BYTES, clean_photo
from structures.services import overlapping_slot, slot_label, week_of


class ProfileForm(forms.ModelForm):
    photo = forms.FileField(
        label="Nouvelle photo",
        required=False,
        help_text=f"JPEG, PNG ou WebP, {PHOTO_MAX_BYTES // 1024 // 1024} Mo au plus. Elle est recadrée à "
        "600 pixels et ses métadonnées (appareil, date, position GPS) sont effacées.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label="Retirer ma photo", required=False)
    themes = ReferenceMultipleChoiceField(
        label="Thèmes", queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Promeneur
        fields = ["job", "bio", "age_min", "age_max", "themes"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}
        help_texts = {
            "bio": "Quelques lignes, en tutoyant : ce que tu proposes aux jeunes. 2 000 caractères au plus.",
            "age_min": "Entre 12 et 25 ans.",
            "age_max": "Entre 12 et 25 ans.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].widget.attrs["autocomplete"] = "organization-title"
        if not self.instance.photo:
            del self.fields["remove_photo"]

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        return clean_photo(upload) if upload else None

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", "L’âge maximum doit être supérieur ou égal à l’âge minimum.")
        return data

    def _post_clean(self):
        # The service (promeneur_profile_update) compares the values with the stored profile and
        # saves it: the instance stays as it is here, and the model's own rules are checked below.
        for name in ("age_min", "age_max"):
            value = self.cleaned_data.get(name)
            if value is not None and not AGE_MIN <= value <= AGE_MAX:
                self.add_error(name, f"L’âge doit être compris entre {AGE_MIN} et {AGE_MAX} ans.")


class NetworkAccountForm(forms.ModelForm):
    url = forms.URLField(
        label="Adresse du profil (facultatif)", required=False, max_length=300, assume_scheme="https"
    )

    class Meta:
        model = NetworkAccount
        fields = ["network", "handle", "url"]
        labels = {"handle": "Pseudo ou numéro", "url": "Adresse du profil (facultatif)"}
        help_texts = {
            "url": "Laissée vide, elle est écrite d’après le pseudo. Pour Discord, le lien d’invitation "
            "(https://discord.gg/…).",
        }

    def __init__(self, *args, promeneur, **kwargs):
        super().__init__(*args, **kwargs)
        self.promeneur = promeneur
        self.instance.promeneur = promeneur
        self.fields["url"].required = False
        self.fields["handle"].widget.attrs["autocomplete"] = "off"

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        if url and not url.startswith("https://"):
            raise ValidationError("L’adresse doit commencer par https://.")
        return url

    def clean(self):
        data = super().clean()
        network, handle = data.get("network"), data.get("handle")
        if not network or not handle:
            return data
        handle = normalise_handle(network, handle)
        rule = HANDLE_RULES[Network(network)]
        if not rule.matches(handle):
            self.add_error("handle", rule.message)
            return data
        data["handle"] = handle
        if not data.get("url"):
            data["url"] = profile_url(network, handle)
            if not data["url"]:
                self.add_error("url", "Pour ce réseau, indiquez l’adresse du profil ou le lien d’invitation.")
        others = NetworkAccount.objects.filter(promeneur=self.promeneur, network=network, handle=handle)
        if others.exclude(pk=self.instance.pk).exists():
            self.add_error("handle", "Ce compte figure déjà sur votre profil.")
        return data


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PresenceSlotForm(forms.ModelForm):
    class Meta:
        model = PresenceSlot
        fields = ["weekday", "start", "end"]
        widgets = {"start": TimeInput(), "end": TimeInput()}
        help_texts = {"end": "Une fin avant le début signifie « le lendemain » (par exemple 22 h – 1 h)."}

    def __init__(self, *args, promeneur, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.promeneur = promeneur

    def clean(self):
        data = super().clean()
        weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
        if weekday is None or start is None or end is None:
            return data
        if start == end:
            self.add_error("end", "La fin du créneau doit être différente de son début.")
            return data
        candidate = PresenceSlot(
            pk=self.instance.pk, promeneur=self.instance.promeneur, weekday=weekday, start=start, end=end
        )
        if other := overlapping_slot(candidate):
            raise ValidationError(
                f"Ce créneau chevauche celui du {other.get_weekday_display()} ({slot_label(other)}). "
                "Modifiez l’un des deux."
            )
        return data

    def validate_unique(self):
        # Overlaps (which include a same start) are refused in clean(), in words.
        pass


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["kind", "starts_on", "ends_on", "note"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        labels = {"starts_on": "Du", "ends_on": "Au (inclus)", "note": "Note pour votre équipe (facultatif)"}
        help_texts = {"kind": "Le public lit seulement « absent·e jusqu’au … », jamais le motif."}

    def __init__(self, *args, promeneur, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.promeneur = promeneur

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", "La fin de l’absence ne peut pas précéder son début.")
            elif (ends_on - starts_on).days > 366:
                self.add_error("ends_on", "Une absence dure un an au plus : déclarez la suite ensuite.")
        return data


class OnlineHoursForm(forms.ModelForm):
    week = forms.DateField(
        label="Semaine",
        widget=DateInput(),
        help_text="Un jour de la semaine : la semaine du lundi au dimanche qui le contient.",
    )

    class Meta:
        model = OnlineHours
        fields = ["week", "hours", "note"]
        labels = {"note": "Note (facultatif)"}
        help_texts = {"hours": "En heures, par exemple 6,5."}

    def __init__(self, *args, promeneur, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.promeneur = promeneur
        self.fields["hours"].localize = True
        self.fields["hours"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("week", week_of(timezone.localdate()) - datetime.timedelta(days=7))

    def clean_week(self):
        week = week_of(self.cleaned_data["week"])
        if week > timezone.localdate():
            raise ValidationError("Cette semaine n’a pas encore commencé.")
        return week
