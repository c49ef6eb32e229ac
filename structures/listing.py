"""Who the directory lists for a search, kept in the shared cache.

Counting the promeneurs of a search, reading the ids of one page of them in order, and the
structures of its map were most of a directory page's first render once the cards were kept
(`structures/cards.py`): tens of milliseconds for a search over all France, redone each time
anything of the directory changed — a promeneur's hours, most often. Here what a search finds is
kept under versions that only a change to who is listed, or in what order, replaces:

- `LISTING_VERSION_KEY`: a promeneur, a structure or an account created, deleted, or saved with a
  change to one of the fields the directory lists, filters or orders by (`LISTED_FIELDS`, compared
  with the row as it was before the save), a network account saved or deleted, a promeneur's
  themes changed from either side;
- the reference tables' (`public_cache.REFERENCE_VERSION_KEY`: a département's code is searched);
- the directory's bulk version (`public_cache.bulk_version_key("annuaire")`), replaced by
  `public_cache.content_changed` after a bulk `update()`, which sends no signal, and when a setting
  changes;
- for the "en ligne maintenant" filter only: `PRESENCE_VERSION_KEY` (a slot or an absence saved or
  deleted) and the minute, so that who is online is right to the minute.

As for the pages and the cards, a version is replaced at once and again when the transaction
commits, and nothing is kept from inside a transaction or without Redis. What is kept is a count,
ids and map rows: never anything of a visitor.
"""

import hashlib

from django.core.cache import cache
from django.db import transaction

from promeneurs import public_cache

LISTING_VERSION_KEY = "public-pages:listing-version"
PRESENCE_VERSION_KEY = "public-pages:listing-presence-version"
LISTING_TIMEOUT = 24 * 3600
# Changed with what a kept listing holds or how it is ordered: a release does not read the other's.
LISTING_FORMAT = 1

# The fields whose change can change who a search finds, their order, or the map's structures.
LISTED_FIELDS = {
    "structures.promeneur": ("status", "structure_id", "user_id", "first_name", "age_min", "age_max"),
    "structures.structure": (
        "is_public",
        "name",
        "slug",
        "department_id",
        "postcode",
        "commune",
        "commune_key",
        "latitude",
        "longitude",
    ),
    "accounts.user": ("is_active",),
}
PRESENCE_MODELS = {"structures.presenceslot", "structures.absence"}


def search_key(data, per_page):
    """What identifies a search: its valid filters (`cleaned_data`), as plain values."""
    department, theme = data.get("departement"), data.get("theme")
    search = (
        LISTING_FORMAT,
        per_page,
        department.pk if department else None,
        data.get("lieu") or "",
        data.get("reseau") or "",
        theme.pk if theme else None,
        data.get("age"),
        bool(data.get("en_ligne")),
    )
    return hashlib.sha256(repr(search).encode()).hexdigest()[:32]


def can_keep():
    return getattr(cache, "redis_available", True) and not transaction.get_connection().in_atomic_block


class Listing:
    """What a directory search found, from the shared cache where it holds it for the current
    versions: `get(part, compute)` answers a part kept, or computes it; `keep()` stores what was
    computed. A search's parts ("counts", "map", "map_json") are kept together, a page's rows
    under the page asked for (`page`, as the query string gives it)."""

    def __init__(self, data, per_page, now, page=None):
        search = search_key(data, per_page)
        self.keys = {
            "search": f"public-pages:listing:{search}",
            "page": f"public-pages:listing:{search}:page:{hashlib.sha256(str(page).encode()).hexdigest()[:16]}",
        }
        version_keys = [
            LISTING_VERSION_KEY,
            public_cache.REFERENCE_VERSION_KEY,
            public_cache.bulk_version_key("annuaire"),
        ]
        if data.get("en_ligne"):
            version_keys.append(PRESENCE_VERSION_KEY)
            minute = now.strftime("%Y%m%d%H%M")
            self.keys = {name: f"{key}:{minute}" for name, key in self.keys.items()}
        self.entries = {"search": {}, "page": {}}
        self.computed = set()
        self.versions = None
        if can_keep():
            self.versions, found = versioned_many(version_keys, list(self.keys.values()))
            for name, key in self.keys.items():
                if found.get(key) is not None:
                    self.entries[name] = found[key]

    def get(self, part, compute):
        name = "page" if part == "rows" else "search"
        entry = self.entries[name]
        if part not in entry:
            entry[part] = compute()
            self.computed.add(name)
        return entry[part]

    def keep(self):
        if self.versions is None or not self.computed or not can_keep():
            return
        cache.set_many(
            {self.keys[name]: {**self.entries[name], "version": self.versions} for name in self.computed},
            timeout=LISTING_TIMEOUT,
        )


def versioned_many(version_keys, entry_keys):
    """(the current versions, {key: entry stored for those versions}) in one round trip, or
    (None, {}) when Redis failed during it (see `public_cache.versioned_lookup`)."""
    found = cache.get_many([*version_keys, *entry_keys])
    if not getattr(cache, "redis_available", True):
        return None, {}
    versions = tuple(
        found[k] if found.get(k) is not None else public_cache.current_version(k) for k in version_keys
    )
    return versions, {
        key: found[key]
        for key in entry_keys
        if found.get(key) is not None and found[key].get("version") == versions
    }


# --- What replaces the versions ----------------------------------------------------------------


def bump_now_and_on_commit(key):
    public_cache.bump_version(key)
    transaction.on_commit(lambda: public_cache.bump_version(key))


def listed_values(instance, fields):
    return tuple(getattr(instance, field) for field in fields)


def before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Note whether this save changes a listed field, from the row as it is before it."""
    fields = LISTED_FIELDS.get(sender._meta.label_lower)
    if fields is None:
        return
    if update_fields is not None and not {f.removesuffix("_id") for f in fields} & {
        f.removesuffix("_id") for f in update_fields
    }:
        instance._listing_changed = False
        return
    if instance._state.adding or instance.pk is None:
        instance._listing_changed = True
        return
    previous = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first()
    instance._listing_changed = previous is None or previous != listed_values(instance, fields)


def on_save(sender, instance, **kwargs):
    label = sender._meta.label_lower
    if label in LISTED_FIELDS:
        if instance.__dict__.pop("_listing_changed", True):
            bump_now_and_on_commit(LISTING_VERSION_KEY)
    else:
        on_row_change(sender, instance)


def on_row_change(sender, instance, **kwargs):
    """A row deleted, or saved when it is not one whose fields are compared."""
    label = sender._meta.label_lower
    if label in PRESENCE_MODELS:
        bump_now_and_on_commit(PRESENCE_VERSION_KEY)
    elif label in LISTED_FIELDS or label == "structures.networkaccount":
        bump_now_and_on_commit(LISTING_VERSION_KEY)


def on_themes_change(sender, action, **kwargs):
    if action.startswith("post_") or action == "pre_clear":
        bump_now_and_on_commit(LISTING_VERSION_KEY)


def connect_signals():
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    from .models import Promeneur

    pre_save.connect(before_save, dispatch_uid="directory-listing-before-save")
    post_save.connect(on_save, dispatch_uid="directory-listing-save")
    post_delete.connect(on_row_change, dispatch_uid="directory-listing-delete")
    m2m_changed.connect(
        on_themes_change, sender=Promeneur.themes.through, dispatch_uid="directory-listing-themes"
    )
