"""The workflows of contact requests: transitions, claim (also concurrent, on PostgreSQL), notes,
reassignment, dispatch and the access log."""

import itertools
import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from referrals.enums import Outcome, RequestStatus
from referrals.models import ASSIGNED_STATUSES, TRANSITIONS, AccessLog, ContactRequest, RequestStatusChange
from referrals.services import (
    ClaimError,
    access_log_record,
    contact_request_add_note,
    contact_request_change_status,
    contact_request_claim,
    contact_request_dispatch,
    contact_request_reassign,
)
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"

ALL_PAIRS = list(itertools.product(RequestStatus, repeat=2))


def request_in(status):
    """A request in `status`, consistent with the database constraints.

    A new one is addressed to a promeneur (assigned, not yet taken in charge), so that the move to
    "claimed" meets the constraint that a request in progress has an assignee.
    """
    extra = {}
    if status in ASSIGNED_STATUSES or status == RequestStatus.NEW:
        extra["assigned"] = True
    if status == RequestStatus.CLOSED:
        extra.update(assigned=True, outcome=Outcome.RESOLVED_ONLINE)
    return ContactRequestFactory(status=status, **extra)


# --- Transitions -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused_as_the_table_says(source, target):
    contact_request = request_in(source)
    user = PromeneurFactory(structure=contact_request.structure).user
    history_before = RequestStatusChange.objects.count()

    if target in TRANSITIONS[source]:
        contact_request.transition_to(target, by=user, outcome=Outcome.NO_ANSWER)
        contact_request.refresh_from_db()
        assert contact_request.status == target
        change = RequestStatusChange.objects.get(request=contact_request)
        assert (change.from_status, change.to_status, change.by) == (source, target, user)
    else:
        with pytest.raises(ValidationError, match="Passage impossible"):
            contact_request.transition_to(target, by=user, outcome=Outcome.NO_ANSWER)
        contact_request.refresh_from_db()
        assert contact_request.status == source
        assert RequestStatusChange.objects.count() == history_before


def test_the_transition_table_covers_every_status():
    assert set(TRANSITIONS) == set(RequestStatus)
    assert TRANSITIONS[RequestStatus.CLOSED] == set()


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["", "n-importe-quoi"])
def test_closing_without_an_outcome_is_refused(outcome):
    contact_request = ContactRequestFactory(claimed=True)

    with pytest.raises(ValidationError, match="Indiquez l’issue"):
        contact_request_change_status(
            request=contact_request,
            status=RequestStatus.CLOSED,
            by=contact_request.assignee.user,
            outcome=outcome,
        )

    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.CLAIMED
    assert contact_request.closed_at is None
    assert not contact_request.history.exists()


@pytest.mark.django_db
def test_each_change_is_recorded_with_who_and_when():
    contact_request = ContactRequestFactory(claimed=True)
    user = contact_request.assignee.user

    contact_request_change_status(request=contact_request, status=RequestStatus.IN_CONTACT, by=user)
    contact_request_change_status(request=contact_request, status=RequestStatus.MET, by=user)
    contact_request_change_status(
        request=contact_request, status=RequestStatus.CLOSED, by=user, outcome=Outcome.MET
    )

    history = list(contact_request.history.values_list("from_status", "to_status", "by"))
    assert history == [
        (RequestStatus.CLAIMED, RequestStatus.IN_CONTACT, user.pk),
        (RequestStatus.IN_CONTACT, RequestStatus.MET, user.pk),
        (RequestStatus.MET, RequestStatus.CLOSED, user.pk),
    ]
    contact_request.refresh_from_db()
    assert contact_request.outcome == Outcome.MET
    assert contact_request.closed_at is not None


@pytest.mark.django_db
def test_releasing_a_request_puts_it_back_in_the_pool():
    contact_request = ContactRequestFactory(claimed=True)

    contact_request_change_status(
        request=contact_request, status=RequestStatus.NEW, by=contact_request.assignee.user
    )

    assert ContactRequest.objects.pool_of(contact_request.structure_id).get() == contact_request


# --- Claim ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_promeneur_of_the_structure_claims_a_pool_request():
    contact_request = ContactRequestFactory()
    promeneur = PromeneurFactory(structure=contact_request.structure)

    contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)

    contact_request.refresh_from_db()
    assert contact_request.assignee == promeneur
    assert contact_request.status == RequestStatus.CLAIMED
    assert contact_request.claimed_at is not None
    change = contact_request.history.get()
    assert (change.from_status, change.to_status, change.by) == ("new", "claimed", promeneur.user)


@pytest.mark.django_db
def test_claim_by_a_promeneur_of_another_structure_is_refused():
    contact_request = ContactRequestFactory()
    outsider = PromeneurFactory()

    with pytest.raises(PermissionDenied):
        contact_request_claim(request=contact_request, promeneur=outsider, by=outsider.user)

    contact_request.refresh_from_db()
    assert contact_request.assignee is None
    assert contact_request.status == RequestStatus.NEW


@pytest.mark.django_db
def test_claim_of_a_department_pool_request_is_refused():
    contact_request = ContactRequestFactory(department_pool=True)
    promeneur = PromeneurFactory()

    with pytest.raises(PermissionDenied):
        contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)


@pytest.mark.django_db
def test_claim_by_a_promeneur_not_labelled_is_refused():
    contact_request = ContactRequestFactory()
    candidate = PromeneurFactory(structure=contact_request.structure, candidate=True)

    with pytest.raises(PermissionDenied):
        contact_request_claim(request=contact_request, promeneur=candidate, by=candidate.user)


@pytest.mark.django_db
def test_second_claim_gets_a_claim_error():
    contact_request = ContactRequestFactory()
    first = PromeneurFactory(structure=contact_request.structure)
    second = PromeneurFactory(structure=contact_request.structure)
    contact_request_claim(request=contact_request, promeneur=first, by=first.user)

    with pytest.raises(ClaimError, match="déjà été prise en charge"):
        contact_request_claim(request=contact_request, promeneur=second, by=second.user)

    contact_request.refresh_from_db()
    assert contact_request.assignee == first
    assert contact_request.history.filter(to_status=RequestStatus.CLAIMED).count() == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks (select_for_update) need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_the_request_to_exactly_one_promeneur():
    contact_request = ContactRequestFactory()
    promeneurs = [PromeneurFactory(structure=contact_request.structure) for _ in range(2)]
    barrier = threading.Barrier(len(promeneurs), timeout=30)
    results = {}

    def claim(promeneur):
        try:
            # Each thread has its own connection; both start claiming at the same moment.
            barrier.wait()
            contact_request_claim(request=contact_request, promeneur=promeneur, by=promeneur.user)
            results[promeneur.pk] = "claimed"
        except ClaimError:
            results[promeneur.pk] = "refused"
        except Exception as error:  # reported below, not lost in the thread
            results[promeneur.pk] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(p,)) for p in promeneurs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results.values()) == ["claimed", "refused"], results
    contact_request.refresh_from_db()
    winner = next(pk for pk, result in results.items() if result == "claimed")
    assert contact_request.assignee_id == winner
    assert contact_request.status == RequestStatus.CLAIMED
    assert contact_request.history.filter(to_status=RequestStatus.CLAIMED).count() == 1
    assert connection.vendor == "postgresql"


# --- Notes, reassignment, dispatch, access log -----------------------------------------------------


@pytest.mark.django_db
def test_a_blank_note_is_refused():
    contact_request = ContactRequestFactory(claimed=True)

    with pytest.raises(ValidationError):
        contact_request_add_note(request=contact_request, author=contact_request.assignee.user, text="  \n ")

    assert not contact_request.notes.exists()


@pytest.mark.django_db
def test_reassign_gives_the_request_to_another_promeneur_and_records_it():
    contact_request = ContactRequestFactory(claimed=True)
    colleague = PromeneurFactory(structure=contact_request.structure, first_name="Hugo")
    referent_user = StructureMembershipFactory(structure=contact_request.structure).user

    contact_request_reassign(request=contact_request, promeneur=colleague, by=referent_user, reason="Absence")

    contact_request.refresh_from_db()
    assert contact_request.assignee == colleague
    assert contact_request.status == RequestStatus.CLAIMED
    change = contact_request.history.get()
    assert change.by == referent_user
    assert "Hugo" in change.note


@pytest.mark.django_db
def test_reassign_to_a_promeneur_not_labelled_or_of_a_closed_request_is_refused():
    contact_request = ContactRequestFactory(claimed=True)
    referent = StructureMembershipFactory(structure=contact_request.structure).user
    suspended = PromeneurFactory(structure=contact_request.structure, suspended=True)
    with pytest.raises(ValidationError):
        contact_request_reassign(request=contact_request, promeneur=suspended, by=referent, reason="Absence")

    closed = request_in(RequestStatus.CLOSED)
    colleague = PromeneurFactory(structure=closed.structure)
    with pytest.raises(ValidationError):
        contact_request_reassign(
            request=closed,
            promeneur=colleague,
            by=StructureMembershipFactory(structure=closed.structure).user,
            reason="Absence",
        )


@pytest.mark.django_db
def test_reassign_stays_within_the_structure_and_needs_its_referent_or_coordinator():
    contact_request = ContactRequestFactory(claimed=True)
    colleague = PromeneurFactory(structure=contact_request.structure)
    elsewhere = PromeneurFactory()
    referent = StructureMembershipFactory(structure=contact_request.structure).user
    with pytest.raises(ValidationError):
        contact_request_reassign(request=contact_request, promeneur=elsewhere, by=referent, reason="Absence")
    for outsider in (
        StructureMembershipFactory().user,
        colleague.user,
        CoordinationFactory(department=DepartmentFactory(code="33")).user,
    ):
        with pytest.raises(PermissionDenied):
            contact_request_reassign(
                request=contact_request, promeneur=colleague, by=outsider, reason="Absence"
            )
    coordinator = CoordinationFactory(department=contact_request.department).user
    contact_request_reassign(request=contact_request, promeneur=colleague, by=coordinator, reason="Absence")
    contact_request.refresh_from_db()
    assert contact_request.assignee == colleague


@pytest.mark.django_db
def test_dispatch_sends_a_department_pool_request_to_a_structure_pool():
    department = DepartmentFactory(code="24")
    contact_request = ContactRequestFactory(department_pool=True, department=department)
    structure = StructureFactory(department=department)
    PromeneurFactory(structure=structure)
    coordinator = CoordinationFactory(department=department).user

    contact_request_dispatch(request=contact_request, by=coordinator, structure=structure)

    contact_request.refresh_from_db()
    assert contact_request.structure == structure
    assert contact_request.assignee is None
    assert ContactRequest.objects.pool_of(structure.pk).get() == contact_request
    assert not ContactRequest.objects.department_pool([department.pk]).exists()


@pytest.mark.django_db
def test_dispatch_to_a_promeneur_assigns_it():
    contact_request = ContactRequestFactory(department_pool=True)
    promeneur = PromeneurFactory()
    coordinator = CoordinationFactory(department=contact_request.department).user

    contact_request_dispatch(request=contact_request, by=coordinator, promeneur=promeneur)

    contact_request.refresh_from_db()
    assert (contact_request.assignee, contact_request.structure) == (promeneur, promeneur.structure)
    assert contact_request.can_read_content(promeneur.user)


@pytest.mark.django_db
def test_dispatch_of_a_request_already_taken_is_refused():
    contact_request = ContactRequestFactory(claimed=True)
    coordinator = CoordinationFactory(department=contact_request.department).user
    target = StructureFactory()
    PromeneurFactory(structure=target)

    with pytest.raises(ValidationError):
        contact_request_dispatch(request=contact_request, by=coordinator, structure=target)
    # A structure's own pool is not the département's either.
    with pytest.raises(ValidationError):
        contact_request_dispatch(request=ContactRequestFactory(), by=coordinator, structure=target)


@pytest.mark.django_db
def test_dispatch_needs_the_coordinator_of_the_department_and_a_structure_with_a_promeneur():
    contact_request = ContactRequestFactory(department_pool=True)
    empty = StructureFactory()
    staffed = StructureFactory()
    PromeneurFactory(structure=staffed)
    other_coordinator = CoordinationFactory(department=DepartmentFactory(code="33")).user
    with pytest.raises(PermissionDenied):
        contact_request_dispatch(request=contact_request, by=other_coordinator, structure=staffed)
    coordinator = CoordinationFactory(department=contact_request.department).user
    with pytest.raises(ValidationError):
        contact_request_dispatch(request=contact_request, by=coordinator, structure=empty)
    with pytest.raises(ValidationError):
        contact_request_dispatch(
            request=contact_request, by=coordinator, structure=staffed, promeneur=PromeneurFactory()
        )


@pytest.mark.django_db
def test_access_log_records_who_and_which_reference_never_the_content():
    contact_request = ContactRequestFactory(claimed=True)
    user = contact_request.assignee.user

    log = access_log_record(user=user, request=contact_request)

    stored = AccessLog.objects.filter(pk=log.pk).values().get()
    assert (stored["user_id"], stored["reference"], stored["structure_id"]) == (
        user.pk,
        contact_request.reference,
        contact_request.structure_id,
    )
    assert not any(
        SECRET_MESSAGE in str(value) or contact_request.email in str(value) for value in stored.values()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RequestStatus.CLAIMED, RequestStatus.WITHDRAWN])
def test_claiming_and_withdrawing_are_not_plain_status_changes(status):
    contact_request = (
        ContactRequestFactory(claimed=True) if status == RequestStatus.WITHDRAWN else ContactRequestFactory()
    )
    with pytest.raises(ValidationError):
        contact_request_change_status(
            request=contact_request, status=status, by=getattr(contact_request.assignee, "user", None)
        )
    contact_request.refresh_from_db()
    assert contact_request.message  # nothing erased, nothing changed


@pytest.mark.django_db
def test_only_the_assignee_changes_the_status_or_writes_a_note():
    contact_request = ContactRequestFactory(claimed=True)
    colleague = PromeneurFactory(structure=contact_request.structure)
    referent = StructureMembershipFactory(structure=contact_request.structure).user
    for user in (colleague.user, referent, None):
        with pytest.raises(PermissionDenied):
            contact_request_change_status(request=contact_request, status=RequestStatus.IN_CONTACT, by=user)
    for user in (colleague.user, referent):
        with pytest.raises(PermissionDenied):
            contact_request_add_note(request=contact_request, author=user, text="note")
    contact_request.refresh_from_db()
    assert contact_request.status == RequestStatus.CLAIMED and not contact_request.notes.exists()
