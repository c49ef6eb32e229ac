""" "Réponds-moi ici": the private conversation of a request, on the follow-up page and the dashboard.

Asserted here, through the real pages (the browser journey is in tests/e2e/test_conversation.py):
- only the assignee reads and writes it in the dashboard; the referent, the coordinator, a colleague,
  another promeneur, CAF staff, a moderator, a superuser (dashboard and admin) and a wrong follow-up
  token get 404 or a page without a word of it (canary strings);
- every display to the professional is logged; the live view's "nothing new" (304) reads nothing
  and logs nothing;
- withdrawal and anonymisation erase it; the conversation closes with the request;
- plain text as comments, length limit and rate limit with the text kept, "signaler / bloquer";
- notifications carry no word of it.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from notifications.emails import build_message
from notifications.models import Notification, NotificationKind
from referrals.enums import Channel, MessageAuthor, Outcome, RequestStatus
from referrals.models import AccessLog, ContactRequest, ConversationMessage
from referrals.retention import closed_requests_anonymise
from referrals.services import (
    CONVERSATION_MESSAGE_MAX_LENGTH,
    CONVERSATION_RATE_LIMIT,
    conversation_post_promeneur,
    conversation_post_young_person,
)
from referrals.views.public import follow_up_token
from tests.content import gate_opened
from tests.referrals.factories import ContactRequestFactory, OrientationFactory
from tests.referrals.test_permissions_dashboard import USERS, build_world, log_in
from tests.referrals.test_public import NOW, submit
from tests.structures.factories import CoordinationFactory, PromeneurFactory

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

YOUNG_CANARY = "CANARI-JEUNE-7f3a je n’arrive plus à dormir"
REPLY_CANARY = "CANARI-PRO-91bc on peut en parler mercredi"


def portal_request(**kwargs):
    kwargs.setdefault("claimed", True)
    return ContactRequestFactory(channel=Channel.PORTAL, email="", **kwargs)


def with_thread(contact_request):
    conversation_post_young_person(request=contact_request, text=YOUNG_CANARY)
    conversation_post_promeneur(request=contact_request, by=contact_request.assignee.user, text=REPLY_CANARY)
    contact_request.refresh_from_db(fields=["status"])
    return contact_request


def follow_up(contact_request):
    return reverse("referrals:follow_up", kwargs={"token": follow_up_token(contact_request)})


def young_poll(contact_request):
    return reverse(
        "referrals:follow_up_conversation_poll", kwargs={"token": follow_up_token(contact_request)}
    )


def young_post(contact_request):
    return reverse("referrals:follow_up_message", kwargs={"token": follow_up_token(contact_request)})


def dashboard(name, contact_request):
    return reverse(f"referrals:{name}", kwargs={"uuid": contact_request.uuid})


def assert_no_canary(response):
    body = response.content.decode()
    assert YOUNG_CANARY not in body and REPLY_CANARY not in body
    assert "CANARI" not in body


def page_etag(response):
    return re.search(r'data-etag="([^"]+)"', response.content.decode()).group(1).replace("&quot;", '"')


@pytest.fixture
def world():
    world = build_world()
    ContactRequest.objects.filter(pk=world.claimed.pk).update(channel=Channel.PORTAL, email="")
    world.claimed.refresh_from_db(fields=["channel"])
    with_thread(world.claimed)
    return world


# --- Who reads it --------------------------------------------------------------------------------

# In the order of USERS: the request page (its metadata for the referent and the coordinator, never
# the conversation), then the live view, writing and blocking (the assignee only).
DETAIL = [302, 200, 404, 404, 200, 200, 404, 404, 404, 404]
ASSIGNEE_ONLY = [302, 200, 404, 404, 404, 404, 404, 404, 404, 404]


@pytest.mark.parametrize(("who", "expected"), zip(USERS, DETAIL, strict=True))
def test_request_page_shows_the_conversation_to_the_assignee_only(client, world, who, expected):
    log_in(client, world, who)
    response = client.get(dashboard("request_detail", world.claimed))
    assert response.status_code == expected
    if who == "assignee":
        body = response.content.decode()
        assert YOUNG_CANARY.replace("’", "&#x27;") in body or YOUNG_CANARY in body
        assert REPLY_CANARY in body
    else:
        assert_no_canary(response)


@pytest.mark.parametrize(("who", "expected"), zip(USERS, ASSIGNEE_ONLY, strict=True))
def test_live_view_answers_the_assignee_only(client, world, who, expected):
    log_in(client, world, who)
    response = client.get(dashboard("conversation_poll", world.claimed))
    assert response.status_code == expected
    if who != "assignee":
        assert_no_canary(response)
    else:
        assert REPLY_CANARY in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), zip(USERS, ASSIGNEE_ONLY, strict=True))
@pytest.mark.parametrize("action", ["conversation_post", "conversation_block"])
def test_writing_and_blocking_are_for_the_assignee_only(client, world, who, expected, action):
    log_in(client, world, who)
    response = client.post(dashboard(action, world.claimed), {"texte": "Bonjour, ici quelqu’un d’autre"})
    assert response.status_code == (302 if expected == 200 else expected)
    assert_no_canary(response)
    if who != "assignee":
        assert ConversationMessage.objects.filter(request=world.claimed).count() == 2
        assert ContactRequest.objects.get(pk=world.claimed.pk).conversation_blocked_at is None


def test_admin_never_shows_the_conversation(client, world):
    client.force_login(world.users["superuser"])
    change = reverse("admin:referrals_contactrequest_change", args=[world.claimed.pk])
    response = client.get(change, follow=True)
    assert response.status_code == 200
    assert_no_canary(response)
    assert client.get("/admin/referrals/conversationmessage/").status_code == 404
    # A search does not reach the messages either (the search box echoes the words searched).
    listing = client.get(reverse("admin:referrals_contactrequest_changelist"), {"q": "dormir"})
    body = listing.content.decode()
    assert "0 résultat" in body
    assert YOUNG_CANARY not in body and REPLY_CANARY not in body
    # Nor a hand-written lookup, which would tell row by row what a message contains.
    probe = client.get(
        reverse("admin:referrals_contactrequest_changelist"), {"thread_messages__text__icontains": "dormir"}
    )
    assert probe.status_code in (302, 400)
    assert f"{world.claimed.reference}" not in probe.content.decode()


def test_orientations_never_copy_the_conversation(client, world):
    orientation = OrientationFactory(request=world.claimed, to_structure=world.other_structure)
    receiver = PromeneurFactory(structure=world.other_structure).user
    client.force_login(receiver)
    response = client.get(reverse("referrals:orientation_detail", kwargs={"uuid": orientation.uuid}))
    assert response.status_code == 200
    assert_no_canary(response)


def test_wrong_or_other_tokens_get_404_and_nothing(client, world):
    token = follow_up_token(world.claimed)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (
        reverse("referrals:follow_up_conversation_poll", kwargs={"token": tampered}),
        reverse("referrals:follow_up", kwargs={"token": tampered}),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert_no_canary(response)
    response = client.post(reverse("referrals:follow_up_message", kwargs={"token": tampered}), {"texte": "x"})
    assert response.status_code == 404
    # Another request's link (an e-mail one) opens no conversation, and never this one.
    other = ContactRequestFactory(claimed=True)
    response = client.get(young_poll(other))
    assert response.status_code == 404
    assert_no_canary(response)
    assert_no_canary(client.get(follow_up(other)))


def test_every_display_to_the_professional_is_logged_and_304_logs_nothing(client, world):
    client.force_login(world.users["assignee"])
    before = AccessLog.objects.filter(request=world.claimed).count()
    page = client.get(dashboard("request_detail", world.claimed))
    assert AccessLog.objects.filter(request=world.claimed).count() == before + 1
    etag = page_etag(page)
    unchanged = client.get(dashboard("conversation_poll", world.claimed), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert AccessLog.objects.filter(request=world.claimed).count() == before + 1
    conversation_post_young_person(request=world.claimed, text="Et aussi autre chose")
    changed = client.get(dashboard("conversation_poll", world.claimed), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Et aussi autre chose" in changed.content.decode()
    assert changed["ETag"] != etag
    assert AccessLog.objects.filter(request=world.claimed).count() == before + 2


def test_live_view_is_never_stored_by_a_shared_cache(client, world):
    response = client.get(young_poll(world.claimed))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "Cookie" in response["Vary"]
    # Behind the proxy, a compressed answer's validator comes back with a suffix: still recognised.
    suffixed = response["ETag"].rstrip('"') + '-gzip"'
    assert client.get(young_poll(world.claimed), HTTP_IF_NONE_MATCH=f"W/{suffixed}").status_code == 304


# --- The young person's side ---------------------------------------------------------------------


def test_young_person_reads_and_answers_on_the_follow_up_page(client, world):
    page = client.get(follow_up(world.claimed))
    body = page.content.decode()
    assert page.status_code == 200
    assert REPLY_CANARY in body
    assert 'id="conversation"' in body
    etag = page_etag(page)
    assert client.get(young_poll(world.claimed), HTTP_IF_NONE_MATCH=etag).status_code == 304

    response = client.post(young_post(world.claimed), {"texte": "Merci, mercredi ça me va.\n\nÀ plus"})
    assert response.status_code == 302
    assert response["Location"].endswith("#conversation")
    fresh = client.get(young_poll(world.claimed), HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert "<p>Merci, mercredi ça me va.</p>\n<p>À plus</p>" in fresh.content.decode()


def test_messages_are_plain_text_rendered_like_comments(client, world):
    conversation_post_young_person(
        request=world.claimed, text='<script>alert("pdn")</script> voir https://exemple.fr/aide.'
    )
    body = client.get(follow_up(world.claimed)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;pdn&quot;)&lt;/script&gt;" in body
    assert '<a href="https://exemple.fr/aide" rel="nofollow ugc">https://exemple.fr/aide</a>.' in body


def test_too_long_message_is_refused_in_french_and_kept(client, world):
    text = "Très long " + "x" * CONVERSATION_MESSAGE_MAX_LENGTH
    response = client.post(young_post(world.claimed), {"texte": text})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Un message compte au plus 2\u202f000 caractères" in body or "au plus 2 000" in body
    assert text in body
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 2

    client.force_login(world.users["assignee"])
    response = client.post(dashboard("conversation_post", world.claimed), {"texte": text})
    assert response.status_code == 400
    assert text in response.content.decode()
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 2


def test_rate_limit_per_thread_keeps_the_text(client, world):
    with freeze_time(NOW):
        request = portal_request()
        for number in range(CONVERSATION_RATE_LIMIT):
            assert client.post(young_post(request), {"texte": f"Message {number}"}).status_code == 302
        response = client.post(young_post(request), {"texte": "Encore un message gardé"})
        assert response.status_code == 429
        body = response.content.decode()
        assert "attends quelques minutes" in body
        assert "Encore un message gardé" in body
        assert ConversationMessage.objects.filter(request=request).count() == CONVERSATION_RATE_LIMIT
        # Another conversation is not held back by this one.
        assert client.post(young_post(world.claimed), {"texte": "Ailleurs"}).status_code == 302
    with freeze_time(timezone.now() + datetime.timedelta(minutes=11)):
        assert client.post(young_post(request), {"texte": "Plus tard"}).status_code == 302


# --- Erasure, closing, blocking -----------------------------------------------------------------


def test_withdrawal_erases_the_conversation(client, world):
    response = client.post(follow_up(world.claimed))
    assert response.status_code == 302
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 0
    assert_no_canary(client.get(follow_up(world.claimed)))
    assert client.post(young_post(world.claimed), {"texte": "Encore là ?"}).status_code == 409
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 0


def test_anonymisation_erases_the_conversation(world):
    ContactRequest.objects.filter(pk=world.claimed.pk).update(
        status=RequestStatus.CLOSED,
        outcome=Outcome.RESOLVED_ONLINE,
        closed_at=timezone.now() - datetime.timedelta(days=800),
    )
    assert closed_requests_anonymise() == 1
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 0


def test_closed_request_keeps_the_conversation_readable_but_closed(client, world):
    client.force_login(world.users["assignee"])
    response = client.post(
        dashboard("change_status", world.claimed),
        {"statut": RequestStatus.CLOSED, "issue": Outcome.RESOLVED_ONLINE},
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(follow_up(world.claimed)).content.decode()
    assert REPLY_CANARY in page
    assert 'action="' + young_post(world.claimed) not in page
    assert client.post(young_post(world.claimed), {"texte": "Tu es là ?"}).status_code == 409
    client.force_login(world.users["assignee"])
    page = client.get(dashboard("request_detail", world.claimed)).content.decode()
    assert YOUNG_CANARY.split(" ")[0] in page
    assert 'action="' + dashboard("conversation_post", world.claimed) not in page


def test_block_closes_the_conversation_and_tells_the_coordination(client, world):
    client.force_login(world.users["assignee"])
    confirm = client.get(dashboard("request_detail", world.claimed) + "?bloquer=1")
    assert "Oui, signaler et bloquer" in confirm.content.decode()
    response = client.post(dashboard("conversation_block", world.claimed))
    assert response.status_code == 302
    blocked = ContactRequest.objects.get(pk=world.claimed.pk)
    assert blocked.conversation_blocked_at is not None
    assert blocked.status == RequestStatus.CLOSED
    assert blocked.outcome == Outcome.OUT_OF_SCOPE
    assert blocked.history.filter(note__contains="bloquée").exists()
    notice = Notification.objects.get(kind=NotificationKind.CONVERSATION_BLOCKED)
    assert notice.recipient == world.users["coordinator"]
    subject, body = build_message(notice).subject, build_message(notice).body
    assert blocked.reference in subject
    assert "CANARI" not in subject + body
    client.logout()
    page = client.get(follow_up(world.claimed)).content.decode()
    assert "fermée par la personne qui suivait ta demande" in page
    assert client.post(young_post(world.claimed), {"texte": "Pourquoi ?"}).status_code == 409
    assert ConversationMessage.objects.filter(request=world.claimed).count() == 2


# --- Notifications -------------------------------------------------------------------------------


def test_notifications_carry_no_word_of_the_conversation(world):
    coordinator_department = world.claimed.department
    CoordinationFactory(department=coordinator_department)
    request = portal_request(structure=world.structure, assignee=world.claimed.assignee)
    ContactRequest.objects.filter(pk=request.pk).update(email="prevenu.secret@example.test")
    Notification.objects.all().delete()

    conversation_post_young_person(request=request, text=YOUNG_CANARY)
    conversation_post_young_person(request=request, text=YOUNG_CANARY + " encore")  # same turn
    to_assignee = Notification.objects.filter(kind=NotificationKind.CONVERSATION_MESSAGE)
    assert to_assignee.count() == 1
    assert to_assignee.get().recipient == request.assignee.user

    conversation_post_promeneur(request=request, by=request.assignee.user, text=REPLY_CANARY)
    to_young = Notification.objects.get(kind=NotificationKind.CONVERSATION_REPLY)
    assert to_young.recipient_request_id == request.pk
    assert ContactRequest.objects.get(pk=request.pk).status == RequestStatus.IN_CONTACT

    for row in (to_assignee.get(), to_young):
        message = build_message(row)
        html = message.alternatives[0][0]
        everything = message.subject + message.body + html + str(row.context)
        assert "CANARI" not in everything
        assert request.reference in message.subject
    young = build_message(to_young)
    assert young.to == ["prevenu.secret@example.test"]
    assert "Tu as une réponse" in young.subject
    assert reverse("referrals:follow_up_lookup") in young.body


def test_young_person_without_an_e_mail_is_told_nothing(world):
    Notification.objects.all().delete()
    conversation_post_young_person(request=world.claimed, text="Bonjour")
    conversation_post_promeneur(request=world.claimed, by=world.claimed.assignee.user, text="Bonjour à toi")
    assert not Notification.objects.filter(recipient_request__isnull=False).exists()


# --- The contact form ----------------------------------------------------------------------------


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.mark.parametrize("alert", ["", "Alerte.Secret@Example.test"])
def test_contact_form_offers_to_be_answered_here_without_any_contact(client, clock, alert):
    promeneur = PromeneurFactory(first_name="Charlotte")
    url = reverse("referrals:contact_promeneur", kwargs={"slug": promeneur.slug})
    response = submit(
        client,
        clock,
        url,
        canal=Channel.PORTAL,
        email="ignore.moi@example.test",
        telephone="06 12 34 56 78",
        email_alerte=alert,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with gate_opened():
        stored = ContactRequest.objects.defer(None).get()
    assert stored.channel == Channel.PORTAL
    assert stored.email == alert.lower()
    assert stored.phone == "" and stored.handle == ""
    acknowledgment = client.get(response["Location"]).content.decode()
    assert "On te répondra ici, sur le site" in acknowledgment
    assert "par le moyen que tu as choisi" not in acknowledgment
    follow = client.get(response["Location"].replace("/contact/confirmation/", "/suivi/"))
    assert follow.status_code == 200
    assert 'id="conversation"' in follow.content.decode()


def test_claim_e_mail_is_not_sent_to_an_alert_only_address():
    request = portal_request(claimed=False, assigned=True)
    ContactRequest.objects.filter(pk=request.pk).update(email="alerte@example.test")
    from referrals.services import contact_request_claim

    contact_request_claim(request=request, promeneur=request.assignee, by=request.assignee.user)
    assert not Notification.objects.filter(recipient_request=request).exists()


def test_message_author_kinds_are_stored():
    request = with_thread(portal_request())
    kinds = list(
        ConversationMessage.objects.filter(request=request)
        .order_by("pk")
        .values_list("author_kind", flat=True)
    )
    assert kinds == [MessageAuthor.YOUNG_PERSON, MessageAuthor.PROMENEUR]
