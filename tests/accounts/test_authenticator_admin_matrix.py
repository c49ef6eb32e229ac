"""The second factors' admin pages against every role: national staff only, and never a secret."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.security.helpers import SECRET, give_totp
from tests.structures.factories import CoordinationFactory, PromeneurFactory, StructureMembershipFactory

pytestmark = pytest.mark.django_db

# {role: status} for the list and the change page of an authenticator.
EXPECTED = {
    "anonyme": 302,  # the admin's login page
    "promeneur": 302,
    "référent": 302,
    "coordination": 403,
    "modération": 403,
    "CAF": 200,
    "superutilisateur": 200,
}


def make(role):
    if role == "anonyme":
        return None
    if role == "promeneur":
        return PromeneurFactory().user
    if role == "référent":
        return StructureMembershipFactory().user
    if role == "coordination":
        return CoordinationFactory().user
    if role == "modération":
        return UserFactory(is_moderator=True)
    if role == "CAF":
        return UserFactory(caf_staff=True)
    return UserFactory(caf_staff=True, is_superuser=True)


@pytest.mark.parametrize(("role", "expected"), EXPECTED.items())
def test_authenticator_admin_by_role(client, role, expected):
    authenticator = give_totp(PromeneurFactory().user)
    user = make(role)
    if user is not None:
        client.force_login(user)
    for url in (
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
    ):
        response = client.get(url)
        assert response.status_code == expected, (role, url)
        assert SECRET not in response.content.decode()
