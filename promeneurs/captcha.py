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
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from promeneurs.typography import NNBSP, quoted

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


def completions(challenge, response):
    """{answer: word} for every answer that makes `challenge` a word of the list: the missing letters
    of each such word, and the whole word itself. The stored `response` is always one of them."""
    prefix, blanks, suffix = challenge.partition(BLANK * MISSING)
    if not blanks:
        return {response: response}
    answers = {response: prefix + response + suffix, prefix + response + suffix: prefix + response + suffix}
    for word in WORDS:
        if len(word) == len(challenge) and word.startswith(prefix) and word.endswith(suffix):
            answers[word[len(prefix) : len(prefix) + MISSING]] = word
            answers[word] = word
    return answers


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
        store, typed = None, ""
        if isinstance(value, list | tuple) and len(value) == 2:
            key, typed = value
            typed = normalise_answer(typed) if isinstance(typed, str) else typed
            if isinstance(key, str) and len(key) <= 40 and "\x00" not in key:
                store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
            # The whole word, and any completion that makes a word of the list, count as the answer.
            if store and typed in completions(store.challenge, store.response):
                typed = store.response
            value = [key, typed]
        try:
            return super().clean(value)
        except ValidationError:
            if store is None or not typed:
                raise
            word = completions(store.challenge, store.response)[store.response]
            raise ValidationError(
                f"Ce ne sont pas les bonnes lettres{NNBSP}: dans {quoted(store.challenge)}, il fallait écrire "
                f"les {MISSING} lettres qui remplacent les points ({quoted(store.response)}, pour "
                f"{quoted(word)}), ou le mot entier. Voici un nouveau mot{NNBSP}: recopie les lettres qui "
                "manquent.",
                code="invalid",
            ) from None
