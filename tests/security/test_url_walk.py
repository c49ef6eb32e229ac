"""Every URL pattern of the project: only an explicit allow-list answers without login, and the
dashboard and the admin refuse a signed-in user who has not passed the second factor.

Parameters: the login and second-factor checks run before any view (LoginRequiredMiddleware,
the admin's own check, accounts.middleware.SecondFactorMiddleware), so each URL is reversed with
placeholder values that its pattern accepts; a public page may then answer 404."""

import re
import uuid

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.accounts.factories import UserFactory
from tests.security.helpers import give_totp

pytestmark = pytest.mark.django_db

PUBLIC = {
    # pages
    "pages:home",
    "pages:privacy",
    "pages:accessibility",
    "pages:accessibility_plan",
    "pages:legal",
    "pages:healthz",
    # directory
    "structures:directory",
    "structures:structure_detail",
    "structures:promeneur_detail",
    "structures:commune_suggestions",
    "structures:directory_map",
    # contact form, acknowledgment and the young person's follow-up link
    "referrals:contact",
    "referrals:contact_promeneur",
    "referrals:contact_structure",
    "referrals:acknowledgment",
    "referrals:follow_up",
    "referrals:follow_up_lookup",
    "referrals:follow_up_helpfulness",
    # "Réponds-moi ici": the conversation of the follow-up link (the signed token is the key)
    "referrals:follow_up_message",
    "referrals:follow_up_conversation_poll",
    # Fil info
    "news:article_list",
    "news:feed",
    "news:article_detail",
    # open data: the directory in the data·inclusion schema
    "opendata:structures_json",
    "opendata:structures_csv",
    "opendata:services_json",
    "opendata:services_csv",
    # CAPTCHA of the public forms
    "captcha-image",
    "captcha-image-2x",
    "captcha-audio",
    "captcha-refresh",
    # allauth: login, password reset, the second step of the login
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_email_verification_sent",
    "account_confirm_login_code",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "mfa_authenticate",
    # invitations
    "invitation_accept",
    # the admin's login page
    "admin:login",
}
# URL patterns without a name, visited at a URL written here.
UNNAMED = {"admin/(?P<url>.*)$": "/admin/nothing-here/"}  # the admin's catch-all
PLACEHOLDERS = ["accounts", "1", "x", str(uuid.uuid4()), "abc-def"]


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def url_for(name, pattern):
    params = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
    for value in PLACEHOLDERS:
        try:
            return reverse(name, kwargs=dict.fromkeys(params, value))
        except NoReverseMatch:
            continue
    return None


def all_urls():
    urls, names = [], set()
    for route, name, pattern in walk(get_resolver().url_patterns):
        if name is None:
            if route in UNNAMED:
                urls.append((route, UNNAMED[route]))
                continue
            # The admin's unnamed redirects (<path:object_id>/ → change page).
            assert route.startswith("admin/") and "(?P" not in route, f"unnamed URL pattern {route}"
            urls.append((route, "/" + re.sub(r"<[^>]+>", "1", route)))
            continue
        url = url_for(name, pattern)
        assert url is not None, f"cannot build {name} ({route})"
        urls.append((name, url))
        names.add(name)
    return urls, names


def test_allow_list_names_exist():
    _, names = all_urls()
    assert PUBLIC <= names, PUBLIC - names


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(
        ("/comptes/login/", "/admin/login/")
    )


def test_only_allow_listed_urls_answer_anonymous_visitors(client):
    urls, _ = all_urls()
    leaks, broken = [], []
    for name, url in urls:
        response = client.get(url)
        if name in PUBLIC:
            if response.status_code not in (200, 301, 302, 404, 405, 410):
                broken.append((name, url, response.status_code))
        elif not is_login_redirect(response):
            leaks.append((name, url, response.status_code))
        # Security headers on every answer.
        assert response["Permissions-Policy"], url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        if response.status_code == 200:
            assert "default-src 'self'" in response["Content-Security-Policy"], url
    assert not leaks, leaks
    assert not broken, broken


def dashboard_urls():
    urls, _ = all_urls()
    return [(name, url) for name, url in urls if url.startswith(("/tableau-de-bord/", "/admin/"))]


def test_dashboard_and_admin_send_a_user_without_second_factor_to_set_it_up(client, settings):
    settings.MFA_REQUIRED = True
    client.force_login(UserFactory(caf_staff=True, is_superuser=True))
    urls = dashboard_urls()
    assert len(urls) > 50
    let_through = [
        (name, url, response.status_code)
        for name, url in urls
        if (response := client.get(url)).status_code != 302
        or response["Location"] != "/comptes/2fa/totp/activate/"
    ]
    assert not let_through, let_through


def test_dashboard_and_admin_refuse_a_session_that_did_not_pass_the_second_factor(client, settings):
    settings.MFA_REQUIRED = True
    user = UserFactory(caf_staff=True, is_superuser=True)
    give_totp(user)
    client.force_login(user)
    let_through = [
        (name, url, response.status_code)
        for name, url in dashboard_urls()
        if (response := client.get(url)).status_code != 302
        or not response["Location"].startswith("/comptes/2fa/reauthenticate/")
    ]
    assert not let_through, let_through


def test_dashboard_pages_are_not_stored(client):
    client.force_login(UserFactory(caf_staff=True))
    for url in ("/tableau-de-bord/", "/admin/", "/tableau-de-bord/notifications/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    assert "no-store" not in client.get("/").get("Cache-Control", "")
