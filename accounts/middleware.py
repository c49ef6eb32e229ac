"""Security middlewares: response headers, session limits, the mandatory second factor."""

import datetime
import time
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

# Pages behind the login whose answers must never be stored by a browser or a proxy.
PRIVATE_PREFIXES = ("/tableau-de-bord/", "/admin/", "/comptes/")
# Pages that require the second factor whatever their view says (the admin's views handle their
# own login, so they are not marked as requiring one).
DASHBOARD_PREFIXES = ("/tableau-de-bord/", "/admin/")
# allauth's own pages (login, logout, second-factor set-up, password): open without it.
ACCOUNT_PREFIX = "/comptes/"

LOGIN_AT = "accounts_login_at"
SEEN_AT = "accounts_seen_at"
# The last-request time is written at most once a minute (a session write per request otherwise).
SEEN_RESOLUTION = 60


class SecurityHeadersMiddleware:
    """`Permissions-Policy` everywhere (Django's SecurityMiddleware sets Referrer-Policy and
    X-Content-Type-Options) and `Cache-Control: no-store` on private pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(PRIVATE_PREFIXES):
            patch_cache_control(response, no_store=True)
        return response


def session_login_started(request):
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = int(now)


class SessionLimitsMiddleware:
    """A signed-in session ends after SESSION_IDLE_SECONDS without a request and
    SESSION_MAX_SECONDS after the login (the login time is stored at login: accounts/apps.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get(LOGIN_AT)
            seen_at = session.get(SEEN_AT)
            if login_at is None or seen_at is None:
                session_login_started(request)
            elif (
                now - login_at > settings.SESSION_MAX_SECONDS or now - seen_at > settings.SESSION_IDLE_SECONDS
            ):
                # Signed out, the request goes on as an anonymous one: a private page then
                # redirects to the login (LoginRequiredMiddleware, the admin).
                logout(request)
                messages.info(request, "Votre session a expiré : reconnectez-vous.")
            elif now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)


def session_passed_mfa(request):
    """allauth recorded a second-factor authentication in this session, or the user set up their
    authenticator in this session (which takes a valid code)."""
    if any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user)):
        return True
    login_at = request.session.get(LOGIN_AT)
    return (
        login_at is not None
        and Authenticator.objects.filter(
            user_id=request.user.pk,
            created_at__gte=datetime.datetime.fromtimestamp(login_at, tz=datetime.UTC),
        )
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


class SecondFactorMiddleware:
    """Every signed-in account must have a second factor, and have used it in this session.

    Without an authenticator, the user is sent to set up TOTP and may open only allauth's pages
    (set-up, logout, password) and public pages. With one, a session that has not passed it
    (only `force_login` can do that) is sent to allauth's second-factor check. Driven by
    MFA_REQUIRED, read at each request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED or not request.user.is_authenticated:
            return None
        path = request.path
        if path.startswith(ACCOUNT_PREFIX):
            return None
        if not path.startswith(DASHBOARD_PREFIXES) and not getattr(view_func, "login_required", True):
            return None  # a public page
        if not is_mfa_enabled(request.user):
            return redirect("mfa_activate_totp")
        if not session_passed_mfa(request):
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return None
