""" "Réponds-moi ici" in two browsers: the young person asks to be answered on the site, writes on their
follow-up page; the promeneur claims the request, answers in the dashboard; each sees the other's
messages appear without reloading (conditional polling, 304 while nothing changed); a too-long
message keeps its text; "signaler / bloquer" closes the conversation on both pages. axe-core on
every new state, at 320 and 1280 px; no script error, no CSP refusal."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from referrals.enums import Channel, RequestStatus
from referrals.models import ContactRequest, ConversationMessage
from tests.e2e.test_contact_form import captcha_answer
from tests.e2e.test_request_journey import log_in
from tests.structures.factories import DepartmentFactory, PromeneurFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "charlotte.promeneuse@structure.test"
FIRST = "Bonjour, je voudrais parler de ce qui se passe au collège sans donner mon Snap."
REPLY = "Bonjour, merci d’avoir écrit. On peut en parler ici : qu’est-ce qui se passe au collège ?"
SECOND = "Des élèves se moquent de moi dans un groupe, voir www.exemple.fr/groupe pour le nom."


@pytest.fixture
def promeneur(settings):
    settings.CONTACT_FORM_MIN_SECONDS = 0
    settings.CONVERSATION_POLL_SECONDS = 1
    cache.clear()
    return PromeneurFactory(
        first_name="Charlotte",
        structure__name="Centre social du Ruban",
        structure__department=DepartmentFactory(code="24"),
        user__email=EMAIL,
    )


def watch(page, problems, polls):
    page.on("pageerror", lambda error: problems.append(str(error)))
    # (The too-long message is answered 400 on purpose: the browser logs that one.)
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "status of 400" not in message.text and problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: "/conversation/messages/" in response.url and polls.append(response.status),
    )


@pytest.mark.parametrize("width", [320, 1280])
def test_a_whole_conversation_answered_on_the_site(live_server, browser, axe, promeneur, width):
    problems, young_polls, pro_polls = [], [], []
    young = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    pro = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    watch(young, problems, young_polls)
    watch(pro, problems, pro_polls)

    # The young person asks to be answered here: no handle, no e-mail, no phone.
    young.goto(f"{live_server.url}/contact/promeneur/{promeneur.slug}/")
    young.get_by_label("Ton prénom ou un pseudo").fill("Lou")
    young.get_by_role("radio", name="15 à 17 ans").check()
    young.get_by_label("Ta commune ou ton code postal").fill("Périgueux")
    young.get_by_role("radio", name="Réponds-moi ici (sur le site)").check()
    expect(young.get_by_label("E-mail pour être prévenu·e d’une réponse (facultatif)")).to_be_visible()
    expect(young.get_by_label("Ton adresse e-mail")).to_be_hidden()
    expect(young.get_by_label("Ton pseudo sur ce réseau")).to_be_hidden()
    assert axe(young) == []
    young.get_by_label("Ton message").fill("J’ai besoin d’en parler.")
    young.get_by_label("J’ai lu ce qui précède et je suis d’accord pour envoyer ma demande.").check()
    young.get_by_label("Les lettres qui manquent").fill(captcha_answer(young))
    young.get_by_role("button", name="Envoyer ma demande").click()
    expect(young.get_by_role("heading", level=1)).to_have_text("Ta demande est envoyée")
    contact_request = ContactRequest.objects.get()
    assert contact_request.channel == Channel.PORTAL
    young.locator(".follow-up-link a").click()

    # The follow-up page: an empty conversation, and the box to write in.
    expect(young.get_by_role("heading", name="Ta conversation")).to_be_visible()
    expect(young.get_by_text("Pas encore de message")).to_be_visible()
    expect(young.get_by_role("button", name="Voir s’il y a de nouveaux messages")).to_be_visible()
    assert axe(young) == []
    young.get_by_label("Ton message").fill(FIRST)
    young.get_by_role("button", name="Envoyer mon message").click()
    thread = young.locator("[data-conversation-messages]")
    expect(thread).to_contain_text(FIRST)
    expect(thread).to_contain_text("Toi")
    assert axe(young) == []

    # The promeneur: claims the request, reads the conversation, answers.
    log_in(pro, live_server, EMAIL)
    pro.goto(f"{live_server.url}/tableau-de-bord/demandes/{contact_request.uuid}/")
    expect(pro.get_by_text("Prenez la demande en charge pour répondre.")).to_be_visible()
    pro.get_by_role("button", name="Prendre en charge").click()
    conversation = pro.locator("[data-conversation]")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Réponds-moi ici")
    expect(conversation).to_contain_text(FIRST)
    assert axe(pro) == []
    pro.get_by_label("Votre réponse").fill(REPLY)
    pro.get_by_role("button", name="Envoyer la réponse").click()
    expect(pro.get_by_role("status").first).to_contain_text("Votre réponse est envoyée")
    expect(pro.locator("[data-conversation-messages]")).to_contain_text(REPLY)
    assert ContactRequest.objects.get().status == RequestStatus.IN_CONTACT

    # The young person's page, left open, shows the answer by itself and says so.
    expect(thread).to_contain_text(REPLY, timeout=15000)
    expect(young.locator("[data-conversation-status]")).to_have_text("Nouveau message.")
    assert axe(young) == []
    young.get_by_label("Ton message").fill(SECOND)
    young.get_by_role("button", name="Envoyer mon message").click()
    expect(young.locator("[data-conversation-messages]")).to_contain_text(SECOND)
    link = young.locator("[data-conversation-messages]").get_by_role("link", name="www.exemple.fr/groupe")
    expect(link).to_have_attribute("href", "https://www.exemple.fr/groupe")

    # …and the promeneur's page, left open, shows the young person's new message.
    expect(pro.locator("[data-conversation-messages]")).to_contain_text(SECOND, timeout=15000)
    expect(pro.locator("[data-conversation-status]")).to_have_text("Nouveau message.")
    assert axe(pro) == []

    # Too long: refused in French, the text kept.
    long_text = "Trop long. " + "a" * 2000
    pro.get_by_label("Votre réponse").fill(long_text)
    pro.get_by_role("button", name="Envoyer la réponse").click()
    expect(pro.get_by_text(re.compile("Un message compte au plus 2\u202f000 caractères"))).to_be_visible()
    expect(pro.get_by_label("Votre réponse")).to_have_value(long_text)
    assert axe(pro) == []

    # Signaler / bloquer: confirmed, then the conversation is closed on both pages.
    pro.get_by_role("link", name="Signaler et bloquer la conversation").click()
    expect(pro.get_by_text("Bloquer cette conversation ?")).to_be_visible()
    assert axe(pro) == []
    pro.get_by_role("button", name="Oui, signaler et bloquer").click()
    expect(pro.get_by_text(re.compile("Vous avez signalé et bloqué cette conversation"))).to_be_visible()
    expect(pro.get_by_label("Votre réponse")).to_have_count(0)
    assert axe(pro) == []
    expect(young.get_by_text("La conversation vient d’être fermée.")).to_be_visible(timeout=15000)
    expect(young.get_by_label("Ton message")).to_be_hidden()
    assert axe(young) == []
    young.reload()
    expect(young.get_by_text(re.compile("Cette conversation a été fermée"))).to_be_visible()
    expect(young.locator("[data-conversation-messages]")).to_contain_text(REPLY)
    assert axe(young) == []

    blocked = ContactRequest.objects.get()
    assert blocked.status == RequestStatus.CLOSED and blocked.conversation_blocked_at is not None
    assert ConversationMessage.objects.count() == 3
    # Both pages asked conditionally and were told "nothing new" between messages.
    assert 304 in young_polls and 200 in young_polls
    assert 304 in pro_polls and 200 in pro_polls
    assert problems == []


def test_without_scripts_a_button_shows_the_new_messages(live_server, browser, promeneur):
    from referrals.services import conversation_post_young_person
    from referrals.views.public import follow_up_token
    from tests.referrals.factories import ContactRequestFactory

    contact_request = ContactRequestFactory(
        channel=Channel.PORTAL, email="", structure=promeneur.structure, assignee=promeneur, status="claimed"
    )
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/suivi/{follow_up_token(contact_request)}/")
    expect(page.get_by_text("Pas encore de message")).to_be_visible()
    conversation_post_young_person(request=contact_request, text="Écrit depuis un autre appareil")
    page.get_by_role("button", name="Voir s’il y a de nouveaux messages").click()
    expect(page.locator("[data-conversation-messages]")).to_contain_text("Écrit depuis un autre appareil")
