"""Getting back to one's request in a browser: /suivi/ with reference + code, and "ça t’a aidé ?"."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.enums import Outcome, RequestStatus
from referrals.models import ContactRequest
from referrals.services import contact_request_issue_access_code
from tests.referrals.factories import ContactRequestFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def closed_request_with_code():
    contact_request = ContactRequestFactory(claimed=True)
    ContactRequest.objects.filter(pk=contact_request.pk).update(
        status=RequestStatus.CLOSED, outcome=Outcome.RESOLVED_ONLINE, closed_at=timezone.now()
    )
    contact_request.refresh_from_db()
    return contact_request, contact_request_issue_access_code(request=contact_request)


@pytest.mark.parametrize("width", [320, 1280])
def test_reopen_a_request_with_its_reference_and_code_and_say_whether_it_helped(
    live_server, page, axe, closed_request_with_code, width
):
    contact_request, code = closed_request_with_code
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(live_server.url + "/suivi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retrouver ma demande")
    assert axe(page) == []

    page.get_by_label("Référence de ta demande").fill(contact_request.reference.lower())
    page.get_by_label("Code de suivi").fill("000000" if code != "000000" else "111111")
    page.get_by_label("Code de suivi").press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Cette référence et ce code ne vont pas ensemble")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Référence de ta demande")).to_have_value(contact_request.reference.lower())
    expect(page.get_by_label("Code de suivi")).to_have_value("")
    assert axe(page) == []

    page.get_by_label("Code de suivi").fill(code)
    page.get_by_role("button", name="Voir ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi de ta demande")
    expect(page.locator(".request-summary")).to_contain_text(contact_request.reference)
    question = page.get_by_role("group", name="Une seule question")
    expect(page.get_by_role("heading", name="Est-ce que ça t’a aidé ?")).to_be_visible()
    assert axe(page) == []

    question.get_by_label("Un peu").check()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Merci ! Tu as répondu")).to_be_visible()
    expect(page.get_by_role("group", name="Une seule question").get_by_label("Un peu")).to_be_checked()
    assert axe(page) == []
    contact_request.refresh_from_db()
    assert contact_request.helpfulness == "un_peu"
    assert errors == []
