"""The forms of a "Réponds-moi ici" conversation: one plain-text message, for either side.

Plain text only, shown like a comment (escaped, links, paragraphs: comments/text.py). Too long, the
message is refused with its length and stays in the box; nothing is cut.
"""

from django import forms

from referrals.services import CONVERSATION_MESSAGE_MAX_LENGTH

from .public import french_number

LIMIT = french_number(CONVERSATION_MESSAGE_MAX_LENGTH)


def _message_field(*, label, help_text, empty, too_long):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=CONVERSATION_MESSAGE_MAX_LENGTH,
        strip=True,
        # No maxlength attribute: a browser would silently cut a pasted text.
        widget=forms.Textarea(attrs={"rows": 4, "data-max-length": CONVERSATION_MESSAGE_MAX_LENGTH}),
        error_messages={
            "required": empty,
            "max_length": too_long,
            "null_characters_not_allowed": "Ce texte contient un caractère invalide.",
        },
    )


class _NoMaxLengthAttribute:
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["texte"].widget.attrs.pop("maxlength", None)


class YoungPersonMessageForm(_NoMaxLengthAttribute, forms.Form):
    texte = _message_field(
        label="Ton message",
        help_text=f"Seule la personne qui s’occupe de ta demande le lit. {LIMIT} caractères au plus.",
        empty="Ton message est vide : écris-le avant de l’envoyer.",
        too_long=f"Un message compte au plus {LIMIT} caractères (tu en as écrit %(show_value)d) : "
        "raccourcis-le ou envoie-le en deux fois.",
    )


class ProfessionalMessageForm(_NoMaxLengthAttribute, forms.Form):
    texte = _message_field(
        label="Votre réponse",
        help_text="Texte brut : les adresses web deviennent des liens, une ligne vide fait un paragraphe. "
        f"{LIMIT} caractères au plus. Le ou la jeune la lit sur son lien de suivi.",
        empty="Le message est vide : écrivez-le avant de l’envoyer.",
        too_long=f"Un message compte au plus {LIMIT} caractères (vous en avez écrit %(show_value)d) : "
        "raccourcissez-le ou envoyez-le en deux fois.",
    )
