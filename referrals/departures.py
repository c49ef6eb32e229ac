"""A promeneur leaves (`structures.services.promeneur_deactivate`): their open requests go back to
their structure's pool, so that the structure's other promeneurs can take them in charge again."""

from django.dispatch import receiver

from structures.signals import promeneur_leaving

from .enums import OPEN_STATUSES, RequestStatus
from .models import ContactRequest, RequestStatusChange

RETURNED_NOTE = "Promeneur·se parti·e : demande remise à sa structure"


@receiver(promeneur_leaving, dispatch_uid="referrals.requests_return_to_pool")
def requests_return_to_pool(sender, *, promeneur, by, **kwargs) -> int:
    """Status "new", no assignee, one history row each; returns how many went back.

    Claimed requests take the ordinary "released" transition. Requests already in contact, met
    or oriented have no way back in the status table: they are reset here, logged the same way.
    Orientations keep their own life (the request, not the promeneur, is oriented).
    """
    requests = ContactRequest.objects.select_for_update().filter(assignee=promeneur, status__in=OPEN_STATUSES)
    returned = 0
    for request in requests:
        if request.status == RequestStatus.CLAIMED:
            request.transition_to(RequestStatus.NEW, by=by, note=RETURNED_NOTE)
        else:
            previous = request.status
            request.status = RequestStatus.NEW
            request.assignee = None
            request.claimed_at = None
            request.save(update_fields=["status", "assignee", "claimed_at", "updated_at"])
            RequestStatusChange.objects.create(
                request=request, from_status=previous, to_status=RequestStatus.NEW, by=by, note=RETURNED_NOTE
            )
        returned += 1
    return returned
