from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import reverse_lazy

from promeneurs.widgets import QuickSelect, ReferenceChoiceField

from .enums import Network
from .geo import split_department_suffix
from .models import Department, Theme

AGE_MIN, AGE_MAX = 12, 25

# A commune's name: letters (accents included), digits, spaces, hyphens, apostrophes, dots.
place_regex_validator = RegexValidator(
    r"^[^\W_]([^\W_]|[\s'’.-])*$",
    "Saisis un nom de commune (par exemple : Périgueux) ou un code postal à 5 chiffres.",
)


def place_validator(value):
    # A NUL character has its own error (CharField's): one clear message rather than two.
    if "\x00" not in value:
        # "Saint-Astier (24)", as the autocomplete proposes it: the name, then its département.
        name, _department = split_department_suffix(value)
        place_regex_validator(name)


class CodeChoiceField(ReferenceChoiceField):
    """A choice of a row by its code, turning away what no database could look up (NUL, huge)."""

    max_code_length = 100

    def to_python(self, value):
        if value not in self.empty_values and (
            "\x00" in str(value) or len(str(value)) > self.max_code_length
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DirectorySearchForm(forms.Form):
    """Search of the public directory (GET): every field optional."""

    departement = CodeChoiceField(
        label="Département",
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Tous les départements",
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choisis un département dans la liste."},
    )
    lieu = forms.CharField(
        label="Commune ou code postal",
        max_length=100,
        required=False,
        help_text="Par exemple : Périgueux ou 24000",
        validators=[place_validator],
        # Enhanced into a list of suggestions by static/js/place-autocomplete.js; a plain text box without it.
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-place-autocomplete": reverse_lazy("structures:commune_suggestions"),
            }
        ),
        error_messages={
            "max_length": "Le nom d’une commune compte au plus %(limit_value)d caractères "
            "(tu en as saisi %(show_value)d).",
            "null_characters_not_allowed": "Ce texte contient un caractère invalide.",
        },
    )
    reseau = forms.ChoiceField(
        label="Réseau social",
        choices=[("", "Tous les réseaux"), *Network.choices],
        widget=QuickSelect,
        required=False,
        error_messages={"invalid_choice": "Choisis un réseau dans la liste."},
    )
    theme = CodeChoiceField(
        label="Thème",
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Tous les thèmes",
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choisis un thème dans la liste."},
    )
    age = forms.IntegerField(
        label="Âge",
        min_value=AGE_MIN,
        max_value=AGE_MAX,
        required=False,
        help_text=f"De {AGE_MIN} à {AGE_MAX} ans",
        # A text box, so that what was typed stays visible when it is not a number.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4, "autocomplete": "off"}),
        error_messages={
            "invalid": f"Indique un âge en chiffres, entre {AGE_MIN} et {AGE_MAX} ans.",
            "min_value": f"Les promeneurs accompagnent les jeunes à partir de {AGE_MIN} ans.",
            "max_value": f"Les promeneurs accompagnent les jeunes jusqu’à {AGE_MAX} ans.",
        },
    )
    en_ligne = forms.BooleanField(label="En ligne maintenant", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_lieu(self):
        return " ".join(self.cleaned_data["lieu"].split())
