"""The CAPTCHA: a French word with three missing letters ("fill in the blank"), and its form field.

The image shows the word with a dot (•) in place of each missing letter; the visitor types the
missing letters. Visitors who cannot see the image get the same word spelled letter by letter in
French, in the image's alternative text and in a "Je n’arrive pas à lire l’image" disclosure
(flite, the audio engine of django-simple-captcha, speaks English only).
"""

import secrets
import unicodedata

from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

BLANK = "•"
MISSING = 3

# Everyday words, 7 to 10 letters, without accents: easy to read, to spell and to type.
WORDS = [
    "aventure",
    "bicyclette",
    "bienvenue",
    "camarade",
    "cartable",
    "chanson",
    "chocolat",
    "chaussure",
    "citrouille",
    "concert",
    "confiance",
    "courage",
    "croissant",
    "crocodile",
    "cuisine",
    "dauphin",
    "dimanche",
    "escalier",
    "festival",
    "football",
    "fromage",
    "guitare",
    "histoire",
    "internet",
    "jeunesse",
    "journal",
    "kangourou",
    "magazine",
    "marathon",
    "montagne",
    "musique",
    "ordinateur",
    "pantalon",
    "papillon",
    "parapluie",
    "patinoire",
    "piscine",
    "portable",
    "printemps",
    "promeneur",
    "quartier",
    "question",
    "sourire",
    "spectacle",
    "tartine",
    "trampoline",
    "vacances",
]

REFRESH_FIELD = "nouveau_defi"


def fill_in_the_blank():
    """Return (challenge shown, expected answer): e.g. ("prom•••ur", "ene").

    The first letter and at least the last two stay visible, so that the word can be recognised.
    """
    word = secrets.choice(WORDS)
    start = 1 + secrets.randbelow(len(word) - MISSING - 2)
    missing = word[start : start + MISSING]
    challenge = word[:start] + BLANK * MISSING + word[start + MISSING :]
    return challenge, missing


def text_alternative(challenge):
    """The challenge in words, for visitors who cannot see the image.

    "prom•••ur" → "p, r, o, m, puis 3 lettres manquantes, puis u, r".
    """
    parts, blanks, letters = [], 0, []
    for char in challenge:
        if char in (BLANK, "_"):
            if letters:
                parts.append(", ".join(letters))
                letters = []
            blanks += 1
        else:
            if blanks:
                parts.append(
                    f"{blanks} lettre{'s' if blanks > 1 else ''} manquante{'s' if blanks > 1 else ''}"
                )
                blanks = 0
            letters.append(char)
    if letters:
        parts.append(", ".join(letters))
    if blanks:
        parts.append(f"{blanks} lettre{'s' if blanks > 1 else ''} manquante{'s' if blanks > 1 else ''}")
    return ", puis ".join(parts)


def normalise_answer(answer):
    """What the visitor typed, compared without case, accents or spaces: " É N e " → "ene"."""
    decomposed = unicodedata.normalize("NFKD", answer or "")
    letters = "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())
    return letters.lower()


class PortalCaptchaInput(CaptchaTextInput):
    """The CAPTCHA widget with a labelled answer box, a French text alternative and a "new challenge" button.

    Its template is the project's (templates/captcha/widgets/captcha.html), rendered with the
    project's template engine: Django's default form renderer only looks into the apps.
    """

    template_name = "captcha/widgets/captcha.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        challenge = CaptchaStore.objects.filter(hashkey=self._key).values_list("challenge", flat=True).first()
        context["image_2x"] = reverse("captcha-image-2x", kwargs={"key": self._key})
        context["text_alternative"] = text_alternative(challenge or "")
        context["refresh_field"] = REFRESH_FIELD
        return context

    def _render(self, template_name, context, renderer=None):
        return mark_safe(render_to_string(template_name, context))


class PortalCaptchaField(CaptchaField):
    """django-simple-captcha's field with our widget, French messages and a forgiving comparison."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PortalCaptchaInput())
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Recopie les lettres qui manquent dans le mot (vérification anti-robot).",
                "invalid": "Ce ne sont pas les bonnes lettres, ou le mot a expiré. Voici un nouveau mot : "
                "recopie les lettres qui manquent.",
                "incomplete": "Recopie les lettres qui manquent dans le mot (vérification anti-robot).",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value):
        if isinstance(value, list | tuple) and len(value) == 2:
            value = [value[0], normalise_answer(value[1]) if isinstance(value[1], str) else value[1]]
        return super().clean(value)
