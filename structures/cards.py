"""The promeneurs' cards of the directory and of a structure's page, kept rendered in the shared cache.

A card shows a promeneur's name, job, photo, structure, themes and networks, and where they are in
their week ("en ligne maintenant", the next presence, an absence). Reading all that (four queries
besides the promeneurs) and rendering it was most of a directory page's first render, redone for
every card each time anything of the directory changed. Here each card is kept once rendered
(`promeneur_cards`), as two pieces of HTML around its presence, with the promeneur's slots and
absences: the presence is worked out from them for the minute of each response (`presence`, kept
in each process's memory for that minute: a pure function of the week and the minute).

A card is kept with the versions it was rendered for, and served only while they are all current:

- the promeneur's own (`promeneur_version_key`), replaced when the promeneur, one of their slots,
  absences or networks, or their themes are saved or deleted;
- their structure's (`structure_version_key`), replaced when the structure is saved or deleted;
- the reference tables' (`public_cache.REFERENCE_VERSION_KEY`: a département's code, a theme's name);
- every card's (`CARDS_VERSION_KEY`, the directory's bulk version), replaced by
  `public_cache.content_changed` for the directory (a bulk `update()`, which sends no signal) and
  when a setting changes;
- the card templates' source, so that a new release does not serve the cards of the previous one.

As for the pages, a version is replaced at once and again when the transaction commits: a card
rendered from rows about to change cannot stay under the new version. Nothing is stored from
inside a transaction (it could still roll back what it read), nor without Redis (each process's
memory would then keep versions of its own): the cards are then rendered and not kept.

Which promeneurs are shown, and in what order, is always read from the database by the page.
"""

import functools
import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from promeneurs import public_cache
from promeneurs.typography import day_and_month, french_time, weekday_name

CARDS_VERSION_KEY = public_cache.bulk_version_key("annuaire")
CARD_TIMEOUT = 24 * 3600
CARD_TEMPLATE = "structures/_promeneur_card.html"
PRESENCE_TEMPLATE = "structures/_card_presence.html"
# Where the presence goes in a card kept in the cache: word characters only, unchanged by escaping.
PRESENCE_MARKER = "pdncard_presence_endcard"


def promeneur_version_key(pk):
    return f"public-pages:card-version:promeneur:{pk}"


def structure_version_key(pk):
    return f"public-pages:card-version:structure:{pk}"


def card_key(pk, show_structure):
    return f"public-pages:card:{'s' if show_structure else 'p'}:{pk}"


@functools.cache
def templates_digest():
    sources = (get_template(name).template.source for name in (CARD_TEMPLATE, PRESENCE_TEMPLATE))
    return hashlib.sha256("\x00".join(sources).encode()).hexdigest()[:16]


# --- What a card needs ------------------------------------------------------------------------


def with_card_data(promeneurs, now):
    """Promeneurs with all a card needs, so that showing one costs no further query.

    The related rows come as plain lists (`card_themes`, `card_networks`, `card_slots`,
    `card_absences`): Django's prefetch into the managers builds a queryset per promeneur and
    relation, which cost a directory page more than its queries.
    """
    from .models import Absence

    return promeneurs.select_related("structure__department").prefetch_related(
        Prefetch("themes", to_attr="card_themes"),
        Prefetch("networks", to_attr="card_networks"),
        Prefetch("presence_slots", to_attr="card_slots"),
        # Only the absences that can still matter for "online now" and "next slot".
        Prefetch(
            "absences",
            queryset=Absence.objects.filter(ends_on__gte=timezone.localdate(now)),
            to_attr="card_absences",
        ),
    )


def describe_next_slot(start, now):
    """The start of a promeneur's next presence, in words: "mercredi à 14 h 00"."""
    local, today = timezone.localtime(start), timezone.localdate(now)
    day = weekday_name(local)
    if (local.date() - today).days >= 7:
        # Further than a week away (an absence): the weekday alone would be ambiguous.
        day = f"{day} {day_and_month(local)}"
    return f"{day} à {french_time(local)}"


def annotate_presence(promeneurs, now):
    """Set `online_now`, `next_slot` (text or None) and `absent_until` (text or None: the last day
    of today's absence) on each promeneur, from prefetched rows."""
    today = timezone.localdate(now)
    for promeneur in promeneurs:
        absence = max(
            (a for a in promeneur.absence_list() if a.starts_on <= today <= a.ends_on),
            key=lambda a: a.ends_on,
            default=None,
        )
        promeneur.absent_until = day_and_month(absence.ends_on) if absence else None
        promeneur.online_now = promeneur.is_online_at(now)
        start = None if promeneur.online_now else promeneur.next_slot_after(now)
        promeneur.next_slot = describe_next_slot(start, now) if start else None
    return promeneurs


# --- The cards of a page ----------------------------------------------------------------------


class Card:
    """A card to show: its HTML (`html`, presence included), the promeneur's `pk` and `first_name`,
    their presence (`online_now`, `next_slot`, `absent_until`), and their structure as a row of the
    map (`structure_id`, `map_row`: name, commune, slug, latitude, longitude)."""

    def __init__(self, pk, entry, now):
        self.pk, self.first_name = pk, entry["first_name"]
        self.structure_id, self.map_row = entry["structure_id"], entry["map_row"]
        self.online_now, self.next_slot, self.absent_until, presence_html = presence(
            tuple(entry["slots"]), tuple(entry["absences"]), now.replace(second=0, microsecond=0)
        )
        self.html = mark_safe(entry["before"] + presence_html + entry["after"])


@functools.lru_cache(maxsize=8192)
def presence(slots, absences, minute):
    """Where a promeneur is in their week at `minute`, from a kept card's slots and absences:
    (online now, next presence in words or None, last day of today's absence or None, its HTML).

    Worked out once per minute for each week seen (a process serves the same cards again and
    again), through the model's own rules; its HTML, once for each presence."""
    from .models import Absence, PresenceSlot, Promeneur

    promeneur = Promeneur()
    promeneur.card_slots = [PresenceSlot(weekday=w, start=s, end=e) for w, s, e in slots]
    promeneur.card_absences = [Absence(starts_on=s, ends_on=e) for s, e in absences]
    annotate_presence([promeneur], minute)
    state = (promeneur.online_now, promeneur.next_slot, promeneur.absent_until)
    return (*state, presence_html(*state))


@functools.lru_cache(maxsize=1024)
def presence_html(online_now, next_slot, absent_until):
    state = {"online_now": online_now, "next_slot": next_slot, "absent_until": absent_until}
    return render_to_string(PRESENCE_TEMPLATE, {"promeneur": state})


def card_entry(promeneur, show_structure):
    """What is kept of a card: its HTML around the presence, and what its presence and map need."""
    html = render_to_string(
        CARD_TEMPLATE,
        {"promeneur": promeneur, "show_structure": show_structure, "presence_html": PRESENCE_MARKER},
    )
    before, after = html.split(PRESENCE_MARKER)
    structure = promeneur.structure
    return {
        "before": before,
        "after": after,
        "first_name": promeneur.first_name,
        "structure_id": promeneur.structure_id,
        "map_row": (
            structure.name,
            structure.commune,
            structure.slug,
            structure.latitude,
            structure.longitude,
        ),
        "slots": [(slot.weekday, slot.start, slot.end) for slot in promeneur.card_slots],
        "absences": [(absence.starts_on, absence.ends_on) for absence in promeneur.card_absences],
    }


def can_keep():
    return getattr(cache, "redis_available", True) and not transaction.get_connection().in_atomic_block


def promeneur_cards(rows, now, *, show_structure):
    """The cards of `rows` — (promeneur pk, structure pk), in the order to show them — each from the
    shared cache when it holds it for the current versions, the others read in one go, rendered,
    and kept."""
    from .models import Promeneur

    rows = list(rows)
    if not rows:
        return []
    entries, versions = {}, {}
    if can_keep():
        version_keys = {CARDS_VERSION_KEY, public_cache.REFERENCE_VERSION_KEY}
        for pk, structure_id in rows:
            version_keys |= {promeneur_version_key(pk), structure_version_key(structure_id)}
        version_keys = sorted(version_keys)
        found = cache.get_many([*version_keys, *(card_key(pk, show_structure) for pk, _ in rows)])
        if getattr(cache, "redis_available", True):  # else the answer came from this process's memory
            current = {
                k: found[k] if found.get(k) is not None else public_cache.current_version(k)
                for k in version_keys
            }
            common = (
                current[CARDS_VERSION_KEY],
                current[public_cache.REFERENCE_VERSION_KEY],
                templates_digest(),
            )
            for pk, structure_id in rows:
                versions[pk] = (
                    *common,
                    current[promeneur_version_key(pk)],
                    current[structure_version_key(structure_id)],
                )
                entry = found.get(card_key(pk, show_structure))
                if entry is not None and entry.get("versions") == versions[pk]:
                    entries[pk] = entry
    missing = [pk for pk, _ in rows if pk not in entries]
    if missing:
        fresh = {}
        for promeneur in with_card_data(Promeneur.objects.filter(pk__in=missing), now):
            fresh[promeneur.pk] = card_entry(promeneur, show_structure)
        entries.update(fresh)
        if versions and can_keep():
            cache.set_many(
                {
                    card_key(pk, show_structure): {**entry, "versions": versions[pk]}
                    for pk, entry in fresh.items()
                },
                timeout=CARD_TIMEOUT,
            )
    # A promeneur deleted between the two reads is left out.
    return [Card(pk, entries[pk], now) for pk, _ in rows if pk in entries]


# --- A promeneur's profile ------------------------------------------------------------------


def page_rows_key(kind, slug):
    digest = hashlib.sha256(slug.encode()).hexdigest()[:32]
    return f"public-pages:{kind}:{rows_format()}:{digest}"


@functools.cache
def rows_format():
    """What kept rows were made by (`public_cache.rows_format`)."""
    from .models import Absence, Department, NetworkAccount, PresenceSlot, Promeneur, Structure, Theme

    models = (Promeneur, Structure, Department, Theme, NetworkAccount, PresenceSlot, Absence)
    return public_cache.rows_format(KEPT_ROWS_FORMAT, models)


# Changed with the shape of what `kept_rows` keeps.
KEPT_ROWS_FORMAT = 3


def kept_rows(key, find_ids, version_keys_of, read):
    """What a public page reads by its address, `read(ids)`, from the shared cache while the
    versions it was read under (`version_keys_of(ids)`) are all current, else read and kept.

    `find_ids()` gives the ids the versions are named after (None: no such page); `read(ids)` the
    rows, restricted to those ids (None when they no longer match), `read(None)` without them.
    The versions are read before the rows, so that a change committed in between leaves what was
    read under versions already out of date. Nothing is kept from inside a transaction, nor
    without Redis: then the rows are read each time."""
    if not can_keep():
        return read(None)
    entry = cache.get(key)
    if not isinstance(entry, dict) or not {"ids", "versions", "rows"} <= entry.keys():
        entry = None  # none, or kept by another release
    ids = entry["ids"] if entry is not None else find_ids()
    if ids is None:
        return None
    version_keys = version_keys_of(ids)
    found = cache.get_many(version_keys)
    if not getattr(cache, "redis_available", True):  # Redis failed during the lookup
        return read(None)
    versions = tuple(
        found[k] if found.get(k) is not None else public_cache.current_version(k) for k in version_keys
    )
    if entry is not None and entry["versions"] == versions:
        return entry["rows"]
    rows = read(ids)
    if rows is None:
        # Changed since its ids were read (moved to another structure, say): read, not kept.
        return read(None)
    if can_keep():
        cache.set(key, {"ids": ids, "versions": versions, "rows": rows}, timeout=CARD_TIMEOUT)
    return rows


def listed_version_keys(structure_id):
    """The versions of who is public and of what a card and a page show of them."""
    from .listing import LISTING_VERSION_KEY

    return [
        CARDS_VERSION_KEY,
        public_cache.REFERENCE_VERSION_KEY,
        LISTING_VERSION_KEY,
        structure_version_key(structure_id),
    ]


def public_profile(slug, now):
    """The public promeneur of `slug`, with their structure, département and all a card needs
    (`with_card_data`), or None (`kept_rows`): kept under the versions of their card (theirs,
    their structure's, every card's, the reference tables'), of the directory's listing (who is
    public: a label, an account, a structure) and of their structure's other public promeneurs.
    Presence and reachability are worked out from these rows for each response
    (`annotate_presence`, `is_reachable_public`). When they cannot be written to on the day they
    were read, the colleagues who can are kept with them: `colleagues_on` = (that day, colleagues).
    """
    from .models import Promeneur
    from .reachability import is_reachable_public

    def others(pk, structure_id):
        public = Promeneur.objects.public().filter(structure_id=structure_id).exclude(pk=pk)
        return tuple(public.order_by("pk").values_list("pk", flat=True))

    def find_ids():
        ids = Promeneur.objects.public().filter(slug=slug).values_list("pk", "structure_id").first()
        return None if ids is None else (*ids, others(*ids))

    def read(ids):
        rows = with_card_data(Promeneur.objects.public(), now).filter(slug=slug)
        if ids is not None:
            rows = rows.filter(pk=ids[0], structure_id=ids[1])
        promeneur = rows.first()
        if promeneur is None or (ids is not None and others(promeneur.pk, promeneur.structure_id) != ids[2]):
            return None
        today = timezone.localdate(now)
        if not is_reachable_public(promeneur, today):
            promeneur.colleagues_on = (today, promeneur.reachable_colleagues(today))
        return promeneur

    return kept_rows(
        page_rows_key("profile", slug),
        find_ids,
        lambda ids: [
            *listed_version_keys(ids[1]),
            *(promeneur_version_key(pk) for pk in (ids[0], *ids[2])),
        ],
        read,
    )


def public_structure(slug):
    """(the public structure of `slug` with its département, the (pk, structure pk) of its public
    promeneurs by first name), or None (`kept_rows`): kept under the structure's version, every
    card's, the reference tables' and the directory's listing (who is public, and their names)."""
    from .models import Promeneur, Structure

    def find_ids():
        return Structure.objects.public().filter(slug=slug).values_list("pk", flat=True).first()

    def read(pk):
        structures = Structure.objects.public().select_related("department").filter(slug=slug)
        structure = (structures if pk is None else structures.filter(pk=pk)).first()
        if structure is None:
            return None
        promeneurs = (
            Promeneur.objects.public()
            .filter(structure=structure)
            .order_by("first_name", "pk")
            .values_list("pk", "structure_id")
        )
        return structure, list(promeneurs)

    return kept_rows(page_rows_key("structure", slug), find_ids, listed_version_keys, read)


# --- What replaces a card's versions -------------------------------------------------------------


def bump_now_and_on_commit(keys):
    keys = list(keys)

    def bump():
        for key in keys:
            public_cache.bump_version(key)

    bump()
    transaction.on_commit(bump)


def cards_changed():
    """Every card is out of date."""
    bump_now_and_on_commit([CARDS_VERSION_KEY])


PROMENEUR_ROWS = {"structures.presenceslot", "structures.absence", "structures.networkaccount"}


def on_model_change(sender, instance, **kwargs):
    label = sender._meta.label_lower
    if label == "structures.promeneur":
        bump_now_and_on_commit([promeneur_version_key(instance.pk)])
    elif label in PROMENEUR_ROWS:
        bump_now_and_on_commit([promeneur_version_key(instance.promeneur_id)])
    elif label == "structures.structure":
        bump_now_and_on_commit([structure_version_key(instance.pk)])


def on_themes_change(sender, instance, action, reverse, pk_set, **kwargs):
    if not (action.startswith("post_") or action == "pre_clear"):
        return
    if not reverse:  # the promeneur's themes
        bump_now_and_on_commit([promeneur_version_key(instance.pk)])
    elif pk_set:  # a theme's promeneurs
        bump_now_and_on_commit([promeneur_version_key(pk) for pk in pk_set])
    else:  # a theme cleared of its promeneurs: which they were is not said
        cards_changed()


def connect_signals():
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import Promeneur

    post_save.connect(on_model_change, dispatch_uid="promeneur-cards-save")
    post_delete.connect(on_model_change, dispatch_uid="promeneur-cards-delete")
    m2m_changed.connect(
        on_themes_change, sender=Promeneur.themes.through, dispatch_uid="promeneur-cards-themes"
    )
