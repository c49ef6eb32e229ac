"""Two small rules of the young person's side: an anonymised request is not reopened by its code,
and the dashboard writes times the French way, like the public pages."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from promeneurs.typography import french_time
from referrals.models import ContactRequest
from referrals.retention import closed_requests_anonymise
from referrals.services import contact_request_issue_access_code
from referrals.views.public import follow_up_token
from tests.referrals.test_follow_up_code import LOOKUP, closed_request

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_code_of_an_anonymised_request_opens_nothing(client):
    contact_request = closed_request()
    code = contact_request_issue_access_code(request=contact_request)
    ContactRequest.objects.filter(pk=contact_request.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=800)
    )
    assert closed_requests_anonymise() == 1

    response = client.post(LOOKUP, {"reference": contact_request.reference, "code": code})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Cette référence et ce code ne vont pas ensemble" in page
    assert follow_up_token(contact_request) not in page
    assert "Suivi de ta demande" not in page


def test_no_template_writes_times_as_14_00():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt"}
        for match in re.finditer(
            r'\|date:"[^"]*[HGhg]:i[^"]*"|\|time(?!since|until)(?::"[^"]*")?', path.read_text()
        )
    ]
    assert offenders == []


def test_the_request_page_writes_times_the_french_way(client):
    from tests.referrals.factories import ContactRequestFactory

    moment = datetime.datetime(2026, 12, 1, 13, 5, tzinfo=datetime.UTC)  # 14:05 in Paris
    contact_request = ContactRequestFactory(claimed=True, created_at=moment, claimed_at=moment)
    client.force_login(contact_request.assignee.user)
    page = client.get(
        reverse("referrals:request_detail", kwargs={"uuid": contact_request.uuid})
    ).content.decode()
    assert f"1er décembre 2026 à {french_time(datetime.time(14, 5))}" in page
    assert "14:05" not in page
