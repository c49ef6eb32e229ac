"""The CAPTCHA: a French word with three missing letters ("fill in the blank"), and its form field.

The image shows the word with a dot (•) in place of each missing letter; the visitor types the
missing letters. Visitors who cannot see the image get the same word spelled letter by letter in
French, in the image's alternative text and in a "Je n’arrive pas à lire l’image" disclosure
(flite, the audio engine of django-simple-captcha, speaks English only).
"""

import collections
import datetime
import os
import secrets
import time
import unicodedata

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from promeneurs import public_cache
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


# Challenges are written to the database in batches, not one per page shown: a page would
# otherwise wait for a commit (a disk flush) on every view. Each process keeps the challenges it
# wrote and hands each out once; one that waited longer than POOL_MAX_AGE is dropped, so that a
# visitor always has at least CAPTCHA_TIMEOUT - POOL_MAX_AGE minutes to answer (two thirds of a short
# CAPTCHA_TIMEOUT).
#
# A batch is CAPTCHA_BATCH_SIZE challenges. When a process has handed out its last batch within
# BURST_SECONDS (a campaign's crowd on the forms), the next one is twice as large, up to
# CAPTCHA_BATCH_MAX: a row costs about half as much in a batch of 500 as in one of 50. Once the
# crowd is gone, batches are small again, and few challenges wait to be dropped.
POOL_MAX_AGE = 5 * 60  # seconds
BURST_SECONDS = 10
_pool = collections.deque()
_pool_pid = None
_last_batch = {"size": 0, "made": None}


def _challenge_rows(count):
    expiration = timezone.now() + datetime.timedelta(minutes=int(captcha_settings.CAPTCHA_TIMEOUT))
    rows = []
    for _ in range(count):
        challenge, response = captcha_settings.get_challenge()()
        rows.append(
            CaptchaStore(
                challenge=challenge,
                response=response.lower(),
                hashkey=secrets.token_hex(20),
                expiration=expiration,
            )
        )
    return rows


def next_batch_size(now):
    """How many challenges to write now (`now`: time.monotonic()), the pool being empty."""
    smallest = max(1, settings.CAPTCHA_BATCH_SIZE)
    largest = max(smallest, settings.CAPTCHA_BATCH_MAX)
    made = _last_batch["made"]
    if made is not None and now - made < BURST_SECONDS:
        return min(largest, max(smallest, 2 * _last_batch["size"]))
    return smallest


def new_challenge():
    """(key, text alternative) of a challenge that no one else was given."""
    global _pool_pid
    if _pool_pid != os.getpid():  # a forked process must not hand out its parent's challenges
        _pool.clear()
        _last_batch.update(size=0, made=None)
        _pool_pid = os.getpid()
    now = time.monotonic()
    while True:
        try:
            key, text, made = _pool.popleft()
        except IndexError:
            break
        if now - made < min(POOL_MAX_AGE, int(captcha_settings.CAPTCHA_TIMEOUT) * 60 / 3):
            return key, text
    size = next_batch_size(now)
    rows = CaptchaStore.objects.bulk_create(_challenge_rows(size))
    _last_batch.update(size=size, made=now)
    issued = [(row.hashkey, text_alternative(row.challenge), now) for row in rows]
    # The others are handed out once they are saved for good (a request rolled back loses them).
    transaction.on_commit(lambda: _pool.extend(issued[1:]))
    return issued[0][:2]


@public_cache.register_filler("captcha")
def fill_captcha(request, part, state):
    """The key or the text alternative of this response's own challenge."""
    if "captcha" not in state:
        state["captcha"] = dict(zip(("key", "text"), new_challenge(), strict=True))
    return state["captcha"][part]


class PortalCaptchaInput(CaptchaTextInput):
    """The CAPTCHA widget with a labelled answer box, a French text alternative and a "new challenge" button.

    Its template is the project's (templates/captcha/widgets/captcha.html), rendered with the
    project's template engine: Django's default form renderer only looks into the apps.
    """

    template_name = "captcha/widgets/captcha.html"

    def fetch_captcha_store(self, name, value, attrs=None, generator=None):
        """A new challenge for this rendering; while the page is rendered for the shared cache, a
        marker instead, and each response gets its own challenge (`fill_captcha`)."""
        challenge = public_cache.per_response("captcha", "key", make=new_challenge)
        if isinstance(challenge, str):  # the marker
            self._key, self._text_alternative = (
                challenge,
                public_cache.MARKER.format(kind="captcha", arg="text"),
            )
        else:
            self._key, self._text_alternative = challenge
        self._value = [self._key, ""]
        self.id_ = self.build_attrs(attrs).get("id", None)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["image_2x"] = reverse("captcha-image-2x", kwargs={"key": self._key})
        context["text_alternative"] = self._text_alternative
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
