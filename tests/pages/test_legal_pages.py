"""/confidentialite/, /accessibilite/, /mentions-legales/: public, short and true; and the error pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.views.defaults import permission_denied, server_error

pytestmark = pytest.mark.django_db


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_privacy_page_says_who_reads_a_request_and_how_long_it_is_kept(client):
    text = page_text(client, "/confidentialite/")

    assert "<h1>Confidentialité et données personnelles</h1>" in text
    assert "Seul le promeneur à qui la demande est attribuée" in text
    assert "jamais de nom de famille" in text
    assert "jamais de date de naissance" in text
    assert "tranche d’âge" in text
    assert "<strong>24 mois</strong>" in text  # closed requests anonymised
    assert "<strong>12 mois</strong>" in text  # access logs purged
    assert "retirer votre demande à tout moment" in text
    assert "lien de suivi" in text
    assert "coordination Promeneurs du Net de votre département" in text
    assert "CNIL" in text


def test_accessibility_statement_in_the_rgaa_frame(client):
    text = page_text(client, "/accessibilite/")

    assert "<h1>Déclaration d’accessibilité</h1>" in text
    # No audit yet: "non conforme", whatever the automatic tests say.
    assert "<strong>non conforme</strong>" in text
    assert "partiellement conforme" not in text
    assert "RGAA" in text and "version&nbsp;4.1" in text
    assert 'établie le <time datetime="2026-12-01">1er décembre 2026</time>' in text
    assert "axe-core" in text and "Pages vérifiées" in text
    assert "Non-conformités connues" in text and "La carte des structures" in text
    assert 'href="mailto:accessibilite@promeneursdunet.fr"' in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    assert 'href="/accessibilite/schema-pluriannuel/"' in text


def test_accessibility_contact_comes_from_the_settings(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "a11y@caf.example.fr"

    assert 'href="mailto:a11y@caf.example.fr"' in page_text(client, "/accessibilite/")


def test_multi_year_plan_lists_actions_by_year(client):
    text = page_text(client, "/accessibilite/schema-pluriannuel/")

    assert "<h1>Schéma pluriannuel de mise en accessibilité</h1>" in text
    for year in ("2026", "2027", "2028"):
        assert f'<th scope="row">{year}</th>' in text
    assert "Audit de conformité RGAA complet" in text


@pytest.mark.parametrize("url", ["/", "/annuaire/", "/fil-info/", "/accessibilite/"])
def test_footer_states_the_conformity_and_pages_have_a_favicon_and_a_description(client, url):
    text = page_text(client, url)

    assert ">Accessibilité\u202f: non conforme</a>" in text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text
    assert '<meta name="description" content="' in text


def test_public_pages_have_their_own_description(client):
    home, directory = page_text(client, "/"), page_text(client, "/annuaire/")

    assert '<meta name="description" content="Trouve un Promeneur du Net près de chez toi' in home
    assert '<meta name="description" content="Annuaire des Promeneurs du Net' in directory


def test_legal_notice_names_the_publisher_and_asks_the_operator_for_the_host(client):
    text = page_text(client, "/mentions-legales/")

    assert "<h1>Mentions légales</h1>" in text
    assert "Caisse d’allocations familiales (CAF)" in text
    assert "À compléter par l’exploitant du portail" in text
    assert 'href="/confidentialite/"' in text


@pytest.mark.parametrize(
    "url",
    ["/confidentialite/", "/accessibilite/", "/accessibilite/schema-pluriannuel/", "/mentions-legales/"],
)
def test_legal_pages_use_the_site_layout(client, url):
    text = page_text(client, url)

    assert '<html lang="fr">' in text
    assert text.count("<main") == 1
    assert "3114" in text  # emergency numbers of the footer


# The error pages, French too.


def test_unknown_page_answers_the_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>Page introuvable</h1>" in text
    assert '<html lang="fr">' in text


def test_403_page_is_french(rf):
    response = permission_denied(rf.get("/admin/"), PermissionDenied())

    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in response.content.decode()


def test_500_page_renders_without_request_nor_context(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    text = response.content.decode()
    assert "<h1>Une erreur s’est produite</h1>" in text
    assert '<html lang="fr">' in text
    assert "3114" in text
