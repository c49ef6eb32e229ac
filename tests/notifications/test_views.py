"""The dashboard's notifications: the list of one's own, and the e-mail preferences."""

import pytest
from django.urls import reverse

from notifications.enums import NotificationFrequency, NotificationKind
from notifications.models import Notification, NotificationPreference
from tests.accounts.factories import UserFactory

from .conftest import assert_no_secret

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

LIST_URL = "/tableau-de-bord/notifications/"
PREFERENCES_URL = "/tableau-de-bord/notifications/preferences/"


def notify(user, contact_request, kind=NotificationKind.REQUEST_NEW, **context):
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        context={"request_id": contact_request.pk, "reference": contact_request.reference, **context},
    )


def test_the_urls():
    assert reverse("notifications:notification_list") == LIST_URL
    assert reverse("notifications:preferences") == PREFERENCES_URL


@pytest.mark.parametrize("url", [LIST_URL, PREFERENCES_URL])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role", ["promeneur", "colleague", "referent", "coordinator", "no_role", "caf_staff"]
)
def test_each_user_sees_their_own_notifications_only(client, world, make_request, role):
    users = {
        "promeneur": world["promeneur"].user,
        "colleague": world["colleague"].user,
        "referent": world["referent"],
        "coordinator": world["coordinator"],
        "no_role": UserFactory(),
        "caf_staff": UserFactory(caf_staff=True),
    }
    contact_request = make_request()
    mine = {name: notify(user, make_request()) for name, user in users.items()}
    # A notice to the young person is nobody's in the dashboard.
    Notification.objects.create(
        recipient_request=contact_request,
        kind=NotificationKind.REQUEST_CLAIMED,
        context={"reference": "PDN-JEUN-EXXX"},
    )
    client.force_login(users[role])

    response = client.get(LIST_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert mine[role].context["reference"] in page
    for name, notification in mine.items():
        if name != role:
            assert notification.context["reference"] not in page
    assert "PDN-JEUN-EXXX" not in page
    assert_no_secret(page)


def test_the_list_links_each_notification_to_its_page(client, world, make_request):
    user = world["promeneur"].user
    contact_request = make_request()
    notify(user, contact_request, kind=NotificationKind.REQUEST_REMINDER, hours=48)
    client.force_login(user)

    page = client.get(LIST_URL).content.decode()

    assert (
        f'<a href="/tableau-de-bord/demandes/{contact_request.uuid}/">Demande {contact_request.reference} en attente depuis 48 h</a>'
        in page
    )
    assert "Envoyée par e-mail" not in page and "E-mail en cours d’envoi" in page


@pytest.mark.parametrize("count", [2, 25])
def test_the_list_costs_the_same_queries_for_few_or_many_rows(
    client, world, make_request, count, django_assert_num_queries
):
    user = world["promeneur"].user
    contact_request = make_request()
    for n in range(count):
        notify(
            user,
            contact_request,
            kind=NotificationKind.REQUEST_NEW if n % 2 else NotificationKind.COMMENT_PENDING,
        )
    client.force_login(user)
    client.get(LIST_URL)  # the session and the user, once

    # session, user, the request's savepoint and its release, count, page, request uuids, and the
    # navigation: promeneur profile, memberships, coordinations
    with django_assert_num_queries(10):
        assert client.get(LIST_URL).status_code == 200


def test_preferences_are_saved(client, world):
    user = world["coordinator"]
    client.force_login(user)
    page = client.get(PREFERENCES_URL).content.decode()
    assert 'value="immediately"' in page and "checked" in page
    assert "Demande sans prise en charge depuis 96 h" in page  # what goes out whatever the choice

    response = client.post(PREFERENCES_URL, {"frequency": NotificationFrequency.DAILY_DIGEST})

    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user).frequency == NotificationFrequency.DAILY_DIGEST
    page = client.get(PREFERENCES_URL).content.decode()
    assert "Préférence enregistrée : un récapitulatif par jour (le matin)." in page


@pytest.mark.parametrize("value", ["", "chaque-heure", "\x00", "<script>alert(1)</script>", "é" * 5000])
def test_a_bad_choice_gets_a_french_error_and_changes_nothing(client, world, value):
    user = world["coordinator"]
    NotificationPreference.objects.create(user=user, frequency=NotificationFrequency.OFF)
    client.force_login(user)

    response = client.post(PREFERENCES_URL, {"frequency": value})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choisissez l’une des trois possibilités." in page
    assert 'role="alert"' in page
    assert "<script>alert(1)</script>" not in page
    assert NotificationPreference.objects.get(user=user).frequency == NotificationFrequency.OFF
