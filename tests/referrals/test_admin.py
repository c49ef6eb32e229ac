"""The admin of referrals and of the outbox: metadata only, read-only, scoped by role (design §3.2)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from referrals.enums import RequestStatus
from referrals.models import AccessLog, RequestNote
from structures.enums import Network
from tests.accounts.factories import UserFactory
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory, OrientationFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

FIRST_NAME = "Zéphyrine-admin-secrète"
EMAIL = "zephyrine.admin.secrete@example.test"
PHONE = "06 11 22 33 44"
HANDLE = "zephyrine_admin_pseudo"
NOTE = "Note privée : rendez-vous au collège mardi"
SUMMARY = "Résumé confidentiel pour la mission locale"
SECRETS = (SECRET_MESSAGE, FIRST_NAME, EMAIL, PHONE, HANDLE, NOTE, SUMMARY)


@pytest.fixture
def data():
    dordogne, gironde = DepartmentFactory(code="24"), DepartmentFactory(code="33")
    structure = StructureFactory(department=dordogne)
    request_24 = ContactRequestFactory(
        structure=structure,
        assigned=True,
        status=RequestStatus.CLAIMED,
        claimed_at=timezone.now(),
        first_name=FIRST_NAME,
        email=EMAIL,
        phone=PHONE,
        handle=HANDLE,
        network=Network.INSTAGRAM,
    )
    request_24.history.create(from_status=RequestStatus.NEW, to_status=RequestStatus.CLAIMED)
    RequestNote.objects.create(request=request_24, text=NOTE)
    request_33 = ContactRequestFactory(structure=StructureFactory(department=gironde))
    orientation = OrientationFactory(
        request=request_24,
        from_structure=structure,
        to_structure=StructureFactory(department=gironde),
        created_by=request_24.assignee.user,
        summary=SUMMARY,
    )
    AccessLog.objects.create(
        user=request_24.assignee.user, request=request_24, reference=request_24.reference, structure=structure
    )
    Notification.objects.create(
        recipient=request_24.assignee.user,
        kind=NotificationKind.REQUEST_NEW,
        context={"request_id": request_24.pk, "reference": request_24.reference, "themes": []},
    )
    return {
        "request_24": request_24,
        "request_33": request_33,
        "orientation": orientation,
        "coordinator_24": CoordinationFactory(department=dordogne).user,
        "caf_staff": UserFactory(caf_staff=True),
        "superuser": UserFactory(is_superuser=True, is_caf_staff=True),
    }


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def assert_no_secret(response):
    html = response.content.decode()
    for secret in SECRETS:
        assert secret not in html, secret


# --- Contact requests -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["caf_staff", "superuser"])
def test_caf_staff_see_requests_metadata_only(client, data, who):
    client.force_login(data[who])
    request_24 = data["request_24"]

    listing = client.get(changelist(type(request_24)))
    page = client.get(change(request_24))

    assert listing.status_code == 200
    assert request_24.reference in listing.content.decode()
    assert data["request_33"].reference in listing.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert request_24.reference in html
    assert "Périgueux" in html and "15 à 17 ans" in html
    assert "historique des statuts" in html.lower()
    # Read-only: no form field, no save button.
    assert 'name="_save"' not in html
    assert 'name="status"' not in html
    assert_no_secret(listing)
    assert_no_secret(page)


def test_search_finds_by_reference_never_by_content(client, data):
    client.force_login(data["caf_staff"])
    url = changelist(type(data["request_24"]))

    for term in ("je ne vais pas bien", FIRST_NAME, EMAIL, HANDLE, "06 11", "rendez-vous au collège"):
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, term

    found = client.get(url, {"q": data["request_24"].reference.lower()})
    assert found.context["cl"].result_count == 1


@pytest.mark.parametrize(
    "lookup",
    [
        "message__icontains",
        "first_name__startswith",
        "email__contains",
        "phone__contains",
        "handle",
        "notes__text__icontains",
        "orientations__summary__icontains",
    ],
)
def test_content_cannot_be_probed_through_url_filters(client, data, lookup):
    client.force_login(data["caf_staff"])

    response = client.get(changelist(type(data["request_24"])), {lookup: "je"})

    assert response.status_code == 400


def test_orientation_summary_cannot_be_probed_through_url_filters(client, data):
    client.force_login(data["caf_staff"])

    response = client.get(changelist(type(data["orientation"])), {"summary__icontains": "confidentiel"})

    assert response.status_code == 400


def test_requests_cannot_be_added_changed_or_deleted(client, data):
    client.force_login(data["superuser"])
    request_24 = data["request_24"]
    opts = request_24._meta

    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    delete = client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[request_24.pk]))
    post = client.post(change(request_24), {"status": RequestStatus.SPAM, "commune": "Ailleurs"})

    assert add.status_code == 403
    assert delete.status_code == 403
    assert post.status_code == 403
    request_24.refresh_from_db()
    assert request_24.status == RequestStatus.CLAIMED and request_24.commune == "Périgueux"
    listing = client.get(changelist(type(request_24))).content.decode()
    assert "delete_selected" not in listing
    assert "Ajouter demande de contact" not in listing


def test_coordinator_sees_only_their_departments_requests(client, data):
    client.force_login(data["coordinator_24"])
    model = type(data["request_24"])

    listing = client.get(changelist(model))
    own = client.get(change(data["request_24"]))
    other = client.get(change(data["request_33"]))

    assert listing.status_code == 200
    assert data["request_24"].reference in listing.content.decode()
    assert data["request_33"].reference not in listing.content.decode()
    assert own.status_code == 200
    assert_no_secret(own)
    assert other.status_code == 302  # "does not exist": the admin's own answer
    assert data["request_33"].reference not in client.get(other["Location"]).content.decode()


@pytest.mark.parametrize("role", ["promeneur", "referent"])
def test_promeneur_and_referent_have_no_admin_access(client, data, role):
    if role == "promeneur":
        user = PromeneurFactory().user
    else:
        user = StructureMembershipFactory().user
    client.force_login(user)

    response = client.get(changelist(type(data["request_24"])))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_moderator_does_not_see_referrals(client, data):
    client.force_login(UserFactory(moderator=True))

    assert client.get(changelist(type(data["request_24"]))).status_code == 403
    assert client.get(changelist(type(data["orientation"]))).status_code == 403
    assert client.get(changelist(AccessLog)).status_code == 403
    assert client.get(changelist(Notification)).status_code == 403


def test_changelist_query_count_does_not_depend_on_rows(client, data, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(data["caf_staff"])
    url = changelist(type(data["request_24"]))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    ContactRequestFactory.create_batch(30, structure=data["request_24"].structure, assigned=True)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# --- Orientations, access log, outbox ---------------------------------------------------------


def test_orientation_admin_shows_metadata_without_summary(client, data):
    client.force_login(data["caf_staff"])
    orientation = data["orientation"]

    listing = client.get(changelist(type(orientation)))
    page = client.get(change(orientation))

    assert listing.status_code == page.status_code == 200
    assert orientation.request.reference in listing.content.decode()
    assert orientation.to_structure.name in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert_no_secret(listing)
    assert_no_secret(page)


def test_coordinator_sees_orientations_touching_their_departments(client, data):
    dordogne = data["request_24"].department
    gironde = data["request_33"].department
    elsewhere = OrientationFactory(
        request=data["request_33"],
        from_structure=data["request_33"].structure,
        to_structure=StructureFactory(department=gironde),
        created_by=PromeneurFactory().user,
    )
    assert data["orientation"].from_structure.department == dordogne
    client.force_login(data["coordinator_24"])

    listing = client.get(changelist(type(elsewhere))).content.decode()

    assert data["orientation"].request.reference in listing
    assert elsewhere.request.reference not in listing
    assert client.get(change(elsewhere)).status_code == 302


def test_access_log_admin_is_read_only_for_caf_staff(client, data):
    log = AccessLog.objects.get()
    client.force_login(data["caf_staff"])

    listing = client.get(changelist(AccessLog))
    page = client.get(change(log))

    assert listing.status_code == page.status_code == 200
    assert log.reference in listing.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:referrals_accesslog_add")).status_code == 403
    assert_no_secret(listing)
    client.force_login(data["coordinator_24"])
    assert client.get(changelist(AccessLog)).status_code == 403


def test_notification_admin_lists_the_outbox_read_only(client, data):
    notification = Notification.objects.get()
    client.force_login(data["caf_staff"])

    listing = client.get(changelist(Notification), {"status__exact": "pending", "kind__exact": "request_new"})
    page = client.get(change(notification))

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert page.status_code == 200
    assert data["request_24"].reference in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert_no_secret(listing)
    assert_no_secret(page)
    client.force_login(data["coordinator_24"])
    assert client.get(changelist(Notification)).status_code == 403
