"""Every request reaches someone who can answer, at once when urgent (design §3b.2, §3b.3).

Through the real pages and the periodic task as beat runs it, with canary strings: an urgent
request reaches everyone who can act whatever their preference, comes first in every list, and
escalates after URGENT_ESCALATION_HOURS; an escalated request is actionable in the département
pool; a reassignment asks for a reason and the young person's follow-up page says it happened.
"""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from notifications.enums import NotificationFrequency, NotificationKind, NotificationStatus
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_send
from referrals.enums import RequestStatus, TargetKind
from referrals.models import ContactRequest
from referrals.services import contact_request_submit
from referrals.tasks import remind_unclaimed_requests
from referrals.views.public import follow_up_token
from tests.structures.factories import PromeneurFactory, StructureFactory

from .conftest import NOW, SECRETS, YOUNG_FIRST_NAME, assert_no_secret, email_texts, young_person_data

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def send_all():
    for row in Notification.objects.filter(status=NotificationStatus.PENDING):
        notification_send(notification_id=row.pk)


def run_at(moment):
    with freeze_time(moment):
        return remind_unclaimed_requests.apply().get()


def submit_to_structure(world, urgent):
    data = young_person_data(is_urgent=urgent)
    with freeze_time(NOW):
        return contact_request_submit(
            target_kind=TargetKind.STRUCTURE,
            department=world["department"],
            data=data,
            themes=[world["theme"]],
            target_structure=world["structure"],
        )


def test_an_urgent_request_reaches_everyone_who_can_act_whatever_their_preference(
    world, django_capture_on_commit_callbacks
):
    everyone = [world["promeneur"].user, world["colleague"].user, world["referent"], world["coordinator"]]
    for user, frequency in zip(
        everyone, [NotificationFrequency.OFF, NotificationFrequency.DAILY_DIGEST] * 2, strict=True
    ):
        NotificationPreference.objects.create(user=user, frequency=frequency)

    request = submit_to_structure(world, urgent=True)
    send_all()

    rows = Notification.objects.filter(kind=NotificationKind.REQUEST_NEW)
    assert {row.recipient for row in rows} == set(everyone)
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in everyone)
    for message in mail.outbox:
        assert request.reference in message.subject and "urgente" in message.subject
        assert_no_secret(*email_texts(message))


def test_a_non_urgent_request_respects_no_email_but_reaches_the_dashboard_and_the_chain(client, world):
    NotificationPreference.objects.create(user=world["promeneur"].user, frequency=NotificationFrequency.OFF)
    request = submit_to_structure(world, urgent=False)
    send_all()
    row = Notification.objects.get(kind=NotificationKind.REQUEST_NEW, recipient=world["promeneur"].user)
    assert row.status == NotificationStatus.SKIPPED
    client.force_login(world["promeneur"].user)
    assert request.reference in client.get(reverse("notifications:notification_list")).content.decode()
    assert request.reference in client.get(reverse("referrals:inbox") + "?onglet=a-prendre").content.decode()
    run_at(NOW + django_settings.REQUEST_REMINDER_HOURS * HOUR)
    assert Notification.objects.filter(
        kind=NotificationKind.REQUEST_REMINDER, recipient=world["promeneur"].user
    ).exists()


def test_urgent_requests_come_first_in_the_inbox_the_structure_page_and_the_pool(client, world, make_request):
    older = make_request(created_at=NOW - 10 * HOUR)
    urgent = make_request(created_at=NOW - HOUR, is_urgent=True)
    pool_older = make_request(structure=None, target_kind=TargetKind.DEPARTMENT, created_at=NOW - 10 * HOUR)
    pool_urgent = make_request(
        structure=None, target_kind=TargetKind.DEPARTMENT, created_at=NOW - HOUR, is_urgent=True
    )

    def order(user, url, first, second):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert page.index(first.reference) < page.index(second.reference)

    order(world["promeneur"].user, reverse("referrals:inbox") + "?onglet=a-prendre", urgent, older)
    order(world["referent"], reverse("referrals:structure_workload"), urgent, older)
    order(world["coordinator"], reverse("referrals:department_pool"), pool_urgent, pool_older)


@pytest.mark.parametrize("hours", [4, 2])
def test_an_unclaimed_urgent_request_escalates_after_the_configured_delay(
    settings, world, make_request, hours
):
    settings.URGENT_ESCALATION_HOURS = hours
    urgent = make_request(created_at=NOW, is_urgent=True)
    calm = make_request(created_at=NOW)
    assert run_at(NOW + (hours - 1) * HOUR)["escalations"] == 0
    assert run_at(NOW + hours * HOUR) == {"reminders": 0, "escalations": 1}
    escalation = Notification.objects.get(kind=NotificationKind.REQUEST_ESCALATED)
    assert escalation.recipient == world["coordinator"] and escalation.context["request_id"] == urgent.pk
    assert ContactRequest.objects.get(pk=urgent.pk).escalated_at is not None
    assert ContactRequest.objects.get(pk=calm.pk).escalated_at is None
    send_all()
    (message,) = mail.outbox
    assert f"depuis {hours} h" in message.subject


def test_an_escalated_request_is_actionable_in_the_department_pool(client, world, make_request):
    request = make_request(created_at=NOW)
    elsewhere = StructureFactory(name="MJC du Bergeracois", department=world["department"])
    other = PromeneurFactory(structure=elsewhere, first_name="Maëlys")
    run_at(NOW + django_settings.REQUEST_ESCALATION_HOURS * HOUR)

    client.force_login(world["coordinator"])
    pool = client.get(reverse("referrals:department_pool")).content.decode()
    assert request.reference in pool
    detail = client.get(request.get_absolute_url()).content.decode()
    assert "Confier la demande" in detail
    assert_no_secret(pool, detail)
    response = client.post(
        reverse("referrals:dispatch", kwargs={"uuid": request.uuid}), {"promeneur": other.pk}
    )
    assert response.status_code == 302
    request = ContactRequest.objects.get(pk=request.pk)
    assert request.assignee == other and request.structure == elsewhere and request.escalated_at is None
    listed = client.get(reverse("referrals:department_pool")).context["requests"]
    assert request.pk not in {r.pk for r in listed}

    # The new assignee reads the content; the first structure's promeneurs no longer see it.
    client.force_login(other.user)
    assert YOUNG_FIRST_NAME in client.get(request.get_absolute_url()).content.decode()
    client.force_login(world["promeneur"].user)
    assert client.get(request.get_absolute_url()).status_code == 404
    # The young person is told that another professional has it.
    page = client.get(
        reverse("referrals:follow_up", kwargs={"token": follow_up_token(request)})
    ).content.decode()
    assert "ta demande a été confiée à un·e autre promeneur·se de MJC du Bergeracois" in page


def test_a_reassignment_asks_for_a_reason_kept_in_the_history_and_told_to_the_young_person(
    client, world, make_request
):
    request = make_request(status=RequestStatus.CLAIMED, assignee=world["promeneur"], claimed_at=NOW)
    url = reverse("referrals:reassign", kwargs={"uuid": request.uuid})
    client.force_login(world["referent"])

    response = client.post(url, {"promeneur": world["colleague"].pk, "motif": "  "})
    assert response.status_code == 200
    assert "Indiquez le motif de la réattribution" in response.content.decode()
    assert ContactRequest.objects.get(pk=request.pk).assignee == world["promeneur"]

    response = client.post(url, {"promeneur": world["colleague"].pk, "motif": "Congé maternité d’Aurélien"})
    assert response.status_code == 302
    request = ContactRequest.objects.get(pk=request.pk)
    assert request.assignee == world["colleague"] and request.reassigned_at is not None
    assert "motif : Congé maternité d’Aurélien" in request.history.last().note
    detail = client.get(request.get_absolute_url()).content.decode()
    assert "Congé maternité d’Aurélien" in detail
    assert_no_secret(detail)

    page = client.get(
        reverse("referrals:follow_up", kwargs={"token": follow_up_token(request)})
    ).content.decode()
    assert "ta demande a été confiée à un·e autre promeneur·se de Centre social Les Tilleuls" in page
    assert "c’est désormais cette personne, et elle seule, qui peut la lire" in page
    for secret in SECRETS:
        assert secret not in page

    client.force_login(world["promeneur"].user)
    assert client.get(request.get_absolute_url()).status_code == 404
    client.force_login(world["colleague"].user)
    assert YOUNG_FIRST_NAME in client.get(request.get_absolute_url()).content.decode()


def test_the_follow_up_page_never_names_an_assignee_who_cannot_read_it(client, world, make_request):
    request = make_request(status=RequestStatus.CLAIMED, assignee=world["promeneur"], claimed_at=NOW)
    url = reverse("referrals:follow_up", kwargs={"token": follow_up_token(request)})
    assert "en charge par Aurélien" in client.get(url).content.decode()
    world["promeneur"].change_status("suspended")
    page = client.get(url).content.decode()
    assert "en charge par" not in page and "Aurélien" not in page
