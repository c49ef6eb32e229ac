"""The cache of the anonymous public pages: versioned, right to the minute, never per-user.

A public page (home, directory, structure, profile, Fil info…) is the same for every visitor who
is not signed in. `public_page` keeps its HTML in the shared cache (Redis in production) under a
key made of:

- the **content versions** of the areas the page shows (`AREAS`: the directory's, Fil info's;
  all of them unless the page says otherwise): numbers stored in the cache, each replaced when a
  row of its area is saved or deleted (through the model signals, so a change made in the admin,
  the dashboard or a service reaches the next request — nothing waits for a time-out). A version
  is replaced at once and again when the transaction commits, so a page rendered from data about
  to change cannot stay under the new version. A promeneur's hours leave Fil info's pages
  cached, an article the directory's;
- the **minute** (Paris time): "en ligne maintenant", the next slot, an absence that starts today,
  an article whose publication time has come are right to the minute;
- the path and the query string.

The versions are kept inside the stored entry rather than in its key, so that they and the page
come back in one round trip (`lookup`); an entry of other versions is a miss.

Nothing per-user or per-session is ever stored or served: a signed-in visitor, a visitor with a
message waiting (`django.contrib.messages`), a request that is not GET/HEAD get the view itself; a
response is stored only when it is a 200 that did not use the CSRF token, did not show a message
and sets no cookie.

Pages with a public form (contact, an article and its comment form, the follow-up lookup) hold
values that belong to one response: the CSRF token, the CAPTCHA challenge, the form's signed time
stamp. `public_form_page` renders such a page with a marker in place of each of them
(`per_response`), stores that, and makes the values afresh for every response, the one that
rendered it included (`fill`): the stored copy holds no token, no challenge, nothing of a visitor.
Each response gets its own token (and the CSRF cookie, as without a cache) and its own CAPTCHA;
it is never compressed (it holds a token: BREACH), never reused by the browser or a proxy
(`Cache-Control: no-store`, the challenge is single-use), and has no ETag.

Stored pages are served with an ETag (a revisit answers 304 Not Modified) and, when the browser
accepts it, gzip-compressed: a stored page holds no secret (no token, nothing from a session), so
compressing it exposes nothing to BREACH. Responses that may hold one are never compressed by the
application.

The whole lists of départements and themes that the public forms offer are kept too
(`reference_choices`), under a version of their own that only a change to those tables replaces:
a page rendered again after a change elsewhere does not read them again.

A stored page is served before most of the middleware (`PublicPageMiddleware`, right after the
CSRF middleware): to a visitor with no cookie but the CSRF one (so neither signed in nor with a
message waiting), once this process has served the page through its view and knows what the
inner middleware adds to it (security headers, the content security policy). Authentication,
the session's checks, the URL resolution and the view's decorators are skipped; the response is
the same, header for header.

With Redis unreachable, the cache answers from each process's memory (notifications/cache.py):
versions are then per process, so the page cache steps aside until Redis answers again.
"""

import contextvars
import functools
import gzip
import hashlib
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import compress_string

# A stored page outlives its minute by a little: the key changes every minute anyway.
PAGE_TIMEOUT = 120
# Below this size gzip saves nothing worth its cost.
COMPRESS_MIN_LENGTH = 200

# The areas of the public site, each with the models whose rows its pages show (directly or
# through "is this promeneur public"), and a content version of its own: a promeneur's hours
# leave Fil info's pages cached, an article leaves the directory's. A page declares the areas it
# shows (`public_page(areas=…)`); one that declares none depends on all of them.
AREAS = {
    "annuaire": frozenset(
        {
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
        }
    ),
    # An article shows its département's name, and the list offers the départements it has.
    "fil-info": frozenset({"news.article", "comments.comment", "structures.department"}),
}
ALL_AREAS = tuple(AREAS)
PUBLIC_MODELS = frozenset().union(*AREAS.values())
# Saving only these fields of a user changes nothing public (a sign-in, a new password).
PRIVATE_USER_FIELDS = {"last_login", "password"}

# The reference tables whose whole lists the public forms offer (`reference_choices`): their own
# version, which a change elsewhere (a promeneur, an article) leaves alone.
REFERENCE_VERSION_KEY = "public-pages:reference-version"
REFERENCE_MODELS = {"structures.department", "structures.theme"}
REFERENCE_TIMEOUT = 24 * 3600


def enabled():
    return settings.PUBLIC_PAGE_CACHE and getattr(cache, "redis_available", True)


def version_key(area):
    return f"public-pages:version:{area}"


def current_version(key):
    version = cache.get(key)
    if version is None:
        # Lost (Redis restarted or flushed): a new number, which no stored page can carry.
        cache.add(key, fresh_version(), timeout=None)
        version = cache.get(key)
    return version


def fresh_version():
    return time.time_ns() + secrets.randbelow(1 << 20)


def bump_version(key):
    """What was stored under this version is out of date (also called on commit, see the module's
    doc)."""
    try:
        cache.incr(key)
    except ValueError:  # no version yet
        cache.add(key, fresh_version(), timeout=None)
        cache.incr(key)


def reference_version():
    """The reference tables' current version, or None without Redis (each process would have its
    own)."""
    if not getattr(cache, "redis_available", True):
        return None
    version = current_version(REFERENCE_VERSION_KEY)
    return version if getattr(cache, "redis_available", True) else None


def bump_reference_version():
    bump_version(REFERENCE_VERSION_KEY)


def bump_areas(areas):
    for area in areas:
        bump_version(version_key(area))


def bulk_version_key(area):
    """A version of the area that only a bulk change replaces (`content_changed`), not a row's own
    save: what is kept per row under versions of its own (a promeneur's card, structures/cards.py)
    is out of date too after an `update()`, which sends no signal."""
    return f"public-pages:bulk-version:{area}"


def pages_changed(areas):
    """The pages of these areas are out of date, at once and when the transaction commits."""
    areas = tuple(areas)
    bump_areas(areas)
    transaction.on_commit(lambda: bump_areas(areas))


def content_changed(areas=ALL_AREAS, **kwargs):
    """After a bulk change (all areas by default: an `update()` says nothing of what it touched):
    the pages of these areas, and whatever is kept per row in them, are out of date, at once and
    when the transaction commits."""
    areas = tuple(areas)
    keys = [bulk_version_key(area) for area in areas]
    pages_changed(areas)
    for key in keys:
        bump_version(key)
    transaction.on_commit(lambda: [bump_version(key) for key in keys])


def on_model_change(sender, **kwargs):
    label = sender._meta.label_lower
    areas = [area for area, models in AREAS.items() if label in models]
    if not areas:
        return
    update_fields = kwargs.get("update_fields")
    if label == "accounts.user" and update_fields and set(update_fields) <= PRIVATE_USER_FIELDS:
        return
    if label in REFERENCE_MODELS:
        # At once and on commit, for the reason given for the pages' version.
        bump_reference_version()
        transaction.on_commit(bump_reference_version)
    pages_changed(areas)


def on_m2m_change(sender, action, **kwargs):
    if action.startswith("post_") or action == "pre_clear":
        on_model_change(sender)


def on_setting_changed(**kwargs):
    # Settings change at run time only in tests (override_settings): a page may depend on one.
    _unbound_forms.clear()
    _known_pages.clear()  # the headers a page gets
    bump_areas(ALL_AREAS)
    for area in ALL_AREAS:
        bump_version(bulk_version_key(area))


def connect_signals():
    from django.core.signals import setting_changed
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(on_model_change, dispatch_uid="public-pages-save")
    post_delete.connect(on_model_change, dispatch_uid="public-pages-delete")
    m2m_changed.connect(on_m2m_change, dispatch_uid="public-pages-m2m")
    setting_changed.connect(on_setting_changed, dispatch_uid="public-pages-setting")


def page_key(request, prefix="public-page"):
    """The key of a page: its kind, the minute, the path and the query string. The content
    version is kept in the entry (`lookup`), so that both come back in one round trip."""
    minute = timezone.localtime().strftime("%Y%m%d%H%M")
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
    return f"{prefix}:{minute}:{digest}"


def versioned_lookup(version_keys, entry_key):
    """(the current versions, the entry stored under `entry_key` for those versions or None), in one
    round trip. (None, None) when Redis failed during this very lookup: the answer then came from
    this process's memory, which may hold an entry of an earlier outage; nothing is to be served
    from it or stored."""
    found = cache.get_many([*version_keys, entry_key])
    if not getattr(cache, "redis_available", True):
        return None, None
    versions = tuple(found[k] if found.get(k) is not None else current_version(k) for k in version_keys)
    entry = found.get(entry_key)
    if entry is not None and entry.get("version") != versions:
        entry = None
    return versions, entry


def lookup(request, prefix, areas=ALL_AREAS):
    """(key, the current versions of `areas`, the page stored for those versions or None); see
    `versioned_lookup`."""
    key = page_key(request, prefix)
    return key, *versioned_lookup([version_key(area) for area in areas], key)


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
        # Kept compressed only: half what each lookup brings back from Redis. The few clients that
        # do not accept gzip get it decompressed.
        entry["gzip"] = compress_string(content)
        del entry["content"]
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
        content = entry["content"] if "content" in entry else gzip.decompress(entry["gzip"])
        response = HttpResponse(content, content_type=entry["content_type"])
    response["ETag"] = entry["etag"] if "Content-Encoding" not in response else "W/" + entry["etag"]
    patch_cache_control(response, **patch)
    # A signed-in visitor's browser must not reuse the anonymous page, nor a proxy mix them.
    patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
    response.public_page_cache = True
    return response


def checked_areas(areas):
    areas = tuple(areas)
    unknown = set(areas) - set(AREAS)
    if not areas or unknown:
        raise ValueError(f"Zones du site public inconnues : {sorted(unknown) or areas}")
    return areas


def public_page(view=None, *, areas=ALL_AREAS):
    """Serve an anonymous public page from the shared cache (see the module's documentation).

    `@public_page` for a page that may show anything; `@public_page(areas=("fil-info",))` for one
    that shows the rows of these areas only (`AREAS`): a change elsewhere leaves it cached."""
    if view is None:
        return functools.partial(public_page, areas=checked_areas(areas))
    areas = checked_areas(areas)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not enabled() or not is_anonymous_without_state(request):
            return view(request, *args, **kwargs)
        key, version, entry = lookup(request, "public-page", areas)
        if entry is None:
            response = view(request, *args, **kwargs)
            if version is None or not can_store(request, response):
                return response
            entry = {**stored_entry(response), "version": version}
            cache.set(key, entry, timeout=PAGE_TIMEOUT)
        response = response_from(request, entry)
        response.public_page_kind = ("public-page", areas)
        return response

    # A public page only reads: no transaction around it (ATOMIC_REQUESTS), so neither BEGIN nor
    # COMMIT, and a page served from the cache takes no database connection at all.
    return transaction.non_atomic_requests(wrapper)


# --- Pages with a public form -------------------------------------------------------------------

_rendering_for_cache = contextvars.ContextVar("public_form_rendering_for_cache", default=False)
# A marker is made of word characters only: it may stand in a URL path (the CAPTCHA image's) and
# comes out of HTML escaping unchanged.
# It carries a value derived from the secret key, which never reaches a visitor (every marker is
# replaced): a text a visitor wrote (a comment, shown on the page) cannot pass for one.
MARKER_SECRET = salted_hmac("promeneurs.public_cache.marker", "marker").hexdigest()[:20]
MARKER = "pdnfill_{kind}_{arg}_" + MARKER_SECRET + "_endfill"
MARKER_RE = re.compile(rb"pdnfill_([a-z]+)_(\w*?)_" + MARKER_SECRET.encode() + rb"_endfill")
# kind -> function(request, arg, state) -> str, the value of one marker in one response; `state`
# is shared by the markers of one response (a CAPTCHA's key and its text alternative go together).
FILLERS = {}


def register_filler(kind):
    def decorator(function):
        FILLERS[kind] = function
        return function

    return decorator


def rendering_for_cache():
    return _rendering_for_cache.get()


def per_response(kind, arg="", *, make):
    """A value that belongs to one response: `make()`, or a marker while a page is rendered for
    the cache, which `fill` replaces in each response by what the filler of `kind` makes."""
    if rendering_for_cache():
        return MARKER.format(kind=kind, arg=arg)
    return make()


def csrf_marker(request):
    """Context processor: while a form page is rendered for the cache, `{% csrf_token %}` writes
    a marker (Django's own processor, which runs first, would make this visitor's token)."""
    if rendering_for_cache():
        return {"csrf_token": MARKER.format(kind="csrf", arg="")}
    return {}


@register_filler("csrf")
def fill_csrf(request, arg, state):
    # A fresh masked token, and the CSRF cookie set by the middleware when the visitor has none.
    return get_token(request)


def fill(request, content):
    """`content` with each marker replaced by a value made for this response."""
    state = {}

    def value(match):
        kind, arg = match.group(1).decode(), match.group(2).decode()
        return escape(FILLERS[kind](request, arg, state)).encode()

    return MARKER_RE.sub(value, content)


# The HTML of empty public forms, rendered with markers, in this process's memory: it depends on
# the code and the templates only, which are the process's own.
_unbound_forms = {}
UNBOUND_FORMS_MAX = 512


def unbound_form_html(key, render):
    """An empty form's HTML with a marker for each value that belongs to one response (its CSRF
    token, CAPTCHA, time stamp), made by `render()` once per process and `key` (the form and what
    its HTML depends on: the page's address, say). The page showing it goes through `fill` (the
    views under `public_form_page` do), which gives each response its own values.

    `render()` builds the form itself (a form built outside would carry this response's values)
    and renders its template without the request: `csrf_token` is in `UNBOUND_FORM_CONTEXT`."""
    html = _unbound_forms.get(key)
    if html is None:
        reset = _rendering_for_cache.set(True)
        try:
            html = render()
        finally:
            _rendering_for_cache.reset(reset)
        if len(_unbound_forms) >= UNBOUND_FORMS_MAX:
            _unbound_forms.clear()
        _unbound_forms[key] = html
    return mark_safe(html)


UNBOUND_FORM_CONTEXT = {"csrf_token": MARKER.format(kind="csrf", arg="")}


def fillable(entry):
    """`entry`, or None when it was stored by a process with another secret key (a key being
    changed, a second site on the same Redis): its markers are not this process's, and `fill`
    would leave them as they are."""
    if entry is not None and entry.get("marker") != MARKER_SECRET:
        return None
    return entry


def form_response_from(request, entry):
    response = HttpResponse(fill(request, entry["content"]), content_type=entry["content_type"])
    # What the view's `never_cache` adds, for the responses that skip it (`PublicPageMiddleware`).
    add_never_cache_headers(response)
    patch_vary_headers(response, ("Cookie",))
    response.public_page_cache = True
    return response


def public_form_page(view=None, *, areas=ALL_AREAS):
    """Serve an anonymous page with a public form from the shared cache, filling in its CSRF token,
    CAPTCHA and time stamp per response (see the module's documentation). Put it under
    `never_cache`, next to the view. `areas`: as for `public_page`."""
    if view is None:
        return functools.partial(public_form_page, areas=checked_areas(areas))
    areas = checked_areas(areas)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            # What ATOMIC_REQUESTS does for every view: a form sent is handled in one transaction.
            with transaction.atomic():
                return view(request, *args, **kwargs)
        if not enabled() or not is_anonymous_without_state(request):
            response = view(request, *args, **kwargs)
            if not response.streaming:  # an empty form kept with markers (`unbound_form_html`)
                response.content = fill(request, response.content)
            return response
        key, version, entry = lookup(request, "public-form-page", areas)
        entry = fillable(entry)
        if entry is None:
            reset = _rendering_for_cache.set(True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                _rendering_for_cache.reset(reset)
            if version is None or not can_store(request, response):
                if not response.streaming:
                    response.content = fill(request, response.content)
                return response
            entry = {
                "content": response.content,
                "content_type": response["Content-Type"],
                "version": version,
                "marker": MARKER_SECRET,
            }
            cache.set(key, entry, timeout=PAGE_TIMEOUT)
        response = form_response_from(request, entry)
        response.public_page_kind = ("public-form-page", areas)
        return response

    # Shown, the page only reads (its CAPTCHA batches commit on their own): no transaction, and
    # none of a database connection when it comes from the cache. Sent, see above.
    return transaction.non_atomic_requests(wrapper)


# --- Served before most of the middleware ----------------------------------------------------

# The headers of a response that belong to it alone, never copied from another one.
OWN_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "etag", "cache-control", "expires", "vary"}
)
# (path, query string) -> (kind, areas, headers added by the inner middleware), in this process's
# memory: they depend on the code and the settings only.
_known_pages = {}
KNOWN_PAGES_MAX = 4096


class PublicPageMiddleware:
    """Serves a stored public page right after the CSRF middleware, skipping what comes after it
    (authentication, messages, the session's checks, the content security policy, the URL
    resolution, the view's decorators), for the visitors the cache is for.

    Only a GET or HEAD without any cookie but the CSRF one: no session, so no signed-in visitor
    and no message waiting. Only a page this process has served through its view (under
    `public_page` or `public_form_page`), to such a visitor: the response then gives the page's
    kind and areas, and the headers the inner middleware added, which each response served here
    gets in the same way (each one's own values — ETag, compression, CSRF token and cookie,
    CAPTCHA — are made as by the view's decorator). Anything else, or a miss, goes the whole way.

    Put it right after `CsrfViewMiddleware`, whose cookie a form page's token needs. What the
    middleware after it adds to a public page must not depend on the request for such a visitor
    (a CSP nonce would), and none of it may change the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = None
        if (
            request.method in ("GET", "HEAD")
            and enabled()
            and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
        ):
            page = (request.path, request.META.get("QUERY_STRING", ""))
            known = _known_pages.get(page)
            if known is not None:
                response = self.stored(request, *known)
                if response is not None:
                    return response
        response = self.get_response(request)
        kind = getattr(response, "public_page_kind", None)
        if page is not None and kind is not None:
            if len(_known_pages) >= KNOWN_PAGES_MAX:
                _known_pages.clear()
            added = [(name, value) for name, value in response.items() if name.lower() not in OWN_HEADERS]
            _known_pages[page] = (*kind, tuple(added))
        return response

    @staticmethod
    def stored(request, kind, areas, added):
        _key, _version, entry = lookup(request, kind, areas)
        if kind == "public-form-page":
            entry = fillable(entry)
            response = None if entry is None else form_response_from(request, entry)
        else:
            response = None if entry is None else response_from(request, entry)
        if response is None:
            return None
        for name, value in added:
            if name not in response:
                response[name] = value
        response.public_page_early = True
        return response


# --- Lists of a reference table --------------------------------------------------------------


def reference_choices(key, make):
    """The choices of a whole reference table (`REFERENCE_MODELS`), `make()`, kept in the shared
    cache under the reference tables' own version.

    The search form of the home page and of the directory, and the contact form, offer every
    département and every theme: two queries and a hundred rows made into objects on each of these
    pages, for lists that change a few times a year. Here they come back in the lookup's one round
    trip, and stay valid when a promeneur, a structure or an article changes; a département or a
    theme saved or deleted replaces their version (at once and on commit, as the pages'). Outside
    the cache (Redis unreachable, its memory per process) and inside a transaction (which could
    still roll back what it read), `make()` is used as it is, and nothing is stored.
    """
    if not getattr(cache, "redis_available", True):
        return make()
    entry_key = f"public-pages:reference:{key}"
    version, entry = versioned_lookup([REFERENCE_VERSION_KEY], entry_key)
    if version is None:
        return make()
    if entry is not None:
        return entry["choices"]
    choices = make()
    if not transaction.get_connection().in_atomic_block:
        cache.set(entry_key, {"version": version, "choices": choices}, timeout=REFERENCE_TIMEOUT)
    return choices


def kept_data(name, version_keys, compute, now=None):
    """What `compute()` reads, kept in the shared cache for the current versions of `version_keys`:
    for what only changes with them, or also at a time known when it is read (a scheduled
    article's publication). `compute()` gives (the value, that time or None); the value kept is
    used while `now` is before that time.

    For what no visitor changes: `compute()` must not read the request's user or session. Outside
    the cache (Redis unreachable) and inside a transaction (which could still roll back what it
    read): computed, not kept."""
    if not getattr(cache, "redis_available", True):
        return compute()[0]
    entry_key = f"public-pages:kept:{name}"
    version, entry = versioned_lookup(version_keys, entry_key)
    if entry is not None and "value" in entry:
        until = entry.get("until")
        if until is None or (now is not None and now < until):
            return entry["value"]
    value, until = compute()
    if version is not None and not transaction.get_connection().in_atomic_block:
        cache.set(entry_key, {"version": version, "value": value, "until": until}, timeout=REFERENCE_TIMEOUT)
    return value


def rows_format(shape, models):
    """What kept model rows were made by: `shape` (a number changed with the shape of what is
    kept), Django's version and the columns of `models`' tables. Put in the key of what is kept, a
    release that changes any of them does not read the previous one's rows."""
    from django import get_version

    columns = ",".join(f.attname for model in models for f in model._meta.concrete_fields)
    return hashlib.sha256(f"{shape}|{get_version()}|{columns}".encode()).hexdigest()[:16]


def kept_fragment(name, version_keys, render):
    """A piece of a public page that depends only on what is under `version_keys` and on what
    `name` says (a query string, say), `render()`, kept in the shared cache for those versions
    (`kept_data`). `render()` must not read the request, the session or the user (render its
    template without the request)."""
    return kept_data(f"fragment:{name}", version_keys, lambda: (render(), None))
