"""Getting back to one's request: reference + short code on /suivi/, and "Est-ce que ça t’a aidé ?"."""

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from referrals.access_codes import code_matches, normalise_reference
from referrals.enums import Helpfulness, Outcome, RequestStatus
from referrals.models import ContactRequest
from referrals.services import contact_request_issue_access_code
from referrals.views.public import follow_up_token
from tests.referrals.factories import ContactRequestFactory
from tests.referrals.test_public import NOW, SECRET_MESSAGE, submit
from tests.structures.factories import PromeneurFactory

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

LOOKUP = reverse("referrals:follow_up_lookup")


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def promeneur():
    return PromeneurFactory(first_name="Charlotte")


def closed_request():
    contact_request = ContactRequestFactory(claimed=True)
    ContactRequest.objects.filter(pk=contact_request.pk).update(
        status=RequestStatus.CLOSED, outcome=Outcome.RESOLVED_ONLINE, closed_at=timezone.now()
    )
    contact_request.refresh_from_db()
    return contact_request


def with_code(**kwargs):
    contact_request = ContactRequestFactory(**kwargs)
    return contact_request, contact_request_issue_access_code(request=contact_request)


def follow_up_path(contact_request):
    return reverse("referrals:follow_up", kwargs={"token": follow_up_token(contact_request)})


def test_acknowledgment_shows_the_reference_and_the_code_once_and_only_the_hash_is_kept(
    client, clock, promeneur
):
    response = submit(client, clock, f"/contact/promeneur/{promeneur.slug}/")
    assert response.status_code == 302
    contact_request = ContactRequest.objects.get()

    page = client.get(response["Location"]).content.decode()
    code = re.search(r'<strong class="access-code" id="code-suivi">(\d{6})</strong>', page).group(1)
    assert f'id="reference-demande">{contact_request.reference}</strong>' in page
    assert "Ce code ne s’affiche qu’une fois" in page
    # Copy buttons are hidden until the script finds a clipboard; the text stays selectable.
    assert (
        '<button type="button" class="copy-button" data-copy="code-suivi" hidden>Copier le code</button>'
        in page
    )
    # Stored as a password hash, never in clear.
    assert code not in contact_request.access_code_hash
    assert identify_hasher(contact_request.access_code_hash)
    assert code_matches(code, contact_request.access_code_hash)

    again = client.get(response["Location"]).content.decode()
    assert 'id="code-suivi"' not in again
    assert code not in again


def test_reference_and_code_reopen_the_follow_up_page(client):
    contact_request, code = with_code()

    response = client.post(
        LOOKUP,
        {"reference": contact_request.reference.lower().replace("-", " "), "code": f"{code[:3]} {code[3:]}"},
    )

    assert response.status_code == 302
    assert response["Location"] == follow_up_path(contact_request)
    page = client.get(response["Location"]).content.decode()
    assert contact_request.reference in page
    assert SECRET_MESSAGE not in page and contact_request.email not in page


@pytest.mark.parametrize("wrong", ["wrong code", "unknown reference", "no code issued"])
def test_a_wrong_code_does_not_open_and_says_so_without_telling_which(client, wrong):
    contact_request, code = with_code()
    reference = contact_request.reference
    if wrong == "wrong code":
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    elif wrong == "unknown reference":
        reference = "PDN-2222-3333"
    else:
        ContactRequest.objects.filter(pk=contact_request.pk).update(access_code_hash="")

    response = client.post(LOOKUP, {"reference": reference, "code": code})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Cette référence et ce code ne vont pas ensemble" in page
    assert follow_up_token(contact_request) not in page
    assert f'value="{reference}"' in page  # the reference typed is kept…
    assert f'value="{code}"' not in page  # …the code is not shown back


def test_wrong_codes_are_limited_per_reference(client, settings):
    settings.FOLLOW_UP_CODE_ATTEMPTS_PER_REFERENCE = 3
    contact_request, code = with_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for n in range(3):
        # Each attempt from another address: the limit is the reference's own.
        assert (
            client.post(
                LOOKUP, {"reference": contact_request.reference, "code": wrong}, REMOTE_ADDR=f"10.0.0.{n}"
            ).status_code
            == 400
        )
    refused = client.post(
        LOOKUP, {"reference": contact_request.reference, "code": code}, REMOTE_ADDR="10.0.0.9"
    )

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Trop d’essais pour cette référence ou depuis cette connexion" in page
    assert 'href="tel:3114"' in page
    # Another reference from the same addresses is not blocked.
    other, other_code = with_code()
    assert (
        client.post(
            LOOKUP, {"reference": other.reference, "code": other_code}, REMOTE_ADDR="10.0.0.9"
        ).status_code
        == 302
    )


def test_wrong_codes_are_limited_per_address(client, settings):
    settings.FOLLOW_UP_CODE_ATTEMPTS_PER_ADDRESS = 3
    requests = [with_code() for _ in range(4)]

    for contact_request, code in requests[:3]:
        assert (
            client.post(
                LOOKUP,
                {"reference": contact_request.reference, "code": "000000" if code != "000000" else "111111"},
            ).status_code
            == 400
        )
    contact_request, code = requests[3]

    assert client.post(LOOKUP, {"reference": contact_request.reference, "code": code}).status_code == 429
    assert (
        client.post(
            LOOKUP, {"reference": contact_request.reference, "code": code}, REMOTE_ADDR="192.0.2.7"
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("reference", "code", "message"),
    [
        ("", "123456", "Indique la référence de ta demande"),
        ("PDN-12", "123456", "Une référence ressemble à PDN-7K2M-Q4XD"),
        ("PDN-7K2M-Q4XD", "", "Indique ton code de suivi"),
        ("PDN-7K2M-Q4XD", "12ab56", "Le code de suivi compte 6 chiffres"),
        ("PDN-7K2M-Q4XD", "١٢٣٤٥٦", "Le code de suivi compte 6 chiffres"),
        ("PDN\x00", "123456", "Ce texte contient un caractère invalide"),
        ("<script>alert(1)</script>", "123456", "Une référence ressemble à PDN-7K2M-Q4XD"),
        ("P" * 5000, "123456", "Une référence compte 13 caractères"),
    ],
)
def test_bad_input_gets_a_french_message_and_no_error_page(client, reference, code, message):
    response = client.post(LOOKUP, {"reference": reference, "code": code})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<script>alert(1)</script>" not in page


def test_bad_input_is_not_counted_as_a_guess(client, settings):
    settings.FOLLOW_UP_CODE_ATTEMPTS_PER_ADDRESS = 1
    contact_request, code = with_code()
    client.post(LOOKUP, {"reference": contact_request.reference, "code": "abc"})

    assert client.post(LOOKUP, {"reference": contact_request.reference, "code": code}).status_code == 302


def test_the_lookup_page_is_public_and_accessible_in_structure(client):
    page = client.get(LOOKUP).content.decode()

    assert "<h1>Retrouver ma demande</h1>" in page
    assert '<label for="id_reference">Référence de ta demande</label>' in page
    assert 'aria-describedby="id_code_helptext"' in page


def test_references_are_read_the_way_people_type_them():
    assert normalise_reference(" pdn 7k2m q4xd ") == "PDN-7K2M-Q4XD"
    assert normalise_reference("PDN7K2MQ4XD") == "PDN-7K2M-Q4XD"
    assert normalise_reference("pdn-7k2m-q4xd") == "PDN-7K2M-Q4XD"


# --- "Est-ce que ça t’a aidé ?" ----------------------------------------------------------------------


def test_a_closed_request_asks_whether_it_helped_and_records_the_answer(client):
    contact_request = closed_request()
    path = follow_up_path(contact_request)

    page = client.get(path).content.decode()
    assert "Est-ce que ça t’a aidé ?" in page
    assert 'type="radio" name="answer" value="un_peu"' in page

    response = client.post(
        reverse("referrals:follow_up_helpfulness", kwargs={"token": follow_up_token(contact_request)}),
        {"answer": "un_peu"},
    )

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.helpfulness == Helpfulness.A_LITTLE
    assert contact_request.helpfulness_at is not None
    assert "Tu as répondu «\u202fun peu\u202f»" in client.get(path).content.decode()


@pytest.mark.parametrize("status", [RequestStatus.NEW, RequestStatus.CLAIMED, RequestStatus.WITHDRAWN])
def test_an_open_or_withdrawn_request_does_not_ask_and_refuses_an_answer(client, status):
    contact_request = ContactRequestFactory(claimed=status == RequestStatus.CLAIMED, status=status)

    assert "Est-ce que ça t’a aidé ?" not in client.get(follow_up_path(contact_request)).content.decode()
    client.post(
        reverse("referrals:follow_up_helpfulness", kwargs={"token": follow_up_token(contact_request)}),
        {"answer": "oui"},
    )
    contact_request.refresh_from_db()
    assert contact_request.helpfulness == ""


@pytest.mark.parametrize("answer", ["", "peut-être", "\x00", "oui" * 1000])
def test_an_unknown_answer_is_not_recorded(client, answer):
    contact_request = closed_request()

    response = client.post(
        reverse("referrals:follow_up_helpfulness", kwargs={"token": follow_up_token(contact_request)}),
        {"answer": answer},
    )

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.helpfulness == ""


def test_a_forged_token_cannot_answer(client):
    response = client.post(
        reverse("referrals:follow_up_helpfulness", kwargs={"token": "faux"}), {"answer": "oui"}
    )

    assert response.status_code == 404
