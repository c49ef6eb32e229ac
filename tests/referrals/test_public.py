"""The public contact form, its acknowledgment and the follow-up link (issue 3, public part)."""

import datetime
import html
import re

import pytest
from captcha.models import CaptchaStore
from django.core import signing
from django.core.cache import cache
from freezegun import freeze_time

from notifications.models import Notification, NotificationKind
from promeneurs import antispam
from promeneurs.captcha import REFRESH_FIELD
from referrals.enums import Channel, Outcome, RequestStatus, TargetKind
from referrals.models import CONTENT_FIELDS, ContactRequest
from referrals.services import contact_request_claim
from referrals.views.public import FOLLOW_UP_SALT, follow_up_token
from tests.content import stored_request
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import (
    AbsenceFactory,
    CoordinationFactory,
    DepartmentFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise warns once per process when STATIC_ROOT does not exist (collectstatic not run).
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# A Wednesday, 10:00 in Paris.
NOW = "2026-05-13 10:00:00+02:00"
SECRET_MESSAGE = "Mon message très personnel : ça ne va pas à la maison"
SECRET_NAME = "Loupiotte"
SECRET_EMAIL = "loupiotte.secrete@example.test"


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def promeneur():
    promeneur = PromeneurFactory(first_name="Charlotte", structure__name="Centre social du Ruban")
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    return promeneur


def open_form(client, url):
    """GET the form; return the page, the CAPTCHA key shown, its expected answer and the timestamp."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    return page, key, CaptchaStore.objects.get(hashkey=key).response, token


def form_data(key, answer, token, **overrides):
    data = {
        "prenom": SECRET_NAME,
        "age": "15-17",
        "commune": "Périgueux",
        "canal": Channel.EMAIL,
        "email": SECRET_EMAIL,
        "message": SECRET_MESSAGE,
        "consentement": "on",
        "captcha_0": key,
        "captcha_1": answer,
        "jeton": token,
        "site_web": "",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def submit(client, clock, url, wait=10, **overrides):
    """Open the form, let `wait` seconds pass as a person would, and send it."""
    _page, key, answer, token = open_form(client, url)
    clock.tick(wait)
    return client.post(url, form_data(key, answer, token, **overrides))


def page_of(response):
    return response.content.decode()


def assert_refused(response, message):
    """Refused with a French message, the typed values kept, nothing stored."""
    page = page_of(response)
    assert html.escape(message, quote=False) in page or message in html.unescape(page)
    assert 'class="error-summary"' in page
    assert f'value="{SECRET_NAME}"' in page
    assert html.escape(SECRET_MESSAGE) in page or SECRET_MESSAGE in page
    assert ContactRequest.objects.count() == 0


# --- The three entry points -----------------------------------------------------------------


def test_form_of_a_promeneur_creates_one_request_assigned_to_them(client, clock, promeneur):
    theme = ThemeFactory(slug="harcelement-test", name="Harcèlement (test)")
    url = f"/contact/promeneur/{promeneur.slug}/"

    response = submit(client, clock, url, themes=[theme.pk], urgent="on")

    assert response.status_code == 302
    assert response["Location"].startswith("/contact/confirmation/")
    contact_request = stored_request()
    assert contact_request.target_kind == TargetKind.PROMENEUR
    assert contact_request.target_promeneur == promeneur
    assert contact_request.assignee == promeneur
    assert contact_request.structure == promeneur.structure
    assert contact_request.department == promeneur.structure.department
    assert contact_request.status == RequestStatus.NEW
    assert contact_request.rerouted == ""
    assert (contact_request.first_name, contact_request.email, contact_request.message) == (
        SECRET_NAME,
        SECRET_EMAIL,
        SECRET_MESSAGE,
    )
    assert (contact_request.age_bracket, contact_request.commune, contact_request.channel) == (
        "15-17",
        "Périgueux",
        Channel.EMAIL,
    )
    assert contact_request.is_urgent
    assert list(contact_request.themes.all()) == [theme]
    outbox = Notification.objects.get()
    assert (outbox.kind, outbox.recipient) == (NotificationKind.REQUEST_NEW, promeneur.user)

    acknowledgment = client.get(response["Location"])
    page = page_of(acknowledgment)
    assert acknowledgment.status_code == 200
    assert contact_request.reference in page
    assert "Charlotte — Centre social du Ruban a reçu ta demande" in page
    assert "Sa prochaine présence en ligne : aujourd’hui à 14 h 00." in page


def test_a_form_that_fails_half_way_keeps_nothing(client, clock, promeneur, monkeypatch):
    """The form pages are shown outside a transaction, but a form sent is handled in one: a
    failure after the request is written leaves no half-made request behind."""
    from referrals.views import public as views

    def broken(**kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(views, "contact_request_issue_access_code", broken)
    with pytest.raises(RuntimeError):
        submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", themes=[])
    assert ContactRequest.objects.count() == 0


def test_form_of_a_structure_goes_to_its_pool(client, clock):
    structure = StructureFactory(name="MJC du Toulon")
    colleagues = PromeneurFactory.create_batch(2, structure=structure)
    url = f"/contact/structure/{structure.slug}/"

    response = submit(client, clock, url)

    assert response.status_code == 302
    contact_request = ContactRequest.objects.get()
    assert contact_request.target_kind == TargetKind.STRUCTURE
    assert contact_request.structure == structure
    assert contact_request.assignee is None
    assert contact_request.rerouted == ""
    assert {n.recipient for n in Notification.objects.all()} == {p.user for p in colleagues}
    page = page_of(client.get(response["Location"]))
    assert "Un·e promeneur·se de MJC du Toulon prendra ta demande." in page


def test_general_form_with_a_postcode_goes_to_the_department_pool(client, clock):
    coordinator = CoordinationFactory(department=DepartmentFactory(code="24")).user

    response = submit(client, clock, "/contact/", commune="24000")

    assert response.status_code == 302
    contact_request = ContactRequest.objects.get()
    assert contact_request.target_kind == TargetKind.DEPARTMENT
    assert contact_request.department.code == "24"
    assert contact_request.structure is None and contact_request.assignee is None
    assert (contact_request.commune, contact_request.postcode) == ("24000", "24000")
    assert Notification.objects.get().recipient == coordinator
    page = page_of(client.get(response["Location"]))
    assert "La coordination des Promeneurs du Net du département (Dordogne)" in page


@pytest.mark.parametrize(
    ("typed", "commune", "postcode"),
    [
        ("st emilion", "st emilion", ""),
        ("SAINT-ÉMILION", "SAINT-ÉMILION", ""),
        ("Libourne 33500", "Libourne", "33500"),
    ],
)
def test_general_form_finds_the_department_of_a_commune(client, clock, typed, commune, postcode):
    StructureFactory(commune="Saint-Émilion", postcode="33330", department=DepartmentFactory(code="33"))

    response = submit(client, clock, "/contact/", commune=typed)

    assert response.status_code == 302
    contact_request = ContactRequest.objects.get()
    assert contact_request.department.code == "33"
    assert (contact_request.commune, contact_request.postcode) == (commune, postcode)


def test_general_form_accepts_a_department_chosen_in_the_list(client, clock):
    DepartmentFactory(code="33")  # transactional browser tests flush the reference data
    response = submit(client, clock, "/contact/", commune="", departement="33")

    assert response.status_code == 302
    contact_request = ContactRequest.objects.get()
    assert contact_request.department.code == "33"
    assert contact_request.commune == "Non précisée"


@pytest.mark.parametrize(
    ("typed", "departement", "message"),
    [
        (
            "Atlantide",
            "",
            "Nous ne trouvons pas de commune « Atlantide » : indique ton code postal à 5 chiffres",
        ),
        ("00000", "", "Le code postal 00000 ne correspond à aucun département"),
        ("2400", "", "Un code postal compte 5 chiffres"),
        ("", "", "Indique ta commune ou ton code postal, ou choisis ton département."),
        ("33000", "24", "Le code postal 33000 est dans le département Gironde, pas Dordogne"),
        ("Saint-Denis", "", "Plusieurs communes s’appellent « Saint-Denis » : ajoute ton code postal"),
    ],
)
def test_general_form_explains_a_place_it_cannot_use(client, clock, typed, departement, message):
    DepartmentFactory(code="24")
    DepartmentFactory(code="33")
    StructureFactory(commune="Saint-Denis", postcode="93200", department=DepartmentFactory(code="93"))
    StructureFactory(commune="Saint-Denis", postcode="97400", department=DepartmentFactory(code="974"))

    response = submit(client, clock, "/contact/", commune=typed, departement=departement)

    assert response.status_code == 200
    assert_refused(response, message)
    assert f'value="{typed}"' in page_of(response) or not typed


@pytest.mark.parametrize("status", ["candidate", "suspended", "left"])
def test_promeneur_who_is_not_public_has_no_form(client, status):
    promeneur = PromeneurFactory(**{status: True})
    assert client.get(f"/contact/promeneur/{promeneur.slug}/").status_code == 404
    assert client.post(f"/contact/promeneur/{promeneur.slug}/", {}).status_code == 404


def test_structure_that_is_not_public_has_no_form(client):
    structure = StructureFactory(is_public=False)
    assert client.get(f"/contact/structure/{structure.slug}/").status_code == 404
    assert client.get("/contact/structure/nexiste-pas/").status_code == 404


def test_promeneur_of_a_hidden_structure_has_no_form(client):
    promeneur = PromeneurFactory(structure__is_public=False)
    assert client.get(f"/contact/promeneur/{promeneur.slug}/").status_code == 404


# --- Rerouting, said honestly ---------------------------------------------------------------


def test_absent_promeneur_hands_over_to_the_structure_pool(client, clock, promeneur):
    AbsenceFactory(
        promeneur=promeneur, starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 5, 31)
    )
    PromeneurFactory(structure=promeneur.structure, first_name="Colin")  # a colleague, reachable
    url = f"/contact/promeneur/{promeneur.slug}/"
    assert (
        "Charlotte n’est pas disponible en ce moment : ta demande sera confiée à l’équipe de "
        "Centre social du Ruban." in (page_of(client.get(url)))
    )

    response = submit(client, clock, url)

    contact_request = ContactRequest.objects.get()
    assert contact_request.assignee is None
    assert contact_request.structure == promeneur.structure
    assert contact_request.target_promeneur == promeneur
    page = page_of(client.get(response["Location"]))
    assert html.escape(contact_request.rerouted, quote=False) in page
    assert "Charlotte n’est pas disponible en ce moment" in page
    assert "Un·e promeneur·se de Centre social du Ruban prendra ta demande." in page


def test_structure_without_a_labelled_promeneur_hands_over_to_the_department(client, clock):
    structure = StructureFactory(name="Maison des ados du Bergeracois")
    PromeneurFactory(structure=structure, candidate=True)
    url = f"/contact/structure/{structure.slug}/"
    assert "n’a pas de promeneur ou de promeneuse disponible en ce moment" in page_of(client.get(url))

    response = submit(client, clock, url)

    contact_request = ContactRequest.objects.get()
    assert contact_request.structure is None
    assert contact_request.department == structure.department
    page = page_of(client.get(response["Location"]))
    assert "Maison des ados du Bergeracois n’a pas de promeneur ou promeneuse disponible" in page
    assert "La coordination des Promeneurs du Net du département (Dordogne)" in page


# --- Outside the programme's ages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("moins-12", ["Tu as moins de 12 ans", 'href="tel:119"', "infirmi"]),
        (
            "plus-25",
            [
                "Tu as plus de 25 ans",
                "missions locales accueillent les jeunes jusqu’à 25 ans",
                "CAF",
                "France Services",
                "point d’accès au droit",
            ],
        ),
    ],
)
def test_out_of_age_gets_guidance_and_nothing_is_stored(client, clock, promeneur, age, expected):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", age=age)

    assert response.status_code == 200
    page = page_of(response)
    guidance_at = page.index('<section class="guidance" aria-labelledby="conseils-')
    assert guidance_at < page.index('id="urgences"') < page.index("<form")  # guidance, then numbers, first
    for text in expected:
        assert text in page
    assert 'class="error-summary"' not in page
    assert ContactRequest.objects.count() == 0
    assert Notification.objects.count() == 0
    assert SECRET_MESSAGE in html.unescape(page)  # a slip of the age loses nothing


# --- Protection against robots --------------------------------------------------------------


def test_wrong_captcha_is_refused_and_keeps_what_was_typed(client, clock, promeneur):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", captcha_1="zzz")

    assert response.status_code == 200
    # The refusal says what was expected (the missing letters, or the whole word).
    assert_refused(response, "Ce ne sont pas les bonnes lettres\u202f: dans «\u202f")
    assert "il fallait écrire les 3 lettres qui remplacent les points" in html.unescape(page_of(response))
    assert 'value="zzz"' not in page_of(response)


def test_captcha_answer_is_accepted_whatever_the_case_accents_or_spaces(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"
    _page, key, answer, token = open_form(client, url)
    clock.tick(10)
    typed = " " + " ".join(answer.upper()).replace("E", "É") + " "

    response = client.post(url, form_data(key, answer, token, captcha_1=typed))

    assert response.status_code == 302


def test_captcha_cannot_be_used_twice(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"
    _page, key, answer, token = open_form(client, url)
    clock.tick(10)
    assert client.post(url, form_data(key, answer, token)).status_code == 302

    response = client.post(url, form_data(key, answer, token))

    assert "Ce ne sont pas les bonnes lettres" in html.unescape(page_of(response))
    assert ContactRequest.objects.count() == 1


def test_filled_honeypot_is_refused(client, clock, promeneur):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", site_web="https://spam.example")

    assert_refused(response, antispam.HONEYPOT_MESSAGE)
    assert "spam.example" not in page_of(response)  # emptied, so that a person can send again


def test_too_fast_is_refused(client, clock, promeneur):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", wait=1)

    assert_refused(response, antispam.TOO_FAST_MESSAGE)


def test_too_old_is_refused(client, clock, promeneur):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", wait=2 * 3600 + 5)

    assert_refused(response, antispam.TOO_OLD_MESSAGE)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace("contact:", "comment:", 1),
        lambda token: "",
        lambda token: None,
        lambda token: signing.TimestampSigner(salt="autre-chose").sign("contact"),
    ],
)
def test_tampered_timestamp_is_refused(client, clock, promeneur, tamper):
    url = f"/contact/promeneur/{promeneur.slug}/"
    _page, key, answer, token = open_form(client, url)
    clock.tick(10)

    response = client.post(url, form_data(key, answer, token, jeton=tamper(token)))

    assert_refused(response, antispam.TAMPERED_MESSAGE)


def test_refused_form_gets_a_fresh_timestamp_and_can_then_be_sent(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"
    refused = submit(client, clock, url, wait=1)
    page = page_of(refused)
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    clock.tick(10)

    response = client.post(url, form_data(key, CaptchaStore.objects.get(hashkey=key).response, token))

    assert response.status_code == 302


def test_rate_limit_per_address(client, clock, promeneur, settings):
    # freezegun moves the clock, which Redis expiry ignores: a local-memory cache for this test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    settings.FORM_RATE_LIMIT_PER_HOUR = 2
    url = f"/contact/promeneur/{promeneur.slug}/"
    assert submit(client, clock, url).status_code == 302
    assert submit(client, clock, url).status_code == 302

    refused = submit(client, clock, url)

    assert refused.status_code == 429
    page = html.unescape(page_of(refused))
    assert antispam.RATE_LIMIT_MESSAGE in page
    assert f'value="{SECRET_NAME}"' in page and SECRET_MESSAGE in page
    assert ContactRequest.objects.count() == 2
    # Another address is not held back; this one may send again an hour later.
    _page, key, answer, token = open_form(client, url)
    clock.tick(10)
    other = client.post(url, form_data(key, answer, token), REMOTE_ADDR="192.0.2.8")
    assert other.status_code == 302
    clock.tick(3600)
    assert submit(client, clock, url).status_code == 302
    assert ContactRequest.objects.count() == 4


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis est injoignable")

        return fail


def test_cache_failure_lets_the_request_through_and_is_logged(client, clock, promeneur, monkeypatch, caplog):
    monkeypatch.setattr(antispam, "cache", BrokenCache())

    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/")

    assert response.status_code == 302
    assert ContactRequest.objects.count() == 1
    assert "the cache failed" in caplog.text


def test_new_challenge_keeps_what_was_typed_and_sends_nothing(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"
    _page, key, _answer, token = open_form(client, url)
    clock.tick(10)

    response = client.post(url, form_data(key, "", token, urgent="on", **{REFRESH_FIELD: "1"}))

    page = page_of(response)
    assert response.status_code == 200
    assert "Voici un nouveau mot. Ta demande n’est pas encore envoyée." in page
    assert 'class="error-summary"' not in page
    new_key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    assert new_key != key
    assert f'value="{SECRET_NAME}"' in page and SECRET_MESSAGE in html.unescape(page)
    assert re.search(r'<input type="checkbox" name="urgent"[^>]* checked', page)
    assert ContactRequest.objects.count() == 0


# --- Contact details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "Cette adresse e-mail n’est pas valide"),
        ({"canal": Channel.EMAIL, "email": ""}, "email", "Tu as choisi d’être contacté·e par e-mail"),
        ({"canal": Channel.SMS, "telephone": "05 53 00 00 00"}, "telephone", "pas un portable français"),
        ({"canal": Channel.SMS, "telephone": "12345"}, "telephone", "pas un portable français"),
        ({"canal": Channel.SMS, "telephone": ""}, "telephone", "Tu as choisi d’être contacté·e par SMS"),
        (
            {"canal": Channel.NETWORK, "reseau": "instagram", "pseudo": "lou lou!"},
            "pseudo",
            "Ce pseudo Instagram n’est pas valide",
        ),
        (
            {"canal": Channel.NETWORK, "reseau": "x", "pseudo": "un_pseudo_bien_trop_long"},
            "pseudo",
            "Ce pseudo X (Twitter) n’est pas valide",
        ),
        (
            {"canal": Channel.NETWORK, "reseau": "whatsapp", "pseudo": "loulou"},
            "pseudo",
            "Sur WhatsApp, indique ton numéro de portable",
        ),
        ({"canal": Channel.NETWORK, "reseau": "", "pseudo": ""}, "reseau", "choisis lequel"),
        (
            {"canal": Channel.EMAIL, "reseau": "", "pseudo": "lou.24"},
            "reseau",
            "Choisis le réseau sur lequel tu as ce pseudo.",
        ),
        ({"canal": Channel.NETWORK, "reseau": "snapchat", "pseudo": ""}, "pseudo", "indique ton pseudo"),
        (
            {"canal": Channel.NETWORK, "reseau": "myspace", "pseudo": "lou"},
            "reseau",
            "Choisis un réseau dans la liste.",
        ),
        ({"canal": "pigeon"}, "canal", "Choisis comment tu veux être contacté·e dans la liste."),
    ],
)
def test_contact_details_are_checked(client, clock, promeneur, overrides, field, message):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", **overrides)

    page = html.unescape(page_of(response))
    assert response.status_code == 200
    assert re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>.*{re.escape(message)}', page)
    assert f'href="#id_{field}' in page  # the summary leads to the box
    assert ContactRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "stored"),
    [
        ({"canal": Channel.SMS, "telephone": "+33 6 12 34 56 78"}, {"phone": "06 12 34 56 78"}),
        ({"canal": Channel.SMS, "telephone": "0033 7.12.34.56.78"}, {"phone": "07 12 34 56 78"}),
        ({"canal": Channel.SMS, "telephone": "+33 (0)6-12-34-56-78"}, {"phone": "06 12 34 56 78"}),
        (
            {"canal": Channel.NETWORK, "reseau": "instagram", "pseudo": "@lou.24"},
            {"network": "instagram", "handle": "lou.24"},
        ),
        (
            {"canal": Channel.NETWORK, "reseau": "discord", "pseudo": "lou_24"},
            {"network": "discord", "handle": "lou_24"},
        ),
        (
            {"canal": Channel.NETWORK, "reseau": "whatsapp", "pseudo": "0612345678"},
            {"network": "whatsapp", "handle": "06 12 34 56 78"},
        ),
        (
            {"canal": Channel.NETWORK, "reseau": "facebook", "pseudo": "Zoé Lou"},
            {"network": "facebook", "handle": "Zoé Lou"},
        ),
        ({"canal": Channel.EMAIL, "email": "Lou@Example.TEST"}, {"email": "lou@example.test"}),
        # A network chosen but no handle, while the e-mail is the channel: nothing half-filled is kept.
        ({"canal": Channel.EMAIL, "reseau": "tiktok", "pseudo": ""}, {"network": "", "handle": ""}),
    ],
)
def test_contact_details_are_normalised(client, clock, promeneur, overrides, stored):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", **overrides)

    assert response.status_code == 302
    contact_request = stored_request()
    assert {name: getattr(contact_request, name) for name in stored} == stored
    assert contact_request.channel == overrides["canal"]


# --- Bad input ------------------------------------------------------------------------------

PAYLOAD = '<script>alert("pdn")</script>'


def test_html_is_shown_escaped_in_every_field(client, clock, promeneur):
    text_fields = ["prenom", "commune", "pseudo", "email", "telephone", "message"]
    response = submit(
        client,
        clock,
        f"/contact/promeneur/{promeneur.slug}/",
        canal=Channel.NETWORK,
        reseau="instagram",
        **{name: PAYLOAD for name in text_fields},
    )

    page = page_of(response)
    assert response.status_code == 200
    assert PAYLOAD not in page
    assert page.count(html.escape(PAYLOAD)) >= len(text_fields)  # each kept, escaped
    assert ContactRequest.objects.count() == 0


def test_html_in_choices_is_refused_and_never_echoed(client, clock, promeneur):
    response = submit(
        client,
        clock,
        f"/contact/promeneur/{promeneur.slug}/",
        age=PAYLOAD,
        canal=PAYLOAD,
        reseau=PAYLOAD,
        themes=[PAYLOAD],
    )

    page = page_of(response)
    assert response.status_code == 200
    assert PAYLOAD not in page
    assert "Choisis ton âge dans la liste." in page
    assert "Choisis les thèmes dans la liste." in page
    assert ContactRequest.objects.count() == 0


def test_html_accepted_in_the_message_is_stored_as_text_and_never_shown(client, clock, promeneur):
    response = submit(
        client, clock, f"/contact/promeneur/{promeneur.slug}/", prenom="<b>Lou</b>", message=PAYLOAD
    )

    assert response.status_code == 302
    contact_request = stored_request()
    assert (contact_request.first_name, contact_request.message) == ("<b>Lou</b>", PAYLOAD)
    page = page_of(client.get(response["Location"]))
    assert "Lou" not in page and "alert" not in page


def test_nul_bytes_in_every_field_give_errors_not_500(client, clock, promeneur):
    fields = ["prenom", "age", "commune", "canal", "reseau", "pseudo", "email", "telephone", "message"]
    response = submit(
        client,
        clock,
        f"/contact/promeneur/{promeneur.slug}/",
        themes=["1\x00"],
        **{name: "a\x00b" for name in fields},
    )

    page = html.unescape(page_of(response))
    assert response.status_code == 200
    for name in ["prenom", "commune", "pseudo", "message"]:
        assert re.search(rf'id="id_{name}_error"><li>.*caractère invisible', page)
    assert "Choisis ton âge dans la liste." in page
    assert ContactRequest.objects.count() == 0


def test_nul_bytes_in_the_protection_fields_give_errors_not_500(client, clock, promeneur):
    response = submit(
        client,
        clock,
        f"/contact/promeneur/{promeneur.slug}/",
        captcha_0="\x00",
        captcha_1="\x00",
        jeton="\x00",
    )

    assert response.status_code == 200
    assert antispam.TAMPERED_MESSAGE in html.unescape(page_of(response))
    assert ContactRequest.objects.count() == 0


def test_message_of_100_kb_is_refused_clearly_and_kept(client, clock, promeneur):
    message = "é" * 100_000

    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", message=message)

    page = page_of(response)
    assert response.status_code == 200
    assert (
        "Ton message compte 100\u202f000 caractères : raccourcis-le à 2\u202f000 caractères au plus." in page
    )
    assert message in page
    assert ContactRequest.objects.count() == 0


def test_message_of_2000_characters_with_line_breaks_is_accepted_and_2001_is_not(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"
    lines = "\r\n".join(["x" * 199] * 10)  # 1990 letters + 9 breaks: 1999 characters, 2008 bytes sent
    assert submit(client, clock, url, message=lines + "!").status_code == 302
    assert stored_request().message == lines.replace("\r\n", "\n") + "!"

    refused = submit(client, clock, url, message=lines + "!!")

    assert "Ton message compte 2\u202f001 caractères" in page_of(refused)
    assert ContactRequest.objects.count() == 1


def test_unicode_and_emoji_are_kept_as_typed(client, clock, promeneur):
    message = "Ça va pas 😔 — j’ai besoin d’aide 🙏 ; مرحبا ; 你好"

    response = submit(
        client, clock, f"/contact/promeneur/{promeneur.slug}/", prenom="Zoé 🌈", message=message
    )

    assert response.status_code == 302
    contact_request = stored_request()
    assert (contact_request.first_name, contact_request.message) == ("Zoé 🌈", message)


def test_blank_fields_get_clear_errors(client, clock, promeneur):
    blank = {name: "   " for name in ["prenom", "commune", "email", "message", "captcha_1"]}

    response = submit(
        client, clock, f"/contact/promeneur/{promeneur.slug}/", age="", canal="", consentement=None, **blank
    )

    page = html.unescape(page_of(response))
    assert response.status_code == 200
    for message in [
        "Indique ton prénom ou un pseudo",
        "Indique ton âge",
        "Indique ta commune ou ton code postal.",
        "Choisis comment tu veux être contacté·e",
        "Écris ton message",
        "coche la case qui dit que tu es d’accord",
        "Recopie les lettres qui manquent",
    ]:
        assert message in page
    assert ContactRequest.objects.count() == 0


@pytest.mark.parametrize("length", [61, 1000])
def test_overlong_first_name_is_refused(client, clock, promeneur, length):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", prenom="L" * length)

    assert f"Ton prénom ou pseudo compte au plus 60 caractères (tu en as écrit {length})" in html.unescape(
        page_of(response)
    )
    assert ContactRequest.objects.count() == 0


# --- Pages: accessibility structure and the strict CSP ------------------------------------


def assert_no_inline_script_or_style(page):
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)


def test_form_page_structure(client, clock, promeneur):
    page, *_ = open_form(client, f"/contact/promeneur/{promeneur.slug}/")

    assert page.count("<h1") == 1
    assert_no_inline_script_or_style(page)
    assert 'src="/static/js/contact.js"' in page
    assert '<label for="id_captcha_1">' in page
    assert re.search(r'<div class="honeypot" aria-hidden="true">\s*<label for="id_site_web">', page)
    assert re.search(r'<input type="text" name="site_web" autocomplete="off" tabindex="-1"', page)
    for legend in [
        "Ton âge",
        "Comment préfères-tu être contacté·e ?",
        "De quoi veux-tu parler ?",
        "Vérification anti-robot",
    ]:
        assert f"<legend>{legend}</legend>" in page
    assert "seul le promeneur ou la promeneuse qui prend ta demande lit ton message" in page.lower()
    assert "rendue anonyme au bout de 24 mois" in page
    assert page.index("<form") < page.index('id="urgences"')  # numbers after the form


def test_urgent_with_errors_puts_the_emergency_numbers_first(client, clock, promeneur):
    url = f"/contact/promeneur/{promeneur.slug}/"

    urgent = page_of(submit(client, clock, url, urgent="on", message=""))
    not_urgent = page_of(submit(client, clock, url, message=""))

    assert urgent.index('id="urgences"') < urgent.index('class="error-summary"') < urgent.index("<form")
    assert not_urgent.index("<form") < not_urgent.index('id="urgences"')
    assert urgent.count('id="urgences"') == 1


def test_errors_are_tied_to_their_boxes(client, clock, promeneur):
    page = page_of(submit(client, clock, f"/contact/promeneur/{promeneur.slug}/", prenom="", age=""))

    assert re.search(
        r'<input type="text" name="prenom"[^>]*aria-describedby="id_prenom_helptext id_prenom_error"', page
    )
    assert re.search(r'<input type="radio" name="age"[^>]*aria-describedby="id_age_error"', page)
    assert 'href="#id_prenom"' in page and 'href="#id_age_0"' in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Erreur — " in page


# --- Acknowledgment and follow-up -----------------------------------------------------------


def sent_request(client, clock, url, **overrides):
    response = submit(client, clock, url, **overrides)
    assert response.status_code == 302
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    return ContactRequest.objects.latest("pk"), token


@pytest.mark.parametrize(
    "overrides",
    [
        {"canal": Channel.EMAIL},
        {"canal": Channel.SMS, "telephone": "06 98 76 54 32"},
        {"canal": Channel.NETWORK, "reseau": "snapchat", "pseudo": "loupiotte_sc"},
    ],
)
def test_acknowledgment_and_follow_up_never_show_the_content(client, clock, promeneur, overrides):
    contact_request, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/", **overrides)
    secrets = [SECRET_MESSAGE, SECRET_NAME, SECRET_EMAIL, "06 98 76 54 32", "0698765432", "loupiotte_sc"]

    for url in [f"/contact/confirmation/{token}/", f"/suivi/{token}/", f"/suivi/{token}/?retirer=1"]:
        response = client.get(url)
        page = html.unescape(page_of(response))
        assert response.status_code == 200
        assert contact_request.reference in page
        assert_no_inline_script_or_style(page)
        assert page.count("<h1") == 1
        for secret in secrets:
            assert secret not in page and secret.lower() not in page.lower()
        assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_acknowledgment_gives_the_full_follow_up_link(client, clock, promeneur):
    _contact_request, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")

    page = page_of(client.get(f"/contact/confirmation/{token}/"))

    assert f"http://testserver/suivi/{token}/" in page
    assert "jusqu’au 12 juillet 2026" in page
    assert "Ne le partage pas" in page


def test_acknowledgment_of_an_urgent_request_puts_the_emergency_numbers_first(client, clock, promeneur):
    _urgent, urgent_token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/", urgent="on")
    _calm, calm_token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")

    urgent = page_of(client.get(f"/contact/confirmation/{urgent_token}/"))
    calm = page_of(client.get(f"/contact/confirmation/{calm_token}/"))

    assert urgent.index('id="urgences"') < urgent.index('id="titre-suite"')
    assert calm.index('id="titre-suite"') < calm.index('id="urgences"')


def test_follow_up_says_the_status_in_plain_words(client, clock, promeneur):
    contact_request, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")
    url = f"/suivi/{token}/"
    assert "<strong>Reçue</strong>" in page_of(client.get(url))

    contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)
    assert "<strong>Prise en charge par Charlotte — Centre social du Ruban</strong>" in page_of(
        client.get(url)
    )

    contact_request.refresh_from_db()
    contact_request.transition_to(RequestStatus.CLOSED, outcome=Outcome.RESOLVED_ONLINE)
    page = page_of(client.get(url))
    assert "<strong>Close</strong>" in page
    assert "Retirer ma demande" not in page
    assert "Effacer mes informations" in page


def test_follow_up_of_another_request_or_a_forged_token_is_a_clear_404(client, clock, promeneur):
    mine, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")
    other = ContactRequestFactory()
    other_token = follow_up_token(other)
    # Someone else's UUID in my token: the signature no longer matches.
    forged = token.replace(mine.uuid.hex, other.uuid.hex)
    assert forged != token
    unknown = signing.TimestampSigner(salt=FOLLOW_UP_SALT).sign("0" * 32)
    wrong_salt = signing.TimestampSigner(salt="autre").sign(other.uuid.hex)

    for bad in [
        forged,
        token[:-2],
        other.uuid.hex,
        str(other.uuid),
        mine.reference,
        "abc",
        unknown,
        wrong_salt,
        "x" * 5000,
    ]:
        for url in [f"/suivi/{bad}/", f"/contact/confirmation/{bad}/"]:
            response = client.get(url)
            page = html.unescape(page_of(response))
            assert response.status_code == 404
            assert "Ce lien de suivi ne fonctionne pas" in page
            assert "Vérifie que tu as copié le lien en entier" in page
            assert other.reference not in page and mine.reference not in page
    assert client.post(f"/suivi/{forged}/").status_code == 404
    other = stored_request(other)
    assert other.status == RequestStatus.NEW and other.message
    assert client.get(f"/suivi/{other_token}/").status_code == 200


def test_expired_follow_up_link_gives_a_clear_page(client, clock, promeneur):
    contact_request, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")
    clock.tick(datetime.timedelta(days=59))
    assert client.get(f"/suivi/{token}/").status_code == 200

    clock.tick(datetime.timedelta(days=2))

    for url in [f"/suivi/{token}/", f"/contact/confirmation/{token}/"]:
        response = client.get(url)
        page = html.unescape(page_of(response))
        assert response.status_code == 404
        assert "Ce lien de suivi a expiré" in page
        assert "valable 60 jours" in page
        assert contact_request.reference not in page
    assert client.post(f"/suivi/{token}/").status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.NEW


def test_withdrawal_asks_for_confirmation_then_erases_the_content_at_once(client, clock, promeneur):
    contact_request, token = sent_request(
        client,
        clock,
        f"/contact/promeneur/{promeneur.slug}/",
        canal=Channel.SMS,
        telephone="0612345678",
        reseau="instagram",
        pseudo="loupiotte",
    )
    url = f"/suivi/{token}/"
    confirmation = page_of(client.get(url + "?retirer=1"))
    assert "Es-tu sûr·e ?" in confirmation and "Oui, retirer ma demande" in confirmation
    contact_request = stored_request(contact_request)
    assert contact_request.status == RequestStatus.NEW and contact_request.message  # a GET changes nothing

    response = client.post(url)

    assert response.status_code == 302 and response["Location"] == url
    contact_request = stored_request(contact_request)
    assert contact_request.status == RequestStatus.WITHDRAWN
    assert {field: getattr(contact_request, field) for field in CONTENT_FIELDS} == dict.fromkeys(
        CONTENT_FIELDS, ""
    )
    assert contact_request.erased_at is not None
    page = page_of(client.get(url))
    assert "<strong>Retirée</strong>" in page
    assert "Tu as retiré ta demande le 13 mai 2026" in page
    assert "Oui, retirer ma demande" not in page

    again = client.post(url)

    assert again.status_code == 409
    assert "Cette demande a déjà été retirée" in html.unescape(page_of(again))
    assert contact_request.history.filter(to_status=RequestStatus.WITHDRAWN).count() == 1


def test_a_closed_request_keeps_its_outcome_but_its_content_can_be_erased_at_once(client, clock, promeneur):
    contact_request, token = sent_request(client, clock, f"/contact/promeneur/{promeneur.slug}/")
    contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)
    contact_request.refresh_from_db()
    contact_request.transition_to(RequestStatus.CLOSED, outcome=Outcome.RESOLVED_ONLINE)

    response = client.post(f"/suivi/{token}/")

    assert response.status_code == 302
    contact_request = stored_request(contact_request)
    assert contact_request.status == RequestStatus.CLOSED and contact_request.outcome == "resolved_online"
    assert {field: getattr(contact_request, field) for field in CONTENT_FIELDS} == dict.fromkeys(
        CONTENT_FIELDS, ""
    )
    assert contact_request.erased_at is not None
    page = page_of(client.get(f"/suivi/{token}/"))
    assert "Effacer mes informations" not in page

    again = client.post(f"/suivi/{token}/")
    assert again.status_code == 409
    assert "il n’y a plus rien à effacer" in html.unescape(page_of(again))
