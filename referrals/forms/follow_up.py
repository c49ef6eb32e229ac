"""The forms of the follow-up pages: reopening one with reference + code, and "ça t’a aidé ?"."""

from django import forms
from django.core.exceptions import ValidationError

from referrals.access_codes import CODE_DIGITS, REFERENCE_RE, normalise_code, normalise_reference
from referrals.enums import Helpfulness


class FollowUpLookupForm(forms.Form):
    reference = forms.CharField(
        label="Référence de ta demande",
        max_length=40,
        help_text="Elle commence par PDN, par exemple PDN-7K2M-Q4XD.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={
            "required": "Indique la référence de ta demande (elle commence par PDN).",
            "max_length": "Une référence compte 13 caractères, comme PDN-7K2M-Q4XD.",
            "null_characters_not_allowed": "Ce texte contient un caractère invalide.",
        },
    )
    code = forms.CharField(
        label="Code de suivi",
        max_length=20,
        help_text=f"Les {CODE_DIGITS} chiffres donnés avec la référence quand tu as envoyé ta demande.",
        # Never shown back: like a password, it does not travel to the page again.
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": f"Indique ton code de suivi ({CODE_DIGITS} chiffres).",
            "max_length": f"Le code de suivi compte {CODE_DIGITS} chiffres.",
            "null_characters_not_allowed": "Ce texte contient un caractère invalide.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_reference(self):
        reference = normalise_reference(self.cleaned_data["reference"])
        if not REFERENCE_RE.match(reference):
            raise ValidationError(
                "Une référence ressemble à PDN-7K2M-Q4XD : PDN, puis deux groupes de 4 caractères."
            )
        return reference

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
            raise ValidationError(f"Le code de suivi compte {CODE_DIGITS} chiffres, par exemple 482915.")
        return code


class HelpfulnessForm(forms.Form):
    answer = forms.ChoiceField(
        label="Est-ce que ça t’a aidé ?",
        choices=Helpfulness.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisis une réponse : oui, un peu ou non.",
            "invalid_choice": "Choisis une réponse : oui, un peu ou non.",
        },
    )
