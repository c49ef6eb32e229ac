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
    assert "<strong>partiellement conforme</strong>" in text
    assert "RGAA" in text
    assert "axe-core" in text
    assert "Signaler un problème" in text
    assert "Défenseur des droits" in text


def test_legal_notice_names_the_publisher_and_asks_the_operator_for_the_host(client):
    text = page_text(client, "/mentions-legales/")

    assert "<h1>Mentions légales</h1>" in text
    assert "Caisse d’allocations familiales (CAF)" in text
    assert "À compléter par l’exploitant du portail" in text
    assert 'href="/confidentialite/"' in text


@pytest.mark.parametrize("url", ["/confidentialite/", "/accessibilite/", "/mentions-legales/"])
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
