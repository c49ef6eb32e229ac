"""Protection of the public forms against robots: a honeypot, a signed timestamp, a rate limit per IP.

Used by the contact form; meant for the comment form too. A form inherits `AntispamForm` and
names its `antispam_scope`; the view asks `rate_limit_reached()` before accepting a submission and
calls `rate_limit_record()` after it. Every refusal is a plain French sentence shown at the top of
the form, which keeps what the visitor typed (`AntispamForm.prepare_redisplay`).
"""

import logging
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

from promeneurs import public_cache

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "site_web"
TIMESTAMP_FIELD = "jeton"
RATE_LIMIT_WINDOW = 3600  # seconds

HONEYPOT_MESSAGE = (
    "Ta demande n’a pas été envoyée : un champ invisible, qui sert à repérer les robots, a été rempli "
    "(parfois par le remplissage automatique du navigateur). Vérifie tes réponses et envoie-la à nouveau."
)
TOO_FAST_MESSAGE = (
    "Ta demande n’a pas été envoyée : le formulaire a été envoyé trop vite, comme le ferait un robot. "
    "Vérifie tes réponses et envoie-la à nouveau."
)
TOO_OLD_MESSAGE = (
    "Ta demande n’a pas été envoyée : le formulaire était ouvert depuis trop longtemps et a expiré, "
    "par sécurité. Tes réponses sont gardées ci-dessous : vérifie-les et envoie-la à nouveau."
)
TAMPERED_MESSAGE = (
    "Ta demande n’a pas été envoyée : le formulaire est incomplet ou a été modifié. "
    "Vérifie tes réponses et envoie-la à nouveau."
)
RATE_LIMIT_MESSAGE = (
    "Ta demande n’a pas été envoyée : beaucoup de demandes sont parties de cette connexion dans la "
    "dernière heure. Réessaie un peu plus tard. Si c’est urgent, appelle l’un des numéros d’urgence "
    "ci-dessous : ils répondent tout de suite."
)

# Codes of the ValidationError raised by AntispamForm.clean(), for forms that word refusals their own way.
REFUSAL_CODES = {
    HONEYPOT_MESSAGE: "honeypot",
    TOO_FAST_MESSAGE: "too_fast",
    TOO_OLD_MESSAGE: "too_old",
    TAMPERED_MESSAGE: "tampered",
}


# --- Signed timestamp ---------------------------------------------------------------------------


def _timestamp_signer(scope):
    return signing.TimestampSigner(salt=f"promeneurs.antispam.timestamp.{scope}")


def timestamp_issue(scope):
    """A token saying "this form of `scope` was shown now", signed so that it cannot be forged."""
    return _timestamp_signer(scope).sign(scope)


def timestamp_refusal(token, scope, *, min_seconds, max_seconds):
    """Why a form shown with `token` must be refused (a French message), or None if it may pass."""
    signer = _timestamp_signer(scope)
    token = token if isinstance(token, str) else ""
    try:
        signer.unsign(token, max_age=max_seconds)
    except signing.SignatureExpired:
        return TOO_OLD_MESSAGE
    except signing.BadSignature:
        return TAMPERED_MESSAGE
    # The signature is good, so the token is "<scope>:<base62 timestamp>:<signature>".
    issued_at = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    if time.time() - issued_at < min_seconds:
        return TOO_FAST_MESSAGE
    return None


@public_cache.register_filler("timestamp")
def fill_timestamp(request, scope, state):
    return timestamp_issue(scope)


# --- Rate limit per IP address ------------------------------------------------------------------


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or the address seen by our trusted proxies.

    Behind N trusted reverse proxies (setting `ANTISPAM_TRUSTED_PROXY_COUNT`, 0 by default), the
    client is the Nth address from the end of X-Forwarded-For; what comes before it may be forged.
    """
    trusted = getattr(settings, "ANTISPAM_TRUSTED_PROXY_COUNT", 0)
    if trusted:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "")


def _rate_key(request, scope):
    # The address itself is not kept in the cache: a keyed hash of it is enough to count.
    digest = salted_hmac("promeneurs.antispam.rate", client_ip(request)).hexdigest()[:32]
    return f"antispam:{scope}:{digest}"


def rate_limit_reached(request, scope, limit=None):
    """Whether this address already made `limit` accepted submissions of `scope` in the hour.

    If the cache fails (Redis down), the visitor is let through and the failure is logged.
    """
    limit = settings.FORM_RATE_LIMIT_PER_HOUR if limit is None else limit
    try:
        count = cache.get(_rate_key(request, scope), 0)
    except Exception:
        logger.warning("Rate limit of %s not checked: the cache failed.", scope, exc_info=True)
        return False
    return count >= limit


def rate_limit_record(request, scope):
    """Count one accepted submission of `scope` for this address (window: one hour from the first)."""
    key = _rate_key(request, scope)
    try:
        if not cache.add(key, 1, timeout=RATE_LIMIT_WINDOW):
            cache.incr(key)
    except Exception:
        logger.warning("Submission of %s not counted: the cache failed.", scope, exc_info=True)


# --- The form -----------------------------------------------------------------------------------


class HoneypotInput(forms.TextInput):
    """A text box humans do not see (CSS class in the template) and robots fill in."""

    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1", "class": "honeypot-input"})


class AntispamForm(forms.Form):
    """A form with a honeypot and a signed timestamp, checked in `clean()`.

    The page must render `form.site_web` inside a wrapper that is hidden from humans and marked
    `aria-hidden="true"` (see templates/referrals/contact.html), and `form.jeton` anywhere.
    """

    antispam_scope = "form"

    # Plain fields: no validator may report an error next to a field the visitor cannot see.
    site_web = forms.Field(
        label="Ne remplis pas ce champ, il sert à repérer les robots", required=False, widget=HoneypotInput()
    )
    jeton = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = self.antispam_scope
        # Made for each response, also when the page comes from the shared cache.
        self.fields[TIMESTAMP_FIELD].initial = public_cache.per_response(
            "timestamp", scope, make=lambda: timestamp_issue(scope)
        )

    @property
    def min_seconds(self):
        return settings.CONTACT_FORM_MIN_SECONDS

    def error_summary(self):
        """The errors in the order of the page, each with the id of the box to go to."""
        items = [{"anchor": "", "message": message} for message in self.non_field_errors()]
        for name in self.fields:
            if name in self.errors:
                bound = self[name]
                anchor = bound.id_for_label or f"{bound.auto_id}_0"
                items += [{"anchor": anchor, "message": message} for message in self.errors[name]]
        return items

    def extra_described_by(self, name, auto_id):
        """Ids of further descriptions of a box (a counter, format rules) for aria-describedby."""
        return []

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self):
        """aria-describedby of each box: its help, its further descriptions, then its errors (ids
        used by the templates); aria-invalid on the boxes in error."""
        errors = self._errors or {}
        for name, field in self.fields.items():
            if name in (HONEYPOT_FIELD, TIMESTAMP_FIELD):
                continue
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_helptext"] if field.help_text else []
            ids += self.extra_described_by(name, auto_id)
            if name in errors:
                ids.append(f"{auto_id}_error")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)
            if name in errors:
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)

    @property
    def max_seconds(self):
        return settings.CONTACT_FORM_MAX_SECONDS

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get(HONEYPOT_FIELD):
            raise ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        refusal = timestamp_refusal(
            cleaned_data.get(TIMESTAMP_FIELD),
            self.antispam_scope,
            min_seconds=self.min_seconds,
            max_seconds=self.max_seconds,
        )
        if refusal:
            raise ValidationError(refusal, code=REFUSAL_CODES[refusal])
        return cleaned_data

    def prepare_redisplay(self):
        """Before showing a refused form again: a fresh timestamp, an empty honeypot.

        Everything else the visitor typed stays (the CAPTCHA widget always shows a new challenge).
        """
        if not self.is_bound:
            return
        data = self.data.copy()
        data[self.add_prefix(TIMESTAMP_FIELD)] = timestamp_issue(self.antispam_scope)
        data[self.add_prefix(HONEYPOT_FIELD)] = ""
        self.data = data
