"""Pre-aggregated statistics: the same figures as from the requests, exact to the last refresh,
maintained incrementally by the periodic work, in a number of queries that does not grow."""

import dataclasses
import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from promeneurs.typography import french_datetime
from referrals.enums import AgeBracket, Channel, Helpfulness, Outcome, RequestStatus
from referrals.models import ContactRequest
from stats import aggregates
from stats.enums import Dimension
from stats.models import MonthlyFigure
from stats.queries import FIGURES, Scope
from stats.tasks import refresh_statistics
from tests.accounts.factories import UserFactory
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)

URL = "/tableau-de-bord/statistiques/"
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def at(month, day=10, hour=12):
    return timezone.make_aware(datetime.datetime(2025, month, day, hour))


@pytest.fixture
def departments():
    return DepartmentFactory(code="24"), DepartmentFactory(code="33")


@pytest.fixture
def requests(departments):
    dordogne, gironde = departments
    themes = [ThemeFactory(slug=f"agg-{i}", name=f"Thème agrégé {i}") for i in range(3)]
    made = []
    for i in range(40):
        structure = StructureFactory(department=dordogne if i % 3 else gironde)
        request = ContactRequestFactory(
            structure=structure,
            created_at=at(1 + i % 5, day=1 + i % 27, hour=i % 24),
            age_bracket=[AgeBracket.AGE_18_21, AgeBracket.AGE_15_17][i % 2],
            channel=[Channel.SMS, Channel.EMAIL][i % 3 == 0],
            themes=themes[: 1 + i % 3],
        )
        if i % 4:
            request.assignee = PromeneurFactory(structure=structure)
            request.status, request.outcome = RequestStatus.CLOSED, Outcome.RESOLVED_ONLINE
            request.helpfulness = [Helpfulness.YES, Helpfulness.A_LITTLE, Helpfulness.NO, ""][i % 5 % 4]
            request.claimed_at = request.created_at + datetime.timedelta(hours=i % 7 + 1)
            request.save()
        made.append(request)
    return made


def all_rows(scope):
    return {slug: function(scope, 2025).rows for slug, function in FIGURES.items()}


@pytest.mark.parametrize("scope_kind", ["national", "departement", "exact"])
def test_aggregated_figures_equal_the_figures_from_the_requests(requests, departments, scope_kind):
    scope = {
        "national": Scope(),
        "departement": Scope(department_ids=frozenset({departments[0].pk})),
        "exact": Scope(department_ids=frozenset({departments[0].pk}), exact=True),
    }[scope_kind]
    from_requests = all_rows(scope)
    aggregates.refresh()
    aggregated = all_rows(dataclasses.replace(scope, refreshed_at=aggregates.last_refresh()))
    assert MonthlyFigure.objects.exists()
    assert aggregated == from_requests


def test_figures_are_exact_to_the_last_refresh_and_refreshed_incrementally(requests):
    aggregates.refresh()
    scope = Scope(exact=True, refreshed_at=aggregates.last_refresh())
    before = dict(FIGURES["demandes-par-mois"](scope, 2025).rows)
    ContactRequestFactory(structure=requests[1].structure, created_at=at(11))
    # Until the periodic work runs, the page shows the figures of the last refresh.
    assert dict(FIGURES["demandes-par-mois"](scope, 2025).rows) == before
    assert aggregates.refresh() == 1  # only November is recomputed
    scope = dataclasses.replace(scope, refreshed_at=aggregates.last_refresh())
    assert dict(FIGURES["demandes-par-mois"](scope, 2025).rows)["novembre"] == [1]


def test_a_changed_and_a_deleted_request_are_caught(requests):
    aggregates.refresh()
    requests[0].age_bracket = AgeBracket.AGE_22_25
    requests[0].save()
    requests[1].delete()
    aggregates.refresh()
    scope = Scope(exact=True, refreshed_at=aggregates.last_refresh())
    assert all_rows(scope) == all_rows(Scope(exact=True))


def test_statistics_page_says_when_figures_were_refreshed(client, requests):
    client.force_login(UserFactory(caf_staff=True))
    assert "calculés à partir des demandes" in client.get(URL, {"annee": 2025}).content.decode()
    refresh_statistics.apply(kwargs={"full": True})
    content = client.get(URL, {"annee": 2025}).content.decode()
    # Written as times are everywhere else (« 1er décembre 2026 à 14 h 05 »).
    assert f"Chiffres arrêtés le {french_datetime(aggregates.last_refresh())} :" in content


def test_the_refresh_is_periodic_work():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "stats.tasks.refresh_statistics" in tasks


@pytest.mark.parametrize("role", ["national", "coordinator"])
def test_aggregated_page_query_count_does_not_grow(client, django_assert_num_queries, departments, role):
    dordogne = departments[0]
    structure = StructureFactory(department=dordogne)
    ContactRequestFactory(structure=structure, created_at=at(3))
    user = (
        UserFactory(caf_staff=True) if role == "national" else CoordinationFactory(department=dordogne).user
    )
    client.force_login(user)
    aggregates.refresh()
    client.get(URL, {"annee": 2025})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"annee": 2025})
    # pinned: a new query shows here (national: eight for every département's counts, privacy.py rule 3)
    assert len(few) == {"national": 27, "coordinator": 20}[role]
    for month in range(1, 13):
        for _ in range(3):
            ContactRequestFactory(structure=StructureFactory(department=dordogne), created_at=at(month))
    aggregates.refresh()
    with django_assert_num_queries(len(few)):
        client.get(URL, {"annee": 2025})


def test_national_figures_read_the_national_roll_up(requests):
    aggregates.refresh()
    # The sums (the suppression, for CAF staff, also reads the départements' rows: privacy.py).
    scope = Scope(exact=True, refreshed_at=aggregates.last_refresh())
    national = all_rows(scope)
    rolled_up = MonthlyFigure.objects.filter(department__isnull=True)
    assert set(rolled_up.values_list("dimension", flat=True)) >= {Dimension.TOTAL, Dimension.CLAIM_HOURS}
    # Each national row is the sum of the départements' rows.
    for row in rolled_up:
        per_department = MonthlyFigure.objects.filter(
            department__isnull=False, month=row.month, dimension=row.dimension, value=row.value
        )
        assert sum(per_department.values_list("count", flat=True)) == row.count
    # The national sums need nothing else: without the départements' rows, they are the same.
    MonthlyFigure.objects.filter(department__isnull=False).delete()
    assert all_rows(scope) == national


def test_helpfulness_is_read_from_the_monthly_figures(requests):
    aggregates.refresh()
    scope = Scope(exact=True, refreshed_at=aggregates.last_refresh())
    before = FIGURES["ca-a-aide"](scope, 2025).rows
    assert dict(before)["Oui"] != [0]
    # Answers recorded without the periodic work knowing (no updated_at): the page keeps the figures
    # of the last refresh, as every other figure does.
    ContactRequest.objects.update(helpfulness=Helpfulness.NO)
    assert FIGURES["ca-a-aide"](scope, 2025).rows == before
    aggregates.refresh(full=True)
    assert dict(FIGURES["ca-a-aide"](scope, 2025).rows)["Oui"] == [0]


def test_orientations_are_pre_aggregated_and_an_answer_is_caught(requests, departments):
    from referrals.enums import OrientationStatus
    from referrals.models import Orientation
    from tests.referrals.factories import OrientationFactory

    dordogne, gironde = departments
    for i, request in enumerate([r for r in requests if r.assignee_id][:7]):
        OrientationFactory(
            request=request,
            from_structure=request.structure,
            to_structure=StructureFactory(department=gironde if i % 2 else dordogne),
            created_at=at(2 + i % 3),
        )
    scopes = [Scope(exact=True), Scope(department_ids=frozenset({dordogne.pk}), exact=True)]
    aggregates.refresh()
    for scope in scopes:
        aggregated = dataclasses.replace(scope, refreshed_at=aggregates.last_refresh())
        assert FIGURES["orientations"](aggregated, 2025).rows == FIGURES["orientations"](scope, 2025).rows
    # An answer changes no request: the refresh still sees it.
    Orientation.objects.filter(pk=Orientation.objects.order_by("pk").first().pk).update(
        status=OrientationStatus.ACCEPTED
    )
    aggregates.refresh()
    national = Scope(exact=True, refreshed_at=aggregates.last_refresh())
    assert (
        FIGURES["orientations"](national, 2025).rows == FIGURES["orientations"](Scope(exact=True), 2025).rows
    )
    assert dict(FIGURES["orientations"](national, 2025).rows)["Reçues et acceptées"] == [1]
