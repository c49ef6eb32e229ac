import base64

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Marks a value encrypted by `MFAAdapter.encrypt` (what has no mark was stored in the clear).
ENCRYPTED_PREFIX = "fernet:"


def mfa_fernet(secret=None):
    """The Fernet key of the second factors' secrets, derived from DJANGO_MFA_ENCRYPTION_KEY
    (or, when it is not set, from DJANGO_SECRET_KEY)."""
    secret = secret or settings.MFA_ENCRYPTION_KEY or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"promeneurs mfa secrets").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(text, fernet=None):
    if text.startswith(ENCRYPTED_PREFIX):
        return text
    return ENCRYPTED_PREFIX + (fernet or mfa_fernet()).encrypt(text.encode()).decode()


def decrypt_secret(text, fernet=None):
    if not text.startswith(ENCRYPTED_PREFIX):
        return text  # stored before encryption (the migration encrypts those)
    return (fernet or mfa_fernet()).decrypt(text[len(ENCRYPTED_PREFIX) :].encode()).decode()


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by invitation only: there is no public sign-up."""

    def is_open_for_signup(self, request):
        return False


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Vous ne pouvez pas retirer votre dernière double authentification : elle est obligatoire. "
            "Ajoutez-en une autre d’abord."
        ),
    }

    def encrypt(self, text):
        """TOTP secrets and recovery-code seeds are stored encrypted (Fernet, AES-128 + HMAC)."""
        return encrypt_secret(text)

    def decrypt(self, encrypted_text):
        return decrypt_secret(encrypted_text)

    def can_delete_authenticator(self, authenticator):
        """The second factor is mandatory: the last one (recovery codes aside) stays."""
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        others = (
            Authenticator.objects.filter(user_id=authenticator.user_id)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        return others.exists()
