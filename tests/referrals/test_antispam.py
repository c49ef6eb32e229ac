"""promeneurs/antispam.py: honeypot, signed timestamp and rate limit, on their own."""

import logging

import pytest
from django import forms
from django.core import signing
from django.core.cache import cache
from django.test import RequestFactory
from freezegun import freeze_time

from promeneurs import antispam


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """These tests move the clock with freezegun, which Redis expiry ignores: local memory here."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with freeze_time("2026-05-13 10:00:00+02:00") as frozen:
        yield frozen


def check(token, scope="contact"):
    return antispam.timestamp_refusal(token, scope, min_seconds=3, max_seconds=7200)


def test_timestamp_too_fast_then_fine_then_too_old(clock):
    token = antispam.timestamp_issue("contact")
    assert check(token) == antispam.TOO_FAST_MESSAGE
    clock.tick(2)
    assert check(token) == antispam.TOO_FAST_MESSAGE
    clock.tick(1)
    assert check(token) is None
    clock.tick(7200 - 3)
    assert check(token) is None
    clock.tick(1)
    assert check(token) == antispam.TOO_OLD_MESSAGE


@pytest.mark.parametrize("token", ["", None, 42, "contact", "contact:1xXmMT:faux", "\x00", "é" * 10_000])
def test_timestamp_malformed_is_tampered(clock, token):
    assert check(token) == antispam.TAMPERED_MESSAGE


def test_timestamp_of_another_form_or_edited_is_tampered(clock):
    comment_token = antispam.timestamp_issue("comment")
    clock.tick(60)
    assert check(comment_token, scope="comment") is None
    assert check(comment_token, scope="contact") == antispam.TAMPERED_MESSAGE
    value, timestamp, signature = antispam.timestamp_issue("contact").split(":")
    older = signing.b62_encode(signing.b62_decode(timestamp) - 3600)
    assert check(f"{value}:{older}:{signature}") == antispam.TAMPERED_MESSAGE


def request_from(address, **meta):
    return RequestFactory().post("/contact/", REMOTE_ADDR=address, **meta)


def test_rate_limit_counts_per_address_and_scope(settings, clock):
    settings.FORM_RATE_LIMIT_PER_HOUR = 3
    me, other = request_from("203.0.113.5"), request_from("203.0.113.6")
    for _ in range(3):
        assert not antispam.rate_limit_reached(me, "contact")
        antispam.rate_limit_record(me, "contact")
    assert antispam.rate_limit_reached(me, "contact")
    assert not antispam.rate_limit_reached(other, "contact")
    assert not antispam.rate_limit_reached(me, "comment")
    assert antispam.rate_limit_reached(me, "contact", limit=3)
    assert not antispam.rate_limit_reached(me, "contact", limit=4)
    clock.tick(3601)
    assert not antispam.rate_limit_reached(me, "contact")


def test_rate_limit_does_not_keep_the_address_in_the_cache(clock):
    antispam.rate_limit_record(request_from("203.0.113.5"), "contact")
    keys = list(cache._cache.keys())  # local-memory cache of the tests
    assert keys and not any("203.0.113.5" in key for key in keys)


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis est injoignable")

        return fail


def test_rate_limit_fails_open_and_logs_when_the_cache_fails(monkeypatch, caplog):
    monkeypatch.setattr(antispam, "cache", BrokenCache())
    me = request_from("203.0.113.5")
    with caplog.at_level(logging.WARNING, logger="promeneurs.antispam"):
        antispam.rate_limit_record(me, "contact")
        assert antispam.rate_limit_reached(me, "contact", limit=0) is False
    assert [r.message for r in caplog.records] == [
        "Submission of contact not counted: the cache failed.",
        "Rate limit of contact not checked: the cache failed.",
    ]


def test_client_address_is_remote_addr_unless_proxies_are_trusted(settings):
    request = request_from("10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert antispam.client_ip(request) == "10.0.0.1"
    settings.ANTISPAM_TRUSTED_PROXY_COUNT = 1
    assert antispam.client_ip(request) == "203.0.113.9"
    settings.ANTISPAM_TRUSTED_PROXY_COUNT = 2
    assert antispam.client_ip(request) == "198.51.100.7"
    settings.ANTISPAM_TRUSTED_PROXY_COUNT = 3  # fewer addresses than proxies: not trusted
    assert antispam.client_ip(request) == "10.0.0.1"


class CommentLikeForm(antispam.AntispamForm):
    antispam_scope = "comment"
    text = forms.CharField()


def test_antispam_form_refuses_a_filled_honeypot_and_redisplays_it_empty(clock):
    token = antispam.timestamp_issue("comment")
    clock.tick(10)
    form = CommentLikeForm(data={"text": "Bonjour", "jeton": token, "site_web": "http://spam.example"})

    assert not form.is_valid()
    assert form.non_field_errors() == [antispam.HONEYPOT_MESSAGE]
    form.prepare_redisplay()
    assert form["site_web"].value() == ""
    assert form["text"].value() == "Bonjour"
    assert form["jeton"].value() != token


def test_antispam_form_accepts_a_person(clock):
    token = CommentLikeForm()["jeton"].value()
    clock.tick(10)
    assert CommentLikeForm(data={"text": "Bonjour", "jeton": token, "site_web": ""}).is_valid()


def test_antispam_form_honeypot_is_out_of_reach_of_people():
    rendered = str(CommentLikeForm()["site_web"])
    assert 'tabindex="-1"' in rendered and 'autocomplete="off"' in rendered


@pytest.mark.parametrize(
    ("data", "wait", "code"),
    [
        ({"site_web": "x"}, 10, "honeypot"),
        ({}, 1, "too_fast"),
        ({}, 7201, "too_old"),
        ({"jeton": "x"}, 10, "tampered"),
    ],
)
def test_antispam_form_refusals_have_codes(clock, data, wait, code):
    token = CommentLikeForm()["jeton"].value()
    clock.tick(wait)
    form = CommentLikeForm(data={"text": "Bonjour", "jeton": token, "site_web": "", **data})

    assert not form.is_valid()
    assert form.errors.as_data()["__all__"][0].code == code
