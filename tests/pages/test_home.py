import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pages.emergency import EMERGENCY_NUMBERS
from tests.structures.factories import PromeneurFactory

pytestmark = pytest.mark.django_db

HOME = reverse("pages:home")


def test_home_explains_what_a_promeneur_is(client):
    html = client.get(HOME).content.decode()

    assert html.count("<h1") == 1
    assert "CAF" in html
    for mission in ["écouter", "prévenir", "conseiller", "accompagner"]:
        assert f"<strong>{mission}</strong>" in html
    # Openly identified professionals.
    assert "son prénom, sa photo, son métier et sa structure sont affichés" in html


def test_home_says_the_young_person_makes_the_first_move_and_promises_confidentiality(client):
    html = client.get(HOME).content.decode()

    assert "C’est toujours toi qui fais le premier pas" in html
    assert "ne t’écrira jamais le premier" in html
    assert "confidentiels" in html


def test_home_shows_every_emergency_number(client):
    html = client.get(HOME).content.decode()

    emergency = html[html.index('id="urgences"') :]
    for item in EMERGENCY_NUMBERS:
        assert f'href="{item["href"]}">{item["number"]}</a>' in emergency


def test_home_search_submits_by_get_to_the_directory(client):
    html = client.get(HOME).content.decode()

    form = re.search(r'<form method="get" action="(?P<action>[^"]+)"[^>]*>(?P<body>.*?)</form>', html, re.S)
    assert form["action"] == reverse("structures:directory")
    body = form["body"]
    assert '<label for="id_lieu">Commune ou code postal' in body
    assert 'name="lieu"' in body
    assert '<label for="id_departement">Département' in body
    assert '<option value="24">24 — Dordogne</option>' in body
    assert '<option value="2A">2A — Corse-du-Sud</option>' in body


def test_home_search_lands_on_the_filtered_directory(client):
    PromeneurFactory(first_name="Perigueux", structure__postcode="24000")
    PromeneurFactory(first_name="Bergerac", structure__postcode="24100", structure__commune="Bergerac")

    response = client.get(reverse("structures:directory"), {"lieu": "24000", "departement": ""})

    assert [p.first_name for p in response.context["promeneurs"]] == ["Perigueux"]


def test_home_has_no_inline_script_or_style(client):
    html = client.get(HOME).content.decode()

    # Scripts are files of the site (the place autocomplete), never code written in the page.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all(
        re.fullmatch(r' src="/static/[^"]+\.js"', attrs) and not body.strip() for attrs, body in scripts
    )
    assert not re.search(r"\sstyle=", html)


def test_home_query_count_does_not_depend_on_the_number_of_promeneurs(client, django_assert_num_queries):
    PromeneurFactory()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    few = len(queries)
    # Pinned (a new query shows here, even on a page of one row): the départements of the search
    # form, the latest articles and when the next scheduled one comes out. Outside a transaction,
    # all three are kept (tests/news/test_kept.py).
    assert few == 3

    PromeneurFactory.create_batch(29)

    with django_assert_num_queries(few):
        client.get(HOME)
