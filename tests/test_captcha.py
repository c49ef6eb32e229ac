"""The CAPTCHA: its URLs open to anonymous visitors, its French challenge, its accessible widget."""

import json
import re

import pytest
from captcha.models import CaptchaStore
from django import forms

from promeneurs.captcha import (
    BLANK,
    MISSING,
    WORDS,
    PortalCaptchaField,
    completions,
    fill_in_the_blank,
    normalise_answer,
    text_alternative,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def key():
    return CaptchaStore.generate_key()


def test_image_loads_for_an_anonymous_visitor(client, key):
    for url in [f"/captcha/image/{key}/", f"/captcha/image/{key}@2/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")


def test_refresh_answers_an_anonymous_visitor_with_a_new_challenge(client, key):
    response = client.get("/captcha/refresh/", headers={"x-requested-with": "XMLHttpRequest"})

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["key"] != key
    assert CaptchaStore.objects.filter(hashkey=data["key"]).exists()
    assert client.get(data["image_url"]).status_code == 200


def test_image_of_an_unknown_challenge_is_gone_not_a_login_page(client):
    response = client.get("/captcha/image/" + "0" * 40 + "/")
    assert response.status_code == 410


def test_challenge_answer_fills_the_blank_of_a_known_word():
    seen = set()
    for _ in range(500):
        challenge, answer = fill_in_the_blank()
        assert len(answer) == MISSING and answer.isalpha() and answer.islower()
        assert challenge.count(BLANK) == MISSING
        word = challenge.replace(BLANK * MISSING, answer)
        assert word in WORDS
        assert challenge[0] != BLANK and challenge[-2:] == word[-2:]  # recognisable
        assert len(challenge) <= 32  # CaptchaStore.challenge
        seen.add(word)
    assert len(seen) > 20


def test_stored_challenge_uses_our_function(key):
    store = CaptchaStore.objects.get(hashkey=key)
    assert store.challenge.replace(BLANK * MISSING, store.response) in WORDS


@pytest.mark.parametrize(
    ("challenge", "expected"),
    [
        ("prom•••ur", "p, r, o, m, puis 3 lettres manquantes, puis u, r"),
        ("ta•••ne", "t, a, puis 3 lettres manquantes, puis n, e"),
        ("a•b", "a, puis 1 lettre manquante, puis b"),
        ("prom___ur", "p, r, o, m, puis 3 lettres manquantes, puis u, r"),  # the former challenge's blanks
    ],
)
def test_text_alternative_spells_the_challenge(challenge, expected):
    assert text_alternative(challenge) == expected


def test_answers_are_compared_without_case_accents_or_spaces():
    assert normalise_answer(" É N e ") == "ene"
    assert normalise_answer("OLA") == "ola"


class CaptchaForm(forms.Form):
    captcha = PortalCaptchaField(label="Vérification")


def test_field_accepts_the_answer_typed_loosely_and_only_once(key):
    store = CaptchaStore.objects.get(hashkey=key)
    loose = " " + store.response.upper() + " "

    assert CaptchaForm(data={"captcha_0": key, "captcha_1": loose}).is_valid()
    again = CaptchaForm(data={"captcha_0": key, "captcha_1": store.response})
    assert not again.is_valid()
    assert "Ce ne sont pas les bonnes lettres" in again.errors["captcha"][0]


def test_widget_has_a_label_a_french_text_alternative_and_a_new_challenge_button():
    rendered = str(CaptchaForm()["captcha"])

    key = re.search(r'name="captcha_0" value="([0-9a-f]{40})"', rendered).group(1)
    store = CaptchaStore.objects.get(hashkey=key)
    assert '<label for="id_captcha_1">Les lettres qui manquent</label>' in rendered
    assert re.search(r'<input type="text" name="captcha_1"[^>]* id="id_captcha_1"', rendered)
    assert f'alt="Mot à compléter, lettre par lettre : {text_alternative(store.challenge)}."' in rendered
    assert f"/captcha/image/{key}/" in rendered and f"/captcha/image/{key}@2/ 2x" in rendered
    assert re.search(r'<button type="submit"[^>]* name="nouveau_defi" value="1" formnovalidate', rendered)
    assert "<script" not in rendered and " style=" not in rendered


def captcha_form_with(challenge, response):
    store = CaptchaStore.objects.create(challenge=challenge, response=response)
    return lambda typed: CaptchaForm(data={"captcha_0": store.hashkey, "captcha_1": typed})


def test_the_whole_word_is_accepted_as_well_as_the_missing_letters(db):
    assert captcha_form_with("prom•••ur", "ene")("Promeneur").is_valid()
    assert captcha_form_with("prom•••ur", "ene")(" PROMENEUR ").is_valid()
    assert captcha_form_with("prom•••ur", "ene")("ene").is_valid()


def test_every_completion_that_makes_a_word_of_the_list_is_accepted(db):
    assert completions("ca•••ble", "rta") == {"rta": "cartable", "cartable": "cartable"}
    # A challenge that two words could fill: "co•••rt" is "concert" with "nce", and the word the
    # challenge was drawn from (here a made-up "coxyzrt") with its own letters.
    assert completions("co•••rt", "xyz") == {
        "xyz": "coxyzrt",
        "coxyzrt": "coxyzrt",
        "nce": "concert",
        "concert": "concert",
    }
    for typed in ["nce", "CONCERT", "xyz", "coxyzrt"]:
        assert captcha_form_with("co•••rt", "xyz")(typed).is_valid(), typed
    assert not captcha_form_with("co•••rt", "xyz")("abc").is_valid()


def test_a_wrong_answer_is_told_what_was_expected(db):
    form = captcha_form_with("prom•••ur", "ene")("abc")

    assert not form.is_valid()
    [error] = form.errors["captcha"]
    assert error.startswith("Ce ne sont pas les bonnes lettres\u202f: dans «\u202fprom•••ur\u202f»")
    assert (
        "il fallait écrire les 3 lettres qui remplacent les points («\u202fene\u202f», pour «\u202fpromeneur\u202f»)"
        in error
    )
    assert "ou le mot entier" in error
    assert "Voici un nouveau mot" in error
