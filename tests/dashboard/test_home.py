"""The dashboard home shows each role what waits, with counts from SQL and a constant query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.enums import RequestStatus
from structures.models import Absence
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory, OrientationFactory
from tests.structures.factories import (
    ConventionFactory,
    CoordinationFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")


def queries_for(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured), response


def old(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def test_promeneur_sees_their_counts_and_profile_gaps(client):
    promeneur = PromeneurFactory()
    ContactRequestFactory(structure=promeneur.structure, assignee=promeneur, is_urgent=True)
    ContactRequestFactory(structure=promeneur.structure, assignee=promeneur)
    ContactRequestFactory.create_batch(3, structure=promeneur.structure)
    ContactRequestFactory(structure=StructureFactory())  # another structure's pool: not counted
    OrientationFactory(to_structure=promeneur.structure)

    _, response = queries_for(client, promeneur.user)

    context = response.context
    assert context["counts"]["mine_new"] == 2
    assert context["counts"]["mine_urgent"] == 1
    assert context["counts"]["pool"] == 3
    assert context["orientations_waiting"] == 1
    assert context["gaps"] == ["pas de photo", "aucun compte sur un réseau", "aucun horaire en ligne"]
    html = response.content.decode()
    assert "Votre profil public est incomplet" in html
    assert SECRET_MESSAGE not in html


def test_promeneur_home_query_count_does_not_grow(client):
    promeneur = PromeneurFactory()
    ContactRequestFactory(structure=promeneur.structure, assignee=promeneur)
    few, _ = queries_for(client, promeneur.user)
    ContactRequestFactory.create_batch(15, structure=promeneur.structure, assignee=promeneur)
    ContactRequestFactory.create_batch(15, structure=promeneur.structure)
    NetworkAccountFactory.create_batch(3, promeneur=promeneur)
    PresenceSlotFactory(promeneur=promeneur)
    many, _ = queries_for(client, promeneur.user)
    assert few == many


def build_team(structure, n):
    for _ in range(n):
        member = PromeneurFactory(structure=structure)
        ContactRequestFactory(structure=structure, assignee=member, status=RequestStatus.NEW)


def test_referent_sees_the_team_absences_completeness_and_requests_to_reassign(client):
    structure = StructureFactory(name="MJC des Essais")
    referent = StructureMembershipFactory(structure=structure).user
    away = PromeneurFactory(structure=structure, first_name="Absente")
    today = timezone.localdate()
    Absence.objects.create(promeneur=away, starts_on=today, ends_on=today + datetime.timedelta(days=5))
    held = ContactRequestFactory(structure=structure, assignee=away, status=RequestStatus.CLAIMED)
    complete = PromeneurFactory(structure=structure, first_name="Complet", photo="promeneurs/x.jpg")
    NetworkAccountFactory(promeneur=complete)
    PresenceSlotFactory(promeneur=complete)

    _, response = queries_for(client, referent)

    (board,) = response.context["structures"]
    team = {member.first_name: member for member in board.team}
    assert team["Absente"].n_open == 1
    assert team["Absente"].absent_until == today + datetime.timedelta(days=5)
    assert team["Absente"].gaps == ["pas de photo", "aucun compte sur un réseau", "aucun horaire en ligne"]
    assert team["Complet"].gaps == []
    assert [r.reference for r in board.to_reassign] == [held.reference]
    html = response.content.decode()
    assert f"Réattribuer la demande {held.reference}" in html
    assert reverse("dashboard:profile_history", args=[away.slug]) in html
    assert SECRET_MESSAGE not in html


def test_referent_home_query_count_does_not_grow(client):
    structure = StructureFactory()
    referent = StructureMembershipFactory(structure=structure).user
    build_team(structure, 1)
    few, _ = queries_for(client, referent)
    build_team(structure, 8)
    second = StructureFactory()
    StructureMembershipFactory(structure=second, user=referent)
    build_team(second, 4)
    many, _ = queries_for(client, referent)
    assert few == many


def network(department):
    """A structure nobody can answer for, a promeneur due for renewal, an ending convention,
    an old request and an incomplete profile."""
    lonely = StructureFactory(name="Structure sans personne", department=department)
    PromeneurFactory(structure=lonely, suspended=True)
    structure = StructureFactory(department=department)
    due = PromeneurFactory(
        structure=structure, labelled_on=timezone.localdate() - datetime.timedelta(days=3 * 365)
    )
    ConventionFactory(
        structure=structure,
        ends_on=timezone.localdate() + datetime.timedelta(days=20),
        year=timezone.localdate().year,
    )
    late = ContactRequestFactory(structure=structure, created_at=old(72))
    ContactRequestFactory(structure=structure, created_at=old(2))  # recent: not on the board
    return lonely, due, late


def test_coordinator_sees_the_health_of_their_departments_only(client):
    coordination = CoordinationFactory(department__code="24")
    lonely, due, late = network(coordination.department)
    network(CoordinationFactory(department__code="33").department)  # the Gironde's: not shown

    _, response = queries_for(client, coordination.user)

    health = response.context["health"]
    assert [s.pk for s in health["unreachable"]["rows"]] == [lonely.pk]
    assert due.pk in [p.pk for p in health["due"]["rows"]]
    assert health["due"]["rows"][0].label_due
    assert health["conventions"]["count"] == 1
    assert [r.reference for r in health["waiting"]["rows"]] == [late.reference]
    assert health["incomplete"]["count"] == 1  # `due` has no photo, network nor slot
    html = response.content.decode()
    assert reverse("admin:structures_structure_change", args=[lonely.pk]) in html
    assert reverse("admin:structures_promeneur_change", args=[due.pk]) in html
    assert late.get_absolute_url() in html
    assert SECRET_MESSAGE not in html


def test_coordinator_home_query_count_does_not_grow(client):
    coordination = CoordinationFactory(department__code="24")
    network(coordination.department)
    few, _ = queries_for(client, coordination.user)
    for _ in range(5):
        network(coordination.department)
    many, _ = queries_for(client, coordination.user)
    assert few == many


def test_moderator_sees_waiting_comments_oldest_first(client):
    moderator = UserFactory(moderator=True)
    newer = CommentFactory(pending=True, created_at=old(1))
    older = CommentFactory(pending=True, created_at=old(30))
    CommentFactory()  # approved: not waiting
    few, response = queries_for(client, moderator)
    assert response.context["moderation"]["count"] == 2
    assert [c.pk for c in response.context["moderation"]["rows"]] == [older.pk, newer.pk]
    CommentFactory.create_batch(12, pending=True)
    many, response = queries_for(client, moderator)
    assert response.context["moderation"]["count"] == 14
    assert few == many


def test_a_user_without_role_gets_a_plain_home(client):
    _, response = queries_for(client, UserFactory())
    assert "Aucun rôle ne vous est encore attribué" in response.content.decode()
