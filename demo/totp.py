"""The demo accounts' second factor: one TOTP secret shared by all, written in the README.

Demo only: refused when DEBUG is off, so that no real account can get a published secret.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_TOTP_SECRET = "YXG6W7KRIW5OTLCIAX7FH7PWESCXJ5AY"


def give_demo_accounts_totp(users):
    """Give each of `users` TOTP with the demo secret, and recovery codes. Idempotent."""
    if not settings.DEBUG:
        raise ImproperlyConfigured("Le secret TOTP de démonstration est refusé quand DEBUG est désactivé.")
    for user in users:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
            RecoveryCodes.activate(user)
