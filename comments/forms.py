"""The public comment form and the moderation queue's form."""

import re

from django import forms
from django.core.exceptions import ValidationError

from promeneurs import antispam
from promeneurs.antispam import HONEYPOT_FIELD, TIMESTAMP_FIELD, AntispamForm
from promeneurs.captcha import PortalCaptchaField
from promeneurs.typography import french_number

from .enums import ModerationAction
from .models import AUTHOR_NAME_MAX_LENGTH, BODY_MAX_LENGTH

ANTISPAM_SCOPE = "comment"

# The "Texte brut" format, as the help under the comment box says it (see comments/text.py).
FORMAT_RULES = (
    "Pas de HTML : les balises s’affichent telles que tu les tapes, sans effet.",
    "Les adresses web (https://…, www.…) et les adresses e-mail deviennent des liens.",
    "Un retour à la ligne passe à la ligne ; une ligne vide commence un nouveau paragraphe.",
)

CONTROL_MESSAGE = (
    "Ce texte contient un caractère invisible qui n’est pas accepté : efface-le et tape à nouveau."
)
LINE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

NOT_SENT = "Ton commentaire n’a pas été envoyé"
# The antispam refusals, said of a comment rather than of a contact request.
ANTISPAM_WORDING = {
    antispam.HONEYPOT_MESSAGE: f"{NOT_SENT} : un champ invisible, qui sert à repérer les robots, a été rempli "
    "(parfois par le remplissage automatique du navigateur). Ton texte est gardé : envoie-le à nouveau.",
    antispam.TOO_FAST_MESSAGE: f"{NOT_SENT} : le formulaire est parti trop vite, comme le ferait un robot. "
    "Ton texte est gardé : envoie-le à nouveau.",
    antispam.TOO_OLD_MESSAGE: f"{NOT_SENT} : la page était ouverte depuis trop longtemps et le formulaire a "
    "expiré, par sécurité. Ton texte est gardé : envoie-le à nouveau.",
    antispam.TAMPERED_MESSAGE: f"{NOT_SENT} : le formulaire est incomplet ou a été modifié. "
    "Ton texte est gardé : envoie-le à nouveau.",
}
RATE_LIMIT_MESSAGE = (
    f"{NOT_SENT} : beaucoup de commentaires sont partis de cette connexion dans la dernière heure. "
    "Ton texte est gardé : réessaie un peu plus tard."
)


class CommentForm(AntispamForm):
    """A visitor's comment: name, optional e-mail, plain text; CAPTCHA, honeypot, signed timestamp."""

    antispam_scope = ANTISPAM_SCOPE

    nom = forms.CharField(
        label="Ton prénom, ton nom ou un pseudo",
        max_length=AUTHOR_NAME_MAX_LENGTH,
        help_text="Il s’affiche au-dessus de ton commentaire.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={
            "required": "Indique un prénom, un nom ou un pseudo : il s’affichera avec ton commentaire.",
            "max_length": "Ce nom compte au plus %(limit_value)d caractères (tu en as écrit %(show_value)d).",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    email = forms.EmailField(
        label="Ton adresse e-mail (facultatif)",
        max_length=254,
        required=False,
        help_text="Elle n’est jamais publiée : seule l’équipe de modération peut la voir.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": "Cette adresse e-mail n’est pas valide : vérifie-la (par exemple : camille@exemple.fr), "
            "ou laisse la case vide.",
            "max_length": "Une adresse e-mail compte au plus %(limit_value)d caractères.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    commentaire = forms.CharField(
        label="Ton commentaire",
        # No maxlength attribute: a browser would silently cut a pasted text; the server says it.
        widget=forms.Textarea(attrs={"rows": 8, "data-max-length": BODY_MAX_LENGTH}),
        help_text=f"Texte brut, {french_number(BODY_MAX_LENGTH)} caractères au plus.",
        error_messages={
            "required": "Écris ton commentaire : quelques mots suffisent.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    captcha = PortalCaptchaField(
        label="Vérification anti-robot",
        help_text="Dans l’image, chaque point (•) cache une lettre du mot. Tape seulement les lettres "
        "cachées : pour « cart•••e », écris « abl ».",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()

    def clean_nom(self):
        value = self.cleaned_data["nom"]
        if LINE_CONTROL_RE.search(value):
            raise ValidationError(CONTROL_MESSAGE, code="control_characters")
        return value

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean_commentaire(self):
        # Browsers send line breaks as two characters; count them as one, like the database.
        value = self.cleaned_data["commentaire"].replace("\r\n", "\n").replace("\r", "\n")
        if TEXT_CONTROL_RE.search(value):
            raise ValidationError(CONTROL_MESSAGE, code="control_characters")
        if len(value) > BODY_MAX_LENGTH:
            raise ValidationError(
                f"Ton commentaire compte {french_number(len(value))} caractères : raccourcis-le à "
                f"{french_number(BODY_MAX_LENGTH)} caractères au plus.",
                code="max_length",
            )
        return value

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            message = getattr(error, "message", None)
            raise ValidationError(ANTISPAM_WORDING.get(message, message or error), code=error.code) from None

    # --- For the view

    def comment_data(self):
        """The arguments of `comment_submit`."""
        data = self.cleaned_data
        return {"author_name": data["nom"], "author_email": data["email"], "body": data["commentaire"]}

    def redisplay_initial(self):
        """What the visitor typed, as the `initial` of a fresh form (shown without error messages)."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
            if name not in ("captcha", HONEYPOT_FIELD, TIMESTAMP_FIELD)
        }

    def typed_comment(self):
        """The comment as typed, whether or not the form is valid."""
        return self["commentaire"].value() or ""

    def extra_described_by(self, name, auto_id):
        return [f"{auto_id}_format", f"{auto_id}_counter"] if name == "commentaire" else []


class IdListField(forms.Field):
    """The ids of the ticked comments (checkboxes of the same name)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > 500 or not all(isinstance(v, str) and v.isdigit() and len(v) <= 18 for v in values):
            raise ValidationError("La sélection n’est pas valide : rechargez la page.", code="invalid")
        return [int(v) for v in values]


class ModerationForm(forms.Form):
    """The queue's POST: one comment's button ("<id>:<action>"), or an action on the ticked comments."""

    une = forms.RegexField(
        regex=rf"^[0-9]{{1,18}}:(?:{'|'.join(ModerationAction.values)})$",
        required=False,
        error_messages={"invalid": "Action inconnue : rechargez la page."},
    )
    action = forms.ChoiceField(
        label="Action sur les commentaires cochés",
        choices=[("", "Choisir une action"), *ModerationAction.choices],
        required=False,
        error_messages={"invalid_choice": "Choisissez l’action dans la liste."},
    )
    commentaires = IdListField(required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("une"):
            pk, action = data["une"].split(":")
            data["decision"] = (action, [int(pk)])
        elif not data.get("commentaires"):
            raise ValidationError(
                "Cochez au moins un commentaire, puis choisissez l’action.", code="none_ticked"
            )
        elif not data.get("action"):
            raise ValidationError(
                "Choisissez l’action à appliquer aux commentaires cochés : approuver, rejeter ou spam.",
                code="no_action",
            )
        else:
            data["decision"] = (data["action"], data["commentaires"])
        return data
