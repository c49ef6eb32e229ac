"""Data we do not keep, people we do not refuse (design §3b.4), through the real pages."""

import logging

import pytest
from allauth import app_settings as allauth_settings
from django.conf import settings as django_settings
from django.urls import reverse
from gunicorn.config import Config

from promeneurs.redaction import GunicornLogger, RedactTokenFilter, redact_path
from referrals.enums import Channel
from referrals.views.public import follow_up_token
from tests.content import stored_request
from tests.referrals import test_public
from tests.referrals.factories import ContactRequestFactory
from tests.referrals.test_public import SECRET_EMAIL, page_of, submit

# The contact form's fixtures: a frozen clock, a reachable promeneur.
clock = test_public.clock
promeneur = test_public.promeneur

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.mark.parametrize(
    ("channel", "kept"),
    [
        (Channel.NETWORK, {"network": "instagram", "handle": "lou.canari", "email": "", "phone": ""}),
        (Channel.EMAIL, {"network": "", "handle": "", "email": SECRET_EMAIL, "phone": ""}),
        (Channel.SMS, {"network": "", "handle": "", "email": "", "phone": "06 12 34 56 78"}),
    ],
)
def test_only_the_chosen_channels_contact_detail_is_stored(client, clock, promeneur, channel, kept):
    response = submit(
        client,
        clock,
        reverse("referrals:contact_promeneur", args=[promeneur.slug]),
        canal=channel,
        reseau="instagram",
        pseudo="lou.canari",
        email=SECRET_EMAIL,
        telephone="0612345678",
    )
    assert response.status_code == 302
    request = stored_request()
    assert {name: getattr(request, name) for name in kept} == kept


def test_a_classroom_behind_one_address_is_not_refused(client, clock, promeneur):
    """Thirty pupils of one school, one public address: all their requests go through."""
    url = reverse("referrals:contact_promeneur", args=[promeneur.slug])
    for _ in range(30):
        assert submit(client, clock, url).status_code == 302
    assert django_settings.FORM_RATE_LIMIT_PER_HOUR >= 30


def test_a_flood_is_refused_with_the_text_kept_and_the_emergency_numbers_first(
    settings, client, clock, promeneur
):
    settings.FORM_RATE_LIMIT_PER_HOUR = 2
    url = reverse("referrals:contact_promeneur", args=[promeneur.slug])
    for _ in range(2):
        assert submit(client, clock, url).status_code == 302
    response = submit(client, clock, url, message="CANARI-GARDE : je veux parler à quelqu’un")
    page = page_of(response)
    assert response.status_code == 429
    assert "CANARI-GARDE" in page
    assert page.index('href="tel:3114"') < page.index('name="message"')


def test_allauth_reads_the_client_address_as_the_portal_does(settings):
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.ANTISPAM_TRUSTED_PROXY_COUNT
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert allauth_settings.TRUSTED_PROXY_COUNT == 1


def test_failed_logins_from_many_visitors_behind_the_proxy_do_not_lock_out_the_others(settings, client):
    from tests.accounts.factories import UserFactory

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(email="victime@example.test")
    victim.set_password("un-mot-de-passe-tres-solide-42")
    victim.save()
    # Forty people behind the same proxy (REMOTE_ADDR) mistype their passwords.
    for n in range(40):
        client.post(
            "/comptes/login/",
            {"login": f"personne{n}@example.test", "password": "faux"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )
    response = client.post(
        "/comptes/login/",
        {"login": victim.email, "password": "un-mot-de-passe-tres-solide-42"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302  # signed in (next: the second factor or the dashboard)


def test_the_follow_up_token_is_kept_out_of_the_logs(client, caplog):
    request = ContactRequestFactory()
    token = follow_up_token(request)
    assert redact_path(f"GET /suivi/{token}/ HTTP/1.1") == "GET /suivi/[lien-de-suivi]/ HTTP/1.1"
    assert token not in redact_path(f"/contact/confirmation/{token}/")

    # Django's own log of a 404 (a damaged link) goes through the filter of the console handler.
    handler_filters = django_settings.LOGGING["handlers"]["console"]["filters"]
    assert handler_filters == ["redact_tokens"]
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", (f"/suivi/{token}x/",), None
    )
    RedactTokenFilter().filter(record)
    assert token not in record.getMessage()

    # gunicorn's access log.
    class Response:
        status = "200 OK"
        headers = []
        sent = 10

    class Request:
        method = "GET"
        path = f"/suivi/{token}/"
        query = ""
        uri = path
        version = (1, 1)
        headers = []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/suivi/{token}/",
        "PATH_INFO": f"/suivi/{token}/",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    import datetime

    atoms = GunicornLogger(Config()).atoms(Response(), Request(), environ, datetime.timedelta(seconds=1))
    assert all(token not in str(value) for value in atoms.values())
    assert atoms["U"] == "/suivi/[lien-de-suivi]/"
