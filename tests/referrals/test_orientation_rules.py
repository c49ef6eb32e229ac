"""Rules of orientations enforced by the services themselves, whatever view calls them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from referrals import services
from referrals.enums import DeclineReason, OrientationStatus, Outcome, RequestStatus
from tests.referrals.factories import ContactRequestFactory, OrientationFactory
from tests.structures.factories import PromeneurFactory, StructureFactory, StructureMembershipFactory

pytestmark = pytest.mark.django_db


def test_withdrawal_erases_summaries_and_calls_off_pending_orientations():
    waiting = OrientationFactory(summary="Il a besoin d’un logement près de Périgueux")
    answered = OrientationFactory(request=waiting.request, status=OrientationStatus.ACCEPTED)
    services.contact_request_withdraw(request=waiting.request)
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert waiting.summary == "" and answered.summary == ""
    assert waiting.status == OrientationStatus.CANCELLED
    assert answered.status == OrientationStatus.ACCEPTED


def test_only_the_receiving_structure_answers():
    orientation = OrientationFactory()
    outsider = PromeneurFactory()
    with pytest.raises(PermissionDenied):
        services.orientation_answer(orientation=orientation, by=outsider.user, accept=True)
    with pytest.raises(PermissionDenied):
        services.orientation_answer(orientation=orientation, by=orientation.created_by, accept=True)
    referent = StructureMembershipFactory(structure=orientation.to_structure).user
    answered = services.orientation_answer(
        orientation=orientation, by=referent, accept=False, reason=DeclineReason.NO_CAPACITY
    )
    assert answered.status == OrientationStatus.DECLINED


def test_an_overdue_orientation_cannot_be_answered_even_before_the_sweep():
    orientation = OrientationFactory(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    receiver = PromeneurFactory(structure=orientation.to_structure)
    with pytest.raises(ValidationError, match="expiré"):
        services.orientation_answer(orientation=orientation, by=receiver.user, accept=True)


def _create(request, to_structure, **kwargs):
    return services.orientation_create(
        request=request,
        by=request.assignee.user,
        to_structure=to_structure,
        summary="Accompagnement vers l’emploi",
        young_person_agreed=True,
        data_protection_commitment=True,
        **kwargs,
    )


def test_an_erased_or_closed_request_cannot_be_oriented():
    request = ContactRequestFactory(claimed=True)
    target = StructureFactory()
    services.contact_request_change_status(
        request=request, status=RequestStatus.CLOSED, by=request.assignee.user, outcome=Outcome.MET
    )
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        _create(request, target)


def test_a_hidden_structure_or_the_own_structure_is_not_a_target():
    request = ContactRequestFactory(claimed=True)
    with pytest.raises(ValidationError):
        _create(request, StructureFactory(is_public=False))
    with pytest.raises(ValidationError):
        _create(request, request.structure)


def test_no_second_pending_orientation_to_the_same_structure():
    request = ContactRequestFactory(claimed=True)
    target = StructureFactory()
    _create(request, target)
    request.refresh_from_db()
    with pytest.raises(ValidationError, match="attend déjà"):
        _create(request, target)
