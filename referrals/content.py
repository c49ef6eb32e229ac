"""The content gate: the one way to read what a young person wrote (design §3.1, §3.3, §3.8).

A request's content — first name or pseudonym, handle, e-mail, phone, message — and the private
notes about it are never loaded by ordinary code: the request model's managers defer those fields,
loading one of them on an instance or asking a queryset for it (`only`, `values`, `values_list`)
raises `ContentGateClosed`, and a consistency test checks that no SQL outside this module selects
them. Two functions open the gate, for a moment, and only here:

- `contact_request_read_content(request=…, user=…)`: for a person. It asks the access policy
  (`accounts.access.may_read_content`: the assignee only), loads the fields and the notes, writes
  the access log (who, when, which reference — never the content) and returns them;
- `conversation_read(request=…, user=…)`: the "Réponds-moi ici" conversation alone, for the
  assignee's live view of it: same policy, same log line;
- `conversation_read_for_young_person(request=…)`: the conversation for its young person, on the
  follow-up page (the signed link is their key): their own exchange, nobody else's eyes, hence no
  access log line;
- `contact_request_reply_address(request_id=…)`: for the outbox, which writes to the young person
  at the address they gave (the "prise en charge" e-mail). It returns that address only, read when
  sending, and nobody sees it: no access log line (there is no reader to log).
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

CONTENT_FIELDS = ("first_name", "handle", "email", "phone", "message")
# Relations whose rows are content too (the assignee's private notes, the conversation).
CONTENT_RELATIONS = ("notes", "thread_messages")

_gate_open = contextvars.ContextVar("referrals_content_gate_open", default=False)


class ContentGateClosed(RuntimeError):
    """Code outside the content gate asked for a request's content."""


def gate_is_open():
    return _gate_open.get()


@contextmanager
def _open_gate():
    token = _gate_open.set(True)
    try:
        yield
    finally:
        _gate_open.reset(token)


def refuse_content(names, content_names=()):
    """Raise unless the gate is open, when `names` (field names or lookups) reach content.

    `content_names`: the content fields of the model asked, when it is not the request itself
    (a conversation message's `text`)."""
    if gate_is_open():
        return
    for name in names:
        if not isinstance(name, str):
            continue
        first = name.split("__")[0]
        if first in CONTENT_FIELDS or first in CONTENT_RELATIONS or first in content_names:
            raise ContentGateClosed(
                f"« {name} » est un contenu de demande : il se lit par referrals.content seulement."
            )


@dataclass(frozen=True)
class RequestContent:
    first_name: str
    handle: str
    email: str
    phone: str
    message: str
    notes: list = field(default_factory=list)
    thread: list = field(default_factory=list)


def _thread(request_id):
    """The conversation's messages, text loaded (call with the gate open)."""
    from .models import ConversationMessage

    return list(
        ConversationMessage.objects.filter(request_id=request_id)
        .defer(None)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def contact_request_read_content(*, request, user, with_notes=True) -> RequestContent:
    """Check the policy, load the content, the notes and the conversation, log the access once,
    return the content."""
    from accounts.access import may_read_content

    from .models import ContactRequest, RequestNote
    from .services import access_log_record

    if not may_read_content(user, request):
        raise PermissionDenied
    with _open_gate():
        values = (
            ContactRequest.objects.filter(pk=request.pk, erased_at__isnull=True)
            .values_list(*CONTENT_FIELDS)
            .first()
        )
        if values is None:
            raise PermissionDenied
        notes = (
            list(
                RequestNote.objects.filter(request_id=request.pk)
                .defer(None)
                .select_related("author")
                .order_by("created_at", "pk")
            )
            if with_notes
            else []
        )
        thread = _thread(request.pk) if request.has_conversation else []
    access_log_record(user=user, request=request)
    return RequestContent(*values, notes=notes, thread=thread)


def conversation_read(*, request, user) -> list:
    """The conversation, for its assignee: checked by the policy and logged like any other read."""
    from accounts.access import may_read_content

    from .services import access_log_record

    if not may_read_content(user, request) or not request.has_conversation:
        raise PermissionDenied
    with _open_gate():
        thread = _thread(request.pk)
    access_log_record(user=user, request=request)
    return thread


def conversation_read_for_young_person(*, request) -> list:
    """The conversation, for the holder of the request's follow-up link (nothing once erased)."""
    if not request.has_conversation or request.erased_at is not None:
        return []
    with _open_gate():
        return _thread(request.pk)


def contact_request_reply_address(*, request_id):
    """(e-mail, erased_at, status) of a request, for the e-mail to its young person; None if gone."""
    from .models import ContactRequest

    with _open_gate():
        return (
            ContactRequest.objects.filter(pk=request_id).values_list("email", "erased_at", "status").first()
        )


def contact_request_has_reply_address(*, request_id) -> bool:
    """Whether the young person left an e-mail address to be told that their request is taken."""
    found = contact_request_reply_address(request_id=request_id)
    return bool(found and found[0])


def related_content(path="request"):
    """Lookups to defer when a request is reached through `select_related(path)` from another model
    (select_related does not go through the request's manager)."""
    return [f"{path}__{name}" for name in CONTENT_FIELDS]
