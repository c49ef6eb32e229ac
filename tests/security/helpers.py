import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user, secret=SECRET):
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def totp_code(secret=SECRET, at=None):
    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def login_with_totp(client, user, password, secret=SECRET):
    """The real flow: password, then the TOTP code."""
    response = client.post("/comptes/login/", {"login": user.email, "password": password})
    assert response.status_code == 302 and response["Location"] == "/comptes/2fa/authenticate/"
    response = client.post("/comptes/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response
