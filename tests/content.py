"""Reading what is stored, in tests: the content gate (referrals.content) opened for an assertion."""

from contextlib import contextmanager

from referrals.content import _open_gate
from referrals.models import ContactRequest, RequestNote


@contextmanager
def gate_opened():
    with _open_gate():
        yield


def stored_request(request=None, **lookups):
    """The request as stored, content loaded (for assertions on what was kept or erased)."""
    if request is not None:
        lookups = {"pk": request.pk}
    with _open_gate():
        return ContactRequest.objects.defer(None).get(**lookups)


def stored_notes(**lookups):
    with _open_gate():
        return list(RequestNote.objects.defer(None).filter(**lookups))
