"""Every e-mail of the outbox: French, text and HTML, a reference, a theme, a link — and no secret."""

import html

import pytest
from django.core import mail

from notifications.emails import SUBJECT_PREFIX, build_message
from notifications.enums import NotificationKind
from notifications.models import Notification
from notifications.services import notification_send
from referrals.enums import RequestStatus
from referrals.services import _public_context
from tests.referrals.factories import OrientationFactory

from .conftest import THEME_NAME, assert_no_secret, email_texts

pytestmark = pytest.mark.django_db

SITE = "https://promeneurs.example.fr"
ORIENTATION_SUMMARY = "Résumé confidentiel : souhaite un accompagnement vers l’emploi"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def request_context(make_request):
    contact_request = make_request()
    return contact_request, _public_context(contact_request)


@pytest.fixture
def orientation(world, make_request):
    contact_request = make_request(assignee=world["promeneur"], status=RequestStatus.IN_CONTACT)
    return OrientationFactory(
        request=contact_request,
        from_structure=world["structure"],
        created_by=world["promeneur"].user,
        summary=ORIENTATION_SUMMARY,
        to_structure__name="Mission locale du Périgord",
    )


def contexts(contact_request, request_context, orientation):
    orientation_context = {"orientation_id": orientation.pk, "reference": orientation.request.reference}
    person = {
        "promeneur_id": 1,
        "promeneur_name": "Aurélien — Centre social Les Tilleuls",
        "structure_name": "Centre social Les Tilleuls",
    }
    return {
        NotificationKind.REQUEST_NEW: {**request_context, "is_urgent": True},
        NotificationKind.REQUEST_CLAIMED: request_context,
        NotificationKind.REQUEST_DISPATCHED: request_context,
        NotificationKind.REQUEST_REASSIGNED: request_context,
        NotificationKind.REQUEST_REMINDER: {
            **request_context,
            "hours": 48,
            "structure_name": "Centre social Les Tilleuls",
        },
        NotificationKind.REQUEST_ESCALATED: {**request_context, "hours": 96, "structure_name": ""},
        NotificationKind.CONVERSATION_MESSAGE: {**request_context, "is_urgent": True},
        NotificationKind.CONVERSATION_BLOCKED: request_context,
        NotificationKind.ORIENTATION_RECEIVED: orientation_context,
        NotificationKind.ORIENTATION_ACCEPTED: orientation_context,
        NotificationKind.ORIENTATION_DECLINED: orientation_context,
        NotificationKind.ORIENTATION_EXPIRING: {**orientation_context, "expires_on": "2026-04-03"},
        NotificationKind.ORIENTATION_EXPIRED: orientation_context,
        NotificationKind.COMMENT_PENDING: {"comment_id": 7, "article_title": "La rentrée des promeneurs"},
        NotificationKind.LABEL_RENEWAL_DUE: {**person, "due_on": "2026-05-01"},
        NotificationKind.TRAINING_DUE: {**person, "last_training_on": "2024-01-10"},
        NotificationKind.CHARTER_DUE: {**person, "charter_version": "2026"},
        NotificationKind.CONVENTION_ENDING: {
            "convention_id": 3,
            "structure_id": 4,
            "structure_name": "Centre social Les Tilleuls",
            "funder": "CAF",
            "year": 2026,
            "ends_on": "2026-12-31",
        },
        NotificationKind.WEEKLY_DIGEST: {
            "week": "du 23/02/2026 au 01/03/2026",
            "departments": [
                {
                    "id": 1,
                    "name": "24 — Dordogne",
                    "new_requests": 5,
                    "closed": 2,
                    "waiting_48h": 1,
                    "waiting_96h": 0,
                    "orientations_waiting": 3,
                    "conventions_ending": 0,
                    "labels_due": 1,
                }
            ],
        },
        NotificationKind.DAILY_DIGEST: {"count": 0, "day": "2026-03-04"},
    }


EXPECTED = {
    NotificationKind.REQUEST_NEW: ["Nouvelle demande {ref} (urgente)", "urgent", THEME_NAME],
    NotificationKind.REQUEST_CLAIMED: ["Demande {ref} prise en charge", THEME_NAME],
    NotificationKind.REQUEST_DISPATCHED: ["confiée par la coordination", THEME_NAME],
    NotificationKind.REQUEST_REASSIGNED: ["réattribuée", THEME_NAME],
    NotificationKind.REQUEST_REMINDER: ["en attente depuis 48 h", "Centre social Les Tilleuls", THEME_NAME],
    NotificationKind.REQUEST_ESCALATED: ["depuis 96 h", "96 heures", THEME_NAME],
    NotificationKind.CONVERSATION_MESSAGE: [
        "Nouveau message sur {ref} (urgente)",
        "Réponds-moi ici",
        "urgente",
    ],
    NotificationKind.CONVERSATION_BLOCKED: [
        "Conversation signalée et bloquée sur {ref}",
        "La demande est close",
    ],
    NotificationKind.ORIENTATION_RECEIVED: ["Orientation reçue", "Mission locale du Périgord"],
    NotificationKind.ORIENTATION_ACCEPTED: ["Orientation acceptée", "Mission locale du Périgord"],
    NotificationKind.ORIENTATION_DECLINED: ["Orientation déclinée", "motif"],
    NotificationKind.ORIENTATION_EXPIRING: ["avant le 03/04/2026", "expirera le 03/04/2026"],
    NotificationKind.ORIENTATION_EXPIRED: ["expirée sans réponse"],
    NotificationKind.COMMENT_PENDING: ["Commentaire à modérer", "La rentrée des promeneurs"],
    NotificationKind.LABEL_RENEWAL_DUE: ["Label à renouveler avant le 01/05/2026", "Aurélien"],
    NotificationKind.TRAINING_DUE: ["Formation continue", "depuis le 10/01/2024"],
    NotificationKind.CHARTER_DUE: ["version 2026"],
    NotificationKind.CONVENTION_ENDING: ["fin le 31/12/2026", "convention CAF 2026"],
    NotificationKind.WEEKLY_DIGEST: ["Récapitulatif de la semaine du 23/02/2026", "24 — Dordogne", "5"],
    NotificationKind.DAILY_DIGEST: ["Récapitulatif du jour"],
}
REQUEST_LINKED = {k for k in NotificationKind if k.startswith("request_")} | {
    NotificationKind.CONVERSATION_MESSAGE,
    NotificationKind.CONVERSATION_BLOCKED,
}
ORIENTATION_LINKED = {k for k in NotificationKind if k.startswith("orientation_")}


# The invitation goes to someone without an account: tests/accounts/test_invitations.py; "tu as
# une réponse" to a young person only: tests/referrals/test_conversation.py.
USER_KINDS = [
    kind
    for kind in NotificationKind
    if kind not in (NotificationKind.INVITATION, NotificationKind.CONVERSATION_REPLY)
]


@pytest.mark.parametrize("kind", USER_KINDS)
def test_every_email_says_what_it_must_and_nothing_confidential(world, request_context, orientation, kind):
    contact_request, context = request_context
    context = contexts(contact_request, context, orientation)[kind]
    row = Notification.objects.create(
        recipient=world["coordinator"], kind=kind, context=context, template=f"emails/{kind}"
    )

    assert notification_send(notification_id=row.pk).status == "sent"

    [message] = mail.outbox
    subject, text, body_html = email_texts(message)
    assert subject.startswith(SUBJECT_PREFIX)
    assert "Bonjour" in text and "Bonjour" in body_html and 'lang="fr"' in body_html
    reference = context.get("reference", "")
    for expected in EXPECTED[kind]:
        expected = expected.format(ref=reference)
        assert expected in subject + text, f"{expected!r} missing in {kind}"
        assert html.escape(expected, quote=False) in html.escape(subject) + body_html or expected in body_html
    if reference:
        assert reference in subject and reference in text and reference in body_html
    if kind in REQUEST_LINKED:
        link = f"{SITE}/tableau-de-bord/demandes/{contact_request.uuid}/"
        assert link in text and f'href="{link}"' in body_html
    elif kind in ORIENTATION_LINKED:
        link = f"{SITE}/tableau-de-bord/orientations/{orientation.uuid}/"
        assert link in text and f'href="{link}"' in body_html
    else:
        assert f"{SITE}/tableau-de-bord/" in text
    assert f"{SITE}/tableau-de-bord/notifications/preferences/" in text
    assert_no_secret(subject, text, body_html)
    assert ORIENTATION_SUMMARY not in text + body_html


def test_the_young_persons_email_has_no_dashboard_and_gives_the_emergency_numbers(world, make_request):
    contact_request = make_request(assignee=world["promeneur"], status=RequestStatus.CLAIMED)
    row = Notification.objects.create(
        recipient_request=contact_request,
        kind=NotificationKind.REQUEST_CLAIMED,
        context=_public_context(contact_request),
        template="emails/request_claimed_young_person",
    )

    subject, text, body_html = email_texts(build_message(row))

    assert subject == f"{SUBJECT_PREFIX}Ta demande {contact_request.reference} est prise en charge"
    for body in (text, body_html):
        assert "3018" in body and "119" in body and "3114" in body
        assert "tableau-de-bord" not in body
        assert world["promeneur"].first_name not in body  # no identity either way
    assert_no_secret(subject, text, body_html)


def test_the_text_version_is_not_html_escaped(world):
    row = Notification.objects.create(
        recipient=world["coordinator"],
        kind=NotificationKind.COMMENT_PENDING,
        context={"comment_id": 1, "article_title": "Écrans & sommeil : « l’heure d’y penser »"},
    )

    _subject, text, body_html = email_texts(build_message(row))

    assert "Écrans & sommeil : « l’heure d’y penser »" in text
    assert "Écrans &amp; sommeil" in body_html


def test_the_daily_digest_lists_each_notification_with_its_link(world, request_context):
    contact_request, context = request_context
    user = world["promeneur"].user
    digest = Notification.objects.create(
        recipient=user, kind=NotificationKind.DAILY_DIGEST, context={"count": 2}
    )
    for kind in (NotificationKind.REQUEST_NEW, NotificationKind.REQUEST_REMINDER):
        Notification.objects.create(
            recipient=user, kind=kind, context={**context, "hours": 48}, digest=digest
        )

    _subject, text, body_html = email_texts(build_message(digest))

    link = f"{SITE}/tableau-de-bord/demandes/{contact_request.uuid}/"
    assert f"Nouvelle demande {contact_request.reference}" in text
    assert f"Demande {contact_request.reference} en attente depuis 48 h" in text
    assert text.count(link) == 2 and body_html.count(f'href="{link}"') == 2
    assert_no_secret(text, body_html)
