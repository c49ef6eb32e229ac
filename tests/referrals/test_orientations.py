"""Orientations: created by the assignee only, seen by both structures, answered by the receiving one.

The young person's message and contact details never reach the receiving structure (design §3):
every page of this module is checked for them.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from referrals.enums import DeclineReason, OrientationStatus, Outcome, RequestStatus
from referrals.models import Orientation
from structures.enums import PromeneurStatus
from tests.accounts.factories import UserFactory
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory, OrientationFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

pytestmark = [
    pytest.mark.django_db,
    # whitenoise warns when STATIC_ROOT was never collected (not this module's concern).
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SECRET_FIRST_NAME = "Zéphyrine-secrète"
SECRET_EMAIL = "zephyrine.secrete@example.test"
SECRET_PHONE = "06 98 76 54 32"
SECRET_HANDLE = "zephyrine_secret_pseudo"
SECRETS = (SECRET_MESSAGE, SECRET_FIRST_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_HANDLE)
SUMMARY = "Jeune motivé·e cherchant un premier emploi, à recevoir pour un entretien."


def make_request(world, **kwargs):
    defaults = {
        "structure": world.sending,
        "assignee": world.assignee,
        "status": RequestStatus.IN_CONTACT,
        "claimed_at": timezone.now(),
        "first_name": SECRET_FIRST_NAME,
        "email": SECRET_EMAIL,
        "phone": SECRET_PHONE,
        "handle": SECRET_HANDLE,
    }
    return ContactRequestFactory(**{**defaults, **kwargs})


@pytest.fixture
def world():
    """Two structures in two départements, the people around them, and one orientation between them."""
    dordogne = DepartmentFactory(code="24")
    gironde = DepartmentFactory(code="33")
    paris = DepartmentFactory(code="75")
    w = SimpleNamespace(dordogne=dordogne, gironde=gironde, paris=paris)
    w.sending = StructureFactory(name="Centre social de Périgueux", department=dordogne)
    w.receiving = StructureFactory(
        name="Mission locale de Bordeaux", commune="Bordeaux", postcode="33000", department=gironde
    )
    w.unrelated = StructureFactory(name="MJC de Bergerac", department=dordogne)
    w.hidden = StructureFactory(name="Structure masquée", department=gironde, is_public=False)

    w.assignee = PromeneurFactory(structure=w.sending)
    w.colleague = PromeneurFactory(structure=w.sending)
    w.sending_referent = StructureMembershipFactory(structure=w.sending).user
    w.receiving_promeneur = PromeneurFactory(structure=w.receiving)
    w.receiving_referent = StructureMembershipFactory(structure=w.receiving).user
    w.unrelated_promeneur = PromeneurFactory(structure=w.unrelated)
    w.coordinator_24 = CoordinationFactory(department=dordogne).user
    w.coordinator_33 = CoordinationFactory(department=gironde).user
    w.coordinator_75 = CoordinationFactory(department=paris).user
    w.moderator = UserFactory(moderator=True)
    w.caf_staff = UserFactory(caf_staff=True)
    w.superuser = UserFactory(is_superuser=True, is_caf_staff=True)

    w.theme = ThemeFactory(name="Thème des orientations")
    w.request = make_request(w, themes=[w.theme])
    w.orientation = OrientationFactory(
        request=w.request,
        from_structure=w.sending,
        to_structure=w.receiving,
        created_by=w.assignee.user,
        summary=SUMMARY,
    )
    return w


def user_of(world, role):
    users = {
        "anonymous": None,
        "assignee": world.assignee.user,
        "colleague": world.colleague.user,
        "sending_referent": world.sending_referent,
        "receiving_promeneur": world.receiving_promeneur.user,
        "receiving_referent": world.receiving_referent,
        "unrelated_promeneur": world.unrelated_promeneur.user,
        "coordinator_24": world.coordinator_24,
        "coordinator_33": world.coordinator_33,
        "coordinator_75": world.coordinator_75,
        "moderator": world.moderator,
        "caf_staff": world.caf_staff,
        "superuser": world.superuser,
    }
    return users[role]


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def assert_no_secret(response):
    html = response.content.decode()
    for secret in SECRETS:
        assert secret not in html


def post_data(world, **overrides):
    data = {
        "to_structure": world.receiving.pk,
        "summary": SUMMARY,
        "young_person_agreed": "on",
        "data_protection_commitment": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def create_url(contact_request):
    return reverse("referrals:orientation_create", kwargs={"uuid": contact_request.uuid})


def detail_url(orientation):
    return reverse("referrals:orientation_detail", kwargs={"uuid": orientation.uuid})


LIST_URL = "/tableau-de-bord/orientations/"


# --- Permission matrix ------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "assignee",
    "colleague",
    "sending_referent",
    "receiving_promeneur",
    "receiving_referent",
    "unrelated_promeneur",
    "coordinator_24",
    "coordinator_33",
    "coordinator_75",
    "moderator",
    "caf_staff",
    "superuser",
]
# Who sees the orientation (detail 200, listed), and whether they read its summary.
SEES = {
    "assignee": True,
    "colleague": True,
    "sending_referent": True,
    "receiving_promeneur": True,
    "receiving_referent": True,
    "coordinator_24": True,
    "coordinator_33": True,
}
READS_SUMMARY = {"assignee", "colleague", "sending_referent", "receiving_promeneur", "receiving_referent"}


@pytest.mark.parametrize("role", ROLES)
def test_create_page_permission_matrix(client, world, role):
    login(client, user_of(world, role))

    get = client.get(create_url(world.request))
    post = client.post(create_url(world.request), post_data(world, to_structure=world.unrelated.pk))

    if role == "anonymous":
        assert get.status_code == post.status_code == 302
        assert get["Location"].startswith("/comptes/login/")
    elif role == "assignee":
        assert get.status_code == 200
        assert post.status_code == 302
    else:
        assert get.status_code == post.status_code == 404
        assert not Orientation.objects.filter(to_structure=world.unrelated).exists()
    assert_no_secret(get)
    assert_no_secret(post)


@pytest.mark.parametrize("role", ROLES)
def test_list_page_permission_matrix(client, world, role):
    login(client, user_of(world, role))

    response = client.get(LIST_URL)

    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert (world.request.reference in html) is SEES.get(role, False)
    assert (SUMMARY in html) is (role in READS_SUMMARY)
    assert_no_secret(response)


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_permission_matrix(client, world, role):
    login(client, user_of(world, role))

    response = client.get(detail_url(world.orientation))

    if role == "anonymous":
        assert response.status_code == 302
        return
    if not SEES.get(role):
        assert response.status_code == 404
        assert world.request.reference not in response.content.decode()
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert world.request.reference in html
    assert (SUMMARY in html) is (role in READS_SUMMARY)
    # Only the receiving side gets the answer buttons.
    assert ("Accepter l’orientation" in html) is (role in {"receiving_promeneur", "receiving_referent"})
    assert_no_secret(response)


@pytest.mark.parametrize(
    ("role", "expected"),
    {
        "anonymous": 302,
        "assignee": 403,
        "colleague": 403,
        "sending_referent": 403,
        "unrelated_promeneur": 404,
        "coordinator_24": 403,
        "coordinator_33": 403,
        "coordinator_75": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    }.items(),
)
def test_only_the_receiving_side_answers(client, world, role, expected):
    login(client, user_of(world, role))

    response = client.post(detail_url(world.orientation), {"decision": "accept"})

    assert response.status_code == expected
    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.PROPOSED


def test_unknown_uuid_answers_404(client, world):
    client.force_login(world.receiving_referent)
    assert (
        client.get("/tableau-de-bord/orientations/00000000-0000-4000-8000-000000000000/").status_code == 404
    )
    client.force_login(world.assignee.user)
    assert (
        client.get(
            create_url(world.request).replace(str(world.request.uuid), "00000000-0000-4000-8000-000000000000")
        ).status_code
        == 404
    )


def test_suspended_assignee_cannot_orient(client, world):
    world.assignee.status = PromeneurStatus.SUSPENDED
    world.assignee.save()
    client.force_login(world.assignee.user)

    assert client.get(create_url(world.request)).status_code == 404


# --- Creation ---------------------------------------------------------------------------------


def test_assignee_orients_the_young_person(client, world, django_capture_on_commit_callbacks):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(create_url(contact_request), post_data(world))

    orientation = Orientation.objects.get(request=contact_request)
    assert response.status_code == 302
    assert response["Location"] == detail_url(orientation)
    assert orientation.from_structure == world.sending
    assert orientation.to_structure == world.receiving
    assert orientation.created_by == world.assignee.user
    assert orientation.summary == SUMMARY
    assert orientation.young_person_agreed and orientation.data_protection_commitment
    assert orientation.status == OrientationStatus.PROPOSED
    assert orientation.expires_at - orientation.created_at == datetime.timedelta(days=30)
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.ORIENTED
    assert contact_request.history.filter(to_status=RequestStatus.ORIENTED, by=world.assignee.user).exists()
    # The outbox tells the target structure's promeneurs and referents; the context has no content.
    rows = Notification.objects.filter(kind=NotificationKind.ORIENTATION_RECEIVED)
    assert {row.recipient for row in rows} == {world.receiving_promeneur.user, world.receiving_referent}
    for row in rows:
        assert row.context == {"orientation_id": orientation.pk, "reference": contact_request.reference}
    page = client.get(response["Location"])
    assert "L’orientation vers Mission locale de Bordeaux est envoyée" in page.content.decode()


def test_sender_is_warned_when_nobody_of_the_target_structure_has_an_account(client, world):
    partner = StructureFactory(name="Maison des ados partenaire", department=world.gironde)
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(
        create_url(contact_request), post_data(world, to_structure=partner.pk), follow=True
    )

    assert Orientation.objects.filter(request=contact_request, to_structure=partner).exists()
    assert (
        "Personne de Maison des ados partenaire n’a encore de compte sur le portail"
        in response.content.decode()
    )
    assert not Notification.objects.filter(kind=NotificationKind.ORIENTATION_RECEIVED).exists()


def test_orienting_a_claimed_request_keeps_its_status(client, world):
    """Claimed → oriented is not an allowed transition: the orientation is sent, the status stays."""
    contact_request = make_request(world, status=RequestStatus.CLAIMED)
    client.force_login(world.assignee.user)

    response = client.post(create_url(contact_request), post_data(world))

    assert response.status_code == 302
    assert Orientation.objects.filter(request=contact_request).exists()
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.CLAIMED


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("young_person_agreed", "l’accord du ou de la jeune est indispensable"),
        ("data_protection_commitment", "l’engagement de protection des données est obligatoire"),
    ],
)
def test_agreement_and_commitment_are_required(client, world, missing, message):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(create_url(contact_request), post_data(world, **{missing: None}))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Le formulaire n’a pas été envoyé" in html
    # What was typed stays: the summary, the chosen structure, the other box.
    assert SUMMARY.replace("’", "&#x27;") in html or SUMMARY in html
    assert f'<option value="{world.receiving.pk}" selected>' in html
    other = ({"young_person_agreed", "data_protection_commitment"} - {missing}).pop()
    assert f'name="{other}" id="id_{other}" checked' in html or f'id="id_{other}" checked' in html
    assert not Orientation.objects.filter(request=contact_request).exists()
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.IN_CONTACT
    assert not Notification.objects.filter(kind=NotificationKind.ORIENTATION_RECEIVED).exists()


def test_both_boxes_unticked_gives_both_errors(client, world):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(
        create_url(contact_request),
        post_data(world, young_person_agreed=None, data_protection_commitment=None),
    )

    html = response.content.decode()
    assert "l’accord du ou de la jeune est indispensable" in html
    assert "l’engagement de protection des données est obligatoire" in html
    assert 'aria-invalid="true"' in html
    assert not Orientation.objects.filter(request=contact_request).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to_structure": None}, "Choisissez la structure vers laquelle orienter"),
        ({"summary": "   "}, "Écrivez un résumé de la situation"),
        ({"summary": "x" * 2001}, "Le résumé compte au plus 2 000 caractères (il en compte 2001)"),
        ({"summary": "Résumé\x00avec un octet nul"}, "Le caractère nul n’est pas autorisé"),
        ({"to_structure": "pas-un-nombre"}, "Choisissez une structure de la liste, autre que la vôtre"),
        ({"to_structure": "999999"}, "Choisissez une structure de la liste, autre que la vôtre"),
    ],
)
def test_bad_input_gives_a_french_error_and_creates_nothing(client, world, overrides, message):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(create_url(contact_request), post_data(world, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Orientation.objects.filter(request=contact_request).exists()


def test_own_and_hidden_structures_are_neither_offered_nor_accepted(client, world):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    page = client.get(create_url(contact_request)).content.decode()
    assert f'<option value="{world.receiving.pk}">' in page
    assert f'<option value="{world.sending.pk}"' not in page
    assert f'<option value="{world.hidden.pk}"' not in page
    # Grouped by département.
    assert '<optgroup label="24 — Dordogne">' in page
    assert '<optgroup label="33 — Gironde">' in page

    for structure in (world.sending, world.hidden):
        response = client.post(create_url(contact_request), post_data(world, to_structure=structure.pk))
        assert "Choisissez une structure de la liste, autre que la vôtre" in response.content.decode()
    assert not Orientation.objects.filter(request=contact_request).exists()


def test_summary_copying_the_message_is_refused(client, world):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)
    summary = f"Elle m’a écrit : « {SECRET_MESSAGE.upper()} ». À recevoir vite."

    response = client.post(create_url(contact_request), post_data(world, summary=summary))

    assert "Ce résumé reprend le message du ou de la jeune" in response.content.decode()
    assert not Orientation.objects.filter(request=contact_request).exists()


@pytest.mark.parametrize(
    "leak",
    [
        f"écrire à {SECRET_EMAIL}",
        f"sur Insta @{SECRET_HANDLE}",
        "appeler le 06.98.76.54.32",
        "tél. +33 6 98 76 54 32",
    ],
)
def test_summary_giving_contact_details_is_refused(client, world, leak):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)

    response = client.post(
        create_url(contact_request), post_data(world, summary=f"Jeune à recevoir : {leak}.")
    )

    assert "Ce résumé contient les coordonnées du ou de la jeune" in response.content.decode()
    assert not Orientation.objects.filter(request=contact_request).exists()


def test_a_second_pending_orientation_to_the_same_structure_is_refused(client, world):
    client.force_login(world.assignee.user)

    response = client.post(create_url(world.request), post_data(world))

    assert "Une orientation vers cette structure attend déjà sa réponse" in response.content.decode()
    assert Orientation.objects.filter(request=world.request).count() == 1


def test_html_in_the_summary_is_shown_escaped(client, world):
    contact_request = make_request(world)
    client.force_login(world.assignee.user)
    payload = "<script>alert('x')</script> Jeune à accueillir 🙂 — ça va"

    response = client.post(create_url(contact_request), post_data(world, summary=payload), follow=True)

    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Jeune à accueillir 🙂 — ça va" in html


@pytest.mark.parametrize("status", [RequestStatus.CLOSED, RequestStatus.WITHDRAWN])
def test_a_closed_request_cannot_be_oriented(client, world, status):
    extra = {"outcome": Outcome.RESOLVED_ONLINE} if status == RequestStatus.CLOSED else {}
    contact_request = make_request(world, status=status, **extra)
    client.force_login(world.assignee.user)

    page = client.get(create_url(contact_request))
    response = client.post(create_url(contact_request), post_data(world))

    assert page.status_code == 200
    assert "elle ne peut plus être orientée" in page.content.decode()
    assert '<form method="post" action="/tableau-de-bord/demandes/' not in page.content.decode()
    assert response.status_code == 200
    assert not Orientation.objects.filter(request=contact_request).exists()


def test_a_request_waiting_to_be_claimed_is_claimed_first(client, world):
    contact_request = make_request(world, status=RequestStatus.NEW, claimed_at=None)
    client.force_login(world.assignee.user)

    page = client.get(create_url(contact_request))
    response = client.post(create_url(contact_request), post_data(world))

    assert "Prenez d’abord cette demande en charge" in page.content.decode()
    assert response.status_code == 200
    assert not Orientation.objects.filter(request=contact_request).exists()


def test_create_page_query_count_does_not_depend_on_the_directory(client, world, django_assert_num_queries):
    client.force_login(world.assignee.user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(create_url(world.request)).status_code == 200
    assert len(few) == 12  # pinned: a new query shows here, even on a page of one row

    for index in range(20):
        StructureFactory(department=DepartmentFactory(code=f"{40 + index}"))
    OrientationFactory.create_batch(
        5, request=world.request, from_structure=world.sending, created_by=world.assignee.user
    )

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(create_url(world.request))
    # The two départements of the world (its own structure and the hidden one left out), and 20 new.
    assert response.content.decode().count("<optgroup") == 22


# --- Answer -----------------------------------------------------------------------------------


def test_receiving_promeneur_accepts(client, world):
    client.force_login(world.receiving_promeneur.user)

    response = client.post(detail_url(world.orientation), {"decision": "accept"}, follow=True)

    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.ACCEPTED
    assert world.orientation.answered_by == world.receiving_promeneur.user
    assert world.orientation.answered_at is not None
    assert world.orientation.decline_reason == ""
    assert "Vous avez accepté l’orientation" in response.content.decode()
    row = Notification.objects.get(kind=NotificationKind.ORIENTATION_ACCEPTED)
    assert row.recipient == world.assignee.user
    assert row.context == {"orientation_id": world.orientation.pk, "reference": world.request.reference}


def test_receiving_referent_declines_with_a_reason(client, world):
    client.force_login(world.receiving_referent)

    response = client.post(
        detail_url(world.orientation),
        {"decision": "decline", "reason": DeclineReason.NO_CAPACITY},
        follow=True,
    )

    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.DECLINED
    assert world.orientation.decline_reason == DeclineReason.NO_CAPACITY
    html = response.content.decode()
    assert "Vous avez décliné l’orientation" in html
    assert "Pas de disponibilité pour l’instant" in html
    assert (
        Notification.objects.get(kind=NotificationKind.ORIENTATION_DECLINED).recipient == world.assignee.user
    )
    # The sender sees the answer.
    client.force_login(world.assignee.user)
    page = client.get(detail_url(world.orientation)).content.decode()
    assert "Déclinée" in page and "Pas de disponibilité pour l’instant" in page
    assert "proposer une autre orientation" in page


@pytest.mark.parametrize("reason", ["", "pas-un-motif"])
def test_declining_needs_a_reason(client, world, reason):
    client.force_login(world.receiving_referent)

    response = client.post(detail_url(world.orientation), {"decision": "decline", "reason": reason})

    assert response.status_code == 200
    html = response.content.decode()
    assert "La réponse n’a pas été enregistrée" in html
    assert ("Indiquez le motif du refus" in html) or ("Choisissez un motif de la liste" in html)
    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.PROPOSED
    assert not Notification.objects.filter(kind=NotificationKind.ORIENTATION_DECLINED).exists()


def test_a_tampered_decision_is_refused(client, world):
    client.force_login(world.receiving_referent)

    response = client.post(detail_url(world.orientation), {"decision": "maybe"})

    assert response.status_code == 200
    assert "Choisissez d’accepter ou de décliner l’orientation" in response.content.decode()
    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.PROPOSED


def test_an_orientation_cannot_be_answered_twice(client, world):
    client.force_login(world.receiving_referent)
    client.post(detail_url(world.orientation), {"decision": "accept"})

    client.force_login(world.receiving_promeneur.user)
    response = client.post(
        detail_url(world.orientation), {"decision": "decline", "reason": DeclineReason.OTHER}, follow=True
    )

    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.ACCEPTED
    assert world.orientation.answered_by == world.receiving_referent
    html = response.content.decode()
    assert "Cette orientation a déjà été acceptée : elle ne peut plus recevoir d’autre réponse." in html
    assert "Accepter l’orientation" not in html
    assert Notification.objects.filter(kind=NotificationKind.ORIENTATION_ACCEPTED).count() == 1
    assert not Notification.objects.filter(kind=NotificationKind.ORIENTATION_DECLINED).exists()


def test_an_overdue_orientation_cannot_be_answered_even_before_the_sweep(client, world):
    Orientation.objects.filter(pk=world.orientation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(world.receiving_referent)

    page = client.get(detail_url(world.orientation)).content.decode()
    response = client.post(detail_url(world.orientation), {"decision": "accept"}, follow=True)

    assert "Expirée" in page
    assert "Accepter l’orientation" not in page
    assert "Cette orientation a expiré sans réponse" in response.content.decode()
    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.PROPOSED


def test_an_expired_orientation_cannot_be_answered(client, world):
    Orientation.objects.filter(pk=world.orientation.pk).update(status=OrientationStatus.EXPIRED)
    client.force_login(world.receiving_promeneur.user)

    response = client.post(detail_url(world.orientation), {"decision": "accept"}, follow=True)

    assert "Cette orientation a expiré sans réponse" in response.content.decode()
    world.orientation.refresh_from_db()
    assert world.orientation.status == OrientationStatus.EXPIRED


# --- Lists ------------------------------------------------------------------------------------


def test_lists_show_sent_and_received_with_counts(client, world):
    accepted = OrientationFactory(
        request=make_request(world),
        from_structure=world.receiving,
        to_structure=world.sending,
        created_by=world.receiving_promeneur.user,
        status=OrientationStatus.ACCEPTED,
        answered_at=timezone.now(),
    )
    client.force_login(world.sending_referent)

    response = client.get(LIST_URL)

    sections = {section["key"]: section for section in response.context["sections"]}
    assert set(sections) == {"recues", "envoyees"}
    assert [o.pk for o in sections["envoyees"]["orientations"]] == [world.orientation.pk]
    assert [o.pk for o in sections["recues"]["orientations"]] == [accepted.pk]
    assert sections["envoyees"]["counts"] == [{"label": "Proposée", "value": 1}]
    assert sections["recues"]["counts"] == [{"label": "Acceptée", "value": 1}]
    html = response.content.decode()
    assert "Envoyées (1)" in html and "Reçues (1)" in html
    assert "expire le" in html and "répondue le" in html


def test_coordinator_list_has_their_departments_without_summaries(client, world):
    client.force_login(world.coordinator_33)

    response = client.get(LIST_URL)

    sections = response.context["sections"]
    assert [section["key"] for section in sections] == ["departements"]
    assert [o.pk for o in sections[0]["orientations"]] == [world.orientation.pk]
    assert SUMMARY not in response.content.decode()


def test_lists_paginate(client, world):
    for _ in range(PAGE_EXTRA):
        OrientationFactory(
            request=make_request(world), from_structure=world.sending, to_structure=world.receiving
        )
    client.force_login(world.assignee.user)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page_envoyees": 2})

    assert len(first.context["sections"][1]["orientations"]) == 20
    assert len(second.context["sections"][1]["orientations"]) == PAGE_EXTRA + 1 - 20
    assert "page_envoyees=2" in first.content.decode()


PAGE_EXTRA = 29


def add_orientations(world, count):
    for _ in range(count):
        contact_request = make_request(world, themes=[world.theme])
        OrientationFactory(
            request=contact_request,
            from_structure=world.sending,
            to_structure=world.receiving,
            created_by=world.assignee.user,
        )
        OrientationFactory(
            request=make_request(
                world, structure=world.receiving, assignee=world.receiving_promeneur, themes=[world.theme]
            ),
            from_structure=world.receiving,
            to_structure=world.sending,
            created_by=world.receiving_promeneur.user,
            status=OrientationStatus.DECLINED,
            decline_reason=DeclineReason.AGE,
            answered_at=timezone.now(),
        )


@pytest.mark.parametrize("role", ["assignee", "receiving_referent", "coordinator_24"])
def test_list_query_count_does_not_depend_on_the_number_of_orientations(
    client, world, django_assert_num_queries, role
):
    add_orientations(world, 1)  # every list has one row (an empty page costs one query less)
    client.force_login(user_of(world, role))
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST_URL).status_code == 200
    assert len(one) == {"assignee": 13, "receiving_referent": 13, "coordinator_24": 10}[role]

    add_orientations(world, 29)  # 30 rows in each list, over a page of 20

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST_URL)
    assert sum(len(section["orientations"]) for section in response.context["sections"]) >= 20


def test_detail_query_count_does_not_depend_on_the_themes(client, world, django_assert_num_queries):
    client.force_login(world.receiving_referent)
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(world.orientation))
    assert len(few) == 9  # pinned: a new query shows here, even on a page of one row

    world.request.themes.add(*[ThemeFactory() for _ in range(10)])

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(detail_url(world.orientation))
