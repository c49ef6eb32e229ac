"""Permission matrix of the dashboard of contact requests (design §2, §3).

Every dashboard URL × every kind of user: the status code, no content of a young person's request
anywhere but on the assignee's own request page, and an access log row only for that display.

Decisions asserted here:
- CAF staff, superusers and moderators work in the Django admin (metadata only): the dashboard's
  request pages answer them 404, like any account without a promeneur, referent or coordinator role.
- Referents and coordinators without a promeneur profile are redirected from the inbox to their
  own page (workload, département pool).
- A visible request on which the user may not act (a referent posting a status change) answers
  403; a request the user may not see answers 404, whatever the action.
"""

import uuid
from dataclasses import dataclass

import pytest
from django.urls import reverse

from referrals.enums import Outcome, RequestStatus
from referrals.models import AccessLog, ContactRequest, RequestNote
from structures.models import Structure
from tests.accounts.factories import UserFactory
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

YOUNG_FIRST_NAME = "Camille-secret"
YOUNG_EMAIL = "camille.secret@example.test"
CLAIMED_EMAIL = "claimed.secret@example.test"


@dataclass
class World:
    department: object
    structure: Structure
    other_structure: Structure
    users: dict
    claimed: ContactRequest
    pool: ContactRequest
    department_pool: ContactRequest


def build_world():
    """Two structures of the Dordogne, one of the Gironde; one user per role; three requests."""
    dordogne = DepartmentFactory(code="24")
    gironde = DepartmentFactory(code="33")
    structure = StructureFactory(name="Centre social du Gour de l’Arche", department=dordogne)
    other_structure = StructureFactory(name="MJC de Bergerac", department=dordogne, commune="Bergerac")
    assignee = PromeneurFactory(structure=structure, first_name="Léa", user__email="lea@structure.test")
    colleague = PromeneurFactory(structure=structure, first_name="Hugo", user__email="hugo@structure.test")
    outsider = PromeneurFactory(structure=other_structure, first_name="Inès", user__email="ines@mjc.test")
    referent = StructureMembershipFactory(structure=structure, user__email="referente@structure.test").user
    coordinator = CoordinationFactory(department=dordogne, user__email="coord24@caf.test").user
    other_coordinator = CoordinationFactory(department=gironde, user__email="coord33@caf.test").user
    users = {
        "anonymous": None,
        "assignee": assignee.user,
        "colleague": colleague.user,
        "other_structure_promeneur": outsider.user,
        "referent": referent,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "moderator": UserFactory(moderator=True, email="moderation@caf.test"),
        "caf_staff": UserFactory(caf_staff=True, email="national@caf.test"),
        "superuser": UserFactory(is_superuser=True, is_caf_staff=True, email="admin@caf.test"),
    }
    claimed = ContactRequestFactory(
        structure=structure, claimed=True, assignee=assignee, first_name=YOUNG_FIRST_NAME, email=CLAIMED_EMAIL
    )
    pool = ContactRequestFactory(structure=structure, first_name=YOUNG_FIRST_NAME, email=YOUNG_EMAIL)
    department_pool = ContactRequestFactory(
        department_pool=True, department=dordogne, first_name=YOUNG_FIRST_NAME, email=YOUNG_EMAIL
    )
    return World(dordogne, structure, other_structure, users, claimed, pool, department_pool)


USERS = [
    "anonymous",
    "assignee",
    "colleague",
    "other_structure_promeneur",
    "referent",
    "coordinator",
    "other_coordinator",
    "moderator",
    "caf_staff",
    "superuser",
]

# Expected status per page and user. 302 for the anonymous visitor: the login page.
GET_PAGES = {
    # The inbox: referents and coordinators go to their own page; accounts without a role: 404.
    "inbox": {
        "anonymous": 302,
        "assignee": 200,
        "colleague": 200,
        "other_structure_promeneur": 200,
        "referent": 302,
        "coordinator": 302,
        "other_coordinator": 302,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # The claimed request: its metadata for the structure's referent and the département's coordinator.
    "detail_claimed": {
        "anonymous": 302,
        "assignee": 200,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 200,
        "coordinator": 200,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # A request in the structure's pool: its promeneurs see its metadata and may claim it.
    "detail_pool": {
        "anonymous": 302,
        "assignee": 200,
        "colleague": 200,
        "other_structure_promeneur": 404,
        "referent": 200,
        "coordinator": 200,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # A request in the département's pool: its coordinators only.
    "detail_department_pool": {
        "anonymous": 302,
        "assignee": 404,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 404,
        "coordinator": 200,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    "structure_workload": {
        "anonymous": 302,
        "assignee": 404,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 200,
        "coordinator": 404,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    "access_log": {
        "anonymous": 302,
        "assignee": 404,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 200,
        "coordinator": 404,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    "department_pool": {
        "anonymous": 302,
        "assignee": 404,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 404,
        "coordinator": 200,
        "other_coordinator": 200,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
}

POST_ACTIONS = {
    # A promeneur of the structure claims its pool request; nobody else may.
    "claim": {
        "anonymous": 302,
        "assignee": 302,
        "colleague": 302,
        "other_structure_promeneur": 404,
        "referent": 404,
        "coordinator": 404,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # Only the assignee moves the request along, or writes a note; those who see it get 403.
    "change_status": {
        "anonymous": 302,
        "assignee": 302,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 403,
        "coordinator": 403,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    "add_note": {
        "anonymous": 302,
        "assignee": 302,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 403,
        "coordinator": 403,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # The referent and the coordinator reassign; the assignee may not.
    "reassign": {
        "anonymous": 302,
        "assignee": 403,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 302,
        "coordinator": 302,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
    # The département's coordinator dispatches a département pool request.
    "dispatch": {
        "anonymous": 302,
        "assignee": 404,
        "colleague": 404,
        "other_structure_promeneur": 404,
        "referent": 404,
        "coordinator": 302,
        "other_coordinator": 404,
        "moderator": 404,
        "caf_staff": 404,
        "superuser": 404,
    },
}


def url_and_data(world, name):
    detail = lambda r: reverse("referrals:request_detail", kwargs={"uuid": r.uuid})  # noqa: E731
    action = lambda n, r: reverse(f"referrals:{n}", kwargs={"uuid": r.uuid})  # noqa: E731
    colleague = world.users["colleague"].promeneur_profile
    return {
        "inbox": (reverse("referrals:inbox"), None),
        "detail_claimed": (detail(world.claimed), None),
        "detail_pool": (detail(world.pool), None),
        "detail_department_pool": (detail(world.department_pool), None),
        "structure_workload": (reverse("referrals:structure_workload"), None),
        "access_log": (reverse("referrals:access_log"), None),
        "department_pool": (reverse("referrals:department_pool"), None),
        "claim": (action("claim", world.pool), {}),
        "change_status": (action("change_status", world.claimed), {"statut": RequestStatus.IN_CONTACT}),
        "add_note": (action("add_note", world.claimed), {"texte": "Premier échange prévu mercredi."}),
        "reassign": (
            action("reassign", world.claimed),
            {"promeneur": colleague.pk, "motif": "Absence de la promeneuse"},
        ),
        "dispatch": (action("dispatch", world.department_pool), {"structure": world.structure.pk}),
    }[name]


def log_in(client, world, who):
    user = world.users[who]
    if user is not None:
        client.force_login(user)
    return user


def assert_no_content(response):
    body = response.content.decode()
    for secret in (SECRET_MESSAGE, YOUNG_FIRST_NAME, YOUNG_EMAIL, CLAIMED_EMAIL):
        assert secret not in body, f"{secret!r} leaked"


MATRIX = [(name, who, code) for name, codes in GET_PAGES.items() for who, code in codes.items()]
ACTIONS = [(action, who, code) for action, codes in POST_ACTIONS.items() for who, code in codes.items()]


def test_every_page_and_action_says_what_every_user_gets():
    for name, codes in {**GET_PAGES, **POST_ACTIONS}.items():
        assert sorted(codes) == sorted(USERS), name


@pytest.mark.django_db
# Not `page`: that name is pytest-playwright's fixture, which would turn these tests into browser
# tests (parametrized by browser) and reorder them after the transactional ones.
@pytest.mark.parametrize(("page_name", "who", "expected"), MATRIX)
def test_dashboard_page_status_and_no_content_leak(client, page_name, who, expected):
    world = build_world()
    log_in(client, world, who)
    url, _ = url_and_data(world, page_name)

    response = client.get(url)

    assert response.status_code == expected
    is_assignee_page = who == "assignee" and page_name == "detail_claimed"
    if is_assignee_page:
        body = response.content.decode()
        assert SECRET_MESSAGE in body
        assert YOUNG_FIRST_NAME in body
        assert CLAIMED_EMAIL in body
    else:
        assert_no_content(response)
    # Only a display of the content is logged: the assignee's own request page, once.
    logs = AccessLog.objects.all()
    if is_assignee_page:
        assert [(log.user, log.request, log.reference) for log in logs] == [
            (world.users["assignee"], world.claimed, world.claimed.reference)
        ]
    else:
        assert not logs.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "who", "expected"), ACTIONS)
def test_dashboard_action_status_and_no_content_leak(client, action, who, expected):
    world = build_world()
    log_in(client, world, who)
    url, data = url_and_data(world, action)
    before = {r.pk: (r.status, r.assignee_id, r.structure_id) for r in ContactRequest.objects.all()}

    response = client.post(url, data)

    assert response.status_code == expected
    assert_no_content(response)
    assert not AccessLog.objects.exists()
    after = {r.pk: (r.status, r.assignee_id, r.structure_id) for r in ContactRequest.objects.all()}
    changed = expected == 302 and who != "anonymous"
    assert (before != after or RequestNote.objects.exists()) is changed
    if who == "anonymous":
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("who", USERS[1:])
@pytest.mark.parametrize(
    "name", ["request_detail", "claim", "change_status", "add_note", "reassign", "dispatch"]
)
def test_guessing_a_uuid_answers_404(client, who, name):
    world = build_world()
    log_in(client, world, who)
    url = reverse(f"referrals:{name}", kwargs={"uuid": uuid.uuid4()})

    response = client.get(url) if name == "request_detail" else client.post(url, {"statut": "closed"})

    assert response.status_code == 404


@pytest.mark.django_db
def test_get_on_an_action_is_refused(client):
    world = build_world()
    client.force_login(world.users["assignee"])

    response = client.get(reverse("referrals:claim", kwargs={"uuid": world.pool.uuid}))

    assert response.status_code == 405
    assert ContactRequest.objects.get(pk=world.pool.pk).status == RequestStatus.NEW


@pytest.mark.django_db
def test_promeneur_no_longer_labelled_loses_their_requests(client):
    world = build_world()
    promeneur = world.users["assignee"].promeneur_profile
    promeneur.change_status("suspended")
    client.force_login(world.users["assignee"])

    inbox = client.get(reverse("referrals:inbox"))
    detail = client.get(world.claimed.get_absolute_url())
    note = client.post(reverse("referrals:add_note", kwargs={"uuid": world.claimed.uuid}), {"texte": "x"})

    assert inbox.status_code == 200
    assert "Suspendu·e" in inbox.content.decode()
    assert world.claimed.reference not in inbox.content.decode()
    assert detail.status_code == 404
    assert note.status_code == 404
    assert_no_content(inbox)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_inactive_assignee_reads_nothing(client):
    world = build_world()
    user = world.users["assignee"]
    client.force_login(user)
    user.is_active = False
    user.save()

    response = client.get(world.claimed.get_absolute_url())

    # The session of a deactivated account is no longer valid: back to the login page.
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RequestStatus.WITHDRAWN, RequestStatus.SPAM])
def test_assignee_reads_no_content_of_a_withdrawn_or_spam_request(client, status):
    world = build_world()
    ContactRequest.objects.filter(pk=world.claimed.pk).update(status=status)
    client.force_login(world.users["assignee"])

    response = client.get(world.claimed.get_absolute_url())

    assert response.status_code == 200
    assert_no_content(response)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_closed_request_content_stays_with_the_assignee_only(client):
    world = build_world()
    ContactRequest.objects.filter(pk=world.claimed.pk).update(
        status=RequestStatus.CLOSED, outcome=Outcome.RESOLVED_ONLINE
    )

    for who in ("referent", "coordinator"):
        client.force_login(world.users[who])
        response = client.get(world.claimed.get_absolute_url())
        assert response.status_code == 200
        assert_no_content(response)

    client.force_login(world.users["assignee"])
    response = client.get(world.claimed.get_absolute_url())
    assert SECRET_MESSAGE in response.content.decode()
    assert AccessLog.objects.count() == 1
