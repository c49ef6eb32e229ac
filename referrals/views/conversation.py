"""The live view of a "Réponds-moi ici" conversation, shared by its two pages.

The page polls its conversation's URL with the fingerprint of what it shows (`ETag`, sent back as
`If-None-Match`): while nothing changed the answer is `304 Not Modified`, computed from metadata
only (the number of messages, the last one, the request's state — `services.conversation_state`),
so no content is read and, on the dashboard, no access-log line is written. When something
changed, the messages are read through the content gate (logged for the professional) and sent as
the same HTML fragment the page includes.

These answers are for one person: `Cache-Control: private, no-store` and `Vary: Cookie` keep them
out of every shared cache (the proxy's, the portal's public-page cache never sees them: they are
not public pages).
"""

import hashlib
import re

from django.conf import settings
from django.http import HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

# How often an open page asks for new messages (the settings may say otherwise).
POLL_SECONDS = 10


def poll_seconds():
    return getattr(settings, "CONVERSATION_POLL_SECONDS", POLL_SECONDS)


ETAG_RE = re.compile(r'"(c-[0-9a-f]{24})')


def conversation_etag(state, viewer):
    """A strong validator for what `viewer` ("jeune", "promeneur") is shown in this state."""
    return '"c-' + hashlib.sha256(f"{viewer}:{state}".encode()).hexdigest()[:24] + '"'


def _private(response, etag):
    response["ETag"] = etag
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    response["X-Robots-Tag"] = "noindex"
    return response


def conversation_response(request, contact_request, *, state, read, viewer, extra=None):
    """304 if the page's `If-None-Match` names the current state, else the messages' fragment.

    `read`: a function returning the messages (through the content gate), called only then. A
    proxy's compression may change the validator the browser sends back ("…-gzip", a weak "W/"
    prefix): what matters is the fingerprint inside it.
    """
    etag = conversation_etag(state, viewer)
    sent = ETAG_RE.findall(request.headers.get("If-None-Match", ""))
    if etag.strip('"') in sent:
        return _private(HttpResponseNotModified(), etag)
    context = {
        "contact_request": contact_request,
        "messages_list": read(),
        "viewer": viewer,
        "conversation_etag": etag,
        **(extra or {}),
    }
    response = render(request, "referrals/conversation_messages.html", context)
    return _private(response, etag)
