"""No page of the site breaks its Content-Security-Policy in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.news.factories import ArticleFactory
from tests.structures.factories import CoordinationFactory, PromeneurFactory, StructureMembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_page(page):
    console = []
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(LISTEN)

    def visit(url):
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations") + console
        console.clear()
        return violations

    return visit


def test_public_pages_respect_the_csp(live_server, csp_page):
    promeneur = PromeneurFactory()
    article = ArticleFactory()
    paths = [
        "/",
        "/annuaire/",
        promeneur.structure.get_absolute_url(),
        promeneur.get_absolute_url(),
        "/contact/",
        f"/contact/promeneur/{promeneur.slug}/",
        f"/contact/structure/{promeneur.structure.slug}/",
        "/fil-info/",
        article.get_absolute_url(),
        "/confidentialite/",
        "/accessibilite/",
        "/mentions-legales/",
        "/comptes/login/",
        "/comptes/password/reset/",
        "/comptes/invitation/inconnue/",
        "/page-qui-n-existe-pas/",
    ]
    found = {path: csp_page(live_server.url + path) for path in paths}
    assert not {path: v for path, v in found.items() if v}


def test_dashboard_and_admin_pages_respect_the_csp(live_server, page, csp_page):
    user = UserFactory(email="caf@example.test", caf_staff=True, is_superuser=True)
    promeneur = PromeneurFactory()
    StructureMembershipFactory(user=user, structure=promeneur.structure)
    CoordinationFactory(user=user, department=promeneur.structure.department)
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe", exact=False).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")

    paths = [
        "/tableau-de-bord/",
        "/tableau-de-bord/invitations/",
        "/tableau-de-bord/notifications/",
        "/tableau-de-bord/notifications/preferences/",
        "/tableau-de-bord/orientations/",
        "/tableau-de-bord/structure/",
        "/tableau-de-bord/departement/",
        "/tableau-de-bord/moderation/",
        "/comptes/2fa/",
        "/comptes/password/change/",
        "/admin/",
        "/admin/structures/structure/",
        f"/admin/structures/structure/{promeneur.structure.pk}/change/",
        "/admin/structures/promeneur/",
        f"/admin/structures/promeneur/{promeneur.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/invitation/",
    ]
    found = {path: csp_page(live_server.url + path) for path in paths}
    assert not {path: v for path, v in found.items() if v}
