"""The cache of the anonymous public pages: versioned, right to the minute, never per-user.

A public page (home, directory, structure, profile, Fil info…) is the same for every visitor who
is not signed in. `public_page` keeps its HTML in the shared cache (Redis in production) under a
key made of:

- the **content version**: a number stored in the cache and replaced each time a row that a
  public page shows is saved or deleted (`PUBLIC_MODELS`, through the model signals, so a change
  made in the admin, the dashboard or a service reaches the next request — nothing waits for a
  time-out). It is replaced at once and again when the transaction commits, so a page rendered
  from data about to change cannot stay under the new version;
- the **minute** (Paris time): "en ligne maintenant", the next slot, an absence that starts today,
  an article whose publication time has come are right to the minute;
- the path and the query string.

Nothing per-user or per-session is ever stored or served: a signed-in visitor, a visitor with a
message waiting (`django.contrib.messages`), a request that is not GET/HEAD get the view itself; a
response is stored only when it is a 200 that did not use the CSRF token, did not show a message
and sets no cookie. Pages with a form that carries a token (contact, an article's comment form)
are therefore never stored whole.

Stored pages are served with an ETag (a revisit answers 304 Not Modified) and, when the browser
accepts it, gzip-compressed: a stored page holds no secret (no token, nothing from a session), so
compressing it exposes nothing to BREACH. Responses that may hold one are never compressed by the
application.

With Redis unreachable, the cache answers from each process's memory (notifications/cache.py):
versions are then per process, so the page cache steps aside until Redis answers again.
"""

import functools
import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string

VERSION_KEY = "public-pages:version"
# A stored page outlives its minute by a little: the key changes every minute anyway.
PAGE_TIMEOUT = 120
# Below this size gzip saves nothing worth its cost.
COMPRESS_MIN_LENGTH = 200

# Every model whose rows a public page shows (directly or through "is this promeneur public").
PUBLIC_MODELS = {
    "accounts.user",
    "structures.department",
    "structures.commune",
    "structures.structure",
    "structures.promeneur",
    "structures.promeneur_themes",
    "structures.networkaccount",
    "structures.presenceslot",
    "structures.absence",
    "structures.theme",
    "news.article",
    "comments.comment",
}
# Saving only these fields of a user changes nothing public (a sign-in, a new password).
PRIVATE_USER_FIELDS = {"last_login", "password"}


def enabled():
    return settings.PUBLIC_PAGE_CACHE and getattr(cache, "redis_available", True)


def current_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # Lost (Redis restarted or flushed): a new number, which no stored page can carry.
        cache.add(VERSION_KEY, fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def fresh_version():
    return time.time_ns() + secrets.randbelow(1 << 20)


def bump_version():
    """Every stored public page is out of date (also called on commit, see the module's doc)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet
        cache.add(VERSION_KEY, fresh_version(), timeout=None)
        cache.incr(VERSION_KEY)


def content_changed(**kwargs):
    bump_version()
    transaction.on_commit(bump_version)


def on_model_change(sender, **kwargs):
    if sender._meta.label_lower not in PUBLIC_MODELS:
        return
    update_fields = kwargs.get("update_fields")
    if (
        sender._meta.label_lower == "accounts.user"
        and update_fields
        and set(update_fields) <= PRIVATE_USER_FIELDS
    ):
        return
    content_changed()


def on_m2m_change(sender, action, **kwargs):
    if action.startswith("post_") or action == "pre_clear":
        on_model_change(sender)


def connect_signals():
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(on_model_change, dispatch_uid="public-pages-save")
    post_delete.connect(on_model_change, dispatch_uid="public-pages-delete")
    m2m_changed.connect(on_m2m_change, dispatch_uid="public-pages-m2m")


def page_key(request, version):
    minute = timezone.localtime().strftime("%Y%m%d%H%M")
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
    return f"public-page:{version}:{minute}:{digest}"


def is_anonymous_without_state(request):
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    # A message waiting for this visitor is shown on the next page: that page is theirs.
    storage = getattr(request, "_messages", None)
    return storage is None or len(storage) == 0


def can_store(request, response):
    storage = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The view rendered a CSRF token (a form): the page is this visitor's.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (storage is not None and getattr(storage, "used", False))
        and not response.has_header("Cache-Control")
    )


def stored_entry(response):
    content = response.content
    entry = {
        "content": content,
        "content_type": response["Content-Type"],
        "etag": '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"',
    }
    if len(content) >= COMPRESS_MIN_LENGTH:
        entry["gzip"] = compress_string(content)
    return entry


def accepts_gzip(request):
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "").lower()


def response_from(request, entry):
    patch = {"no_cache": True}
    if request.META.get("HTTP_IF_NONE_MATCH", "") in (entry["etag"], "W/" + entry["etag"]):
        response = HttpResponseNotModified()
    elif "gzip" in entry and accepts_gzip(request):
        response = HttpResponse(entry["gzip"], content_type=entry["content_type"])
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response["ETag"] = entry["etag"] if "Content-Encoding" not in response else "W/" + entry["etag"]
    patch_cache_control(response, **patch)
    # A signed-in visitor's browser must not reuse the anonymous page, nor a proxy mix them.
    patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
    response.public_page_cache = True
    return response


def public_page(view):
    """Serve an anonymous public page from the shared cache (see the module's documentation)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not enabled() or not is_anonymous_without_state(request):
            return view(request, *args, **kwargs)
        key = page_key(request, current_version())
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if not can_store(request, response):
                return response
            entry = stored_entry(response)
            cache.set(key, entry, timeout=PAGE_TIMEOUT)
        return response_from(request, entry)

    return wrapper
