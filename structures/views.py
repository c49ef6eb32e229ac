import functools
import hashlib
import math

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from promeneurs import public_cache
from promeneurs.pagination import paginate
from promeneurs.public_cache import public_page
from promeneurs.typography import NBSP, french_duration, time_range

from .cards import (
    annotate_presence,
    describe_next_slot,
    promeneur_cards,
    public_profile,
    public_structure,
    with_card_data,
)
from .forms import DirectorySearchForm
from .geo import department_code_for_postcode, distance_km, is_postcode, place_key, split_department_suffix
from .listing import Listing
from .models import Commune, Department, NetworkAccount, PresenceSlot, Promeneur, Structure
from .reachability import is_reachable_public

# How many suggestions the place autocomplete offers, nearest structures and next presences shown.
SUGGESTIONS_COUNT = 8
NEAREST_COUNT = 5
NEXT_PRESENCES_COUNT = 5


MAP_FIELDS = ("name", "commune", "slug", "latitude", "longitude")


def map_points(structures):
    """The structures that have coordinates, as the map's JSON data: a queryset, a list of
    structures, or rows of `MAP_FIELDS`.

    Read as values, with one URL made for all (a structure's address differs only by its slug):
    a search on all France places thousands of them."""
    url = reverse("structures:structure_detail", kwargs={"slug": "slug"}).rsplit("slug", 1)
    if isinstance(structures, QuerySet):
        rows = structures.values_list(*MAP_FIELDS)
    else:
        rows = [
            row if isinstance(row, tuple) else tuple(getattr(row, f) for f in MAP_FIELDS)
            for row in structures
        ]
    return [
        {
            "name": name,
            "commune": commune,
            "url": f"{url[0]}{slug}{url[1]}",
            "lat": float(latitude),
            "lng": float(longitude),
        }
        for name, commune, slug, latitude, longitude in rows
        if latitude is not None and longitude is not None
    ]


def map_data(points, source=None):
    """The map's settings and its structures, or the address to fetch them from (`source`)."""
    data = {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_ATTRIBUTION, "structures": points}
    if source:
        data["source"] = source
    return data


def map_structures(promeneurs):
    """The structures of `promeneurs` that can be placed on the map, by name."""
    return Structure.objects.filter(
        pk__in=promeneurs.values("structure_id"), latitude__isnull=False, longitude__isnull=False
    ).order_by("name", "pk")


class Search:
    """The promeneurs a directory search finds (`found`), and the same before the "en ligne
    maintenant" filter (`before_online`): querysets built only when asked for (a search kept in
    the shared cache, `structures.listing`, needs neither)."""

    def __init__(self, data, now):
        self.data, self.now = data, now

    @functools.cached_property
    def before_online(self):
        return filter_promeneurs(public_promeneurs(), self.data)

    @functools.cached_property
    def found(self):
        return self.before_online.online_at(self.now) if self.data.get("en_ligne") else self.before_online


class SearchRows:
    """The rows (promeneur pk, structure pk) of a search in the directory's order, for the
    paginator: the page asked for comes from the listing kept, or is read then."""

    def __init__(self, search, listing, count):
        self.search, self.listing, self.count = search, listing, count

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        def read():
            ordered = self.search.found.order_by("first_name", "structure__name", "pk")
            return list(ordered.values_list("pk", "structure_id")[index])

        return self.listing.get("rows", read)


def directory_search(request, now):
    """The directory's search: (form, its valid filters, `Search`). An invalid filter is reported
    next to its field; the valid ones still apply."""
    form = DirectorySearchForm(data=request.GET or None)
    data = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    return form, data, Search(data, now)


@functools.cache
def public_query():
    return Promeneur.objects.public()


def public_promeneurs():
    """`Promeneur.objects.public()`, built once (its two subqueries cost a millisecond to build
    each time): a copy of a queryset never evaluated."""
    return public_query().all()


def filter_promeneurs(promeneurs, data):
    """Apply the valid filters of the directory's search form (`cleaned_data`)."""
    if department := data.get("departement"):
        promeneurs = promeneurs.filter(structure__department=department)
    if place := data.get("lieu"):
        name, department_code = split_department_suffix(place)
        if department_code:
            promeneurs = promeneurs.filter(structure__department__code=department_code)
        if is_postcode(name):
            promeneurs = promeneurs.filter(structure__postcode=name)
        elif key := place_key(name):
            # The commune's name or the beginning of it, of one of its words: "perig", "astier".
            promeneurs = promeneurs.filter(
                Q(structure__commune_key__startswith=key) | Q(structure__commune_key__contains=f" {key}")
            )
    if network := data.get("reseau"):
        promeneurs = promeneurs.filter(
            Exists(NetworkAccount.objects.filter(promeneur=OuterRef("pk"), network=network))
        )
    if theme := data.get("theme"):
        promeneurs = promeneurs.filter(
            Exists(Promeneur.themes.through.objects.filter(promeneur=OuterRef("pk"), theme=theme))
        )
    if (age := data.get("age")) is not None:
        promeneurs = promeneurs.filter(age_min__lte=age, age_max__gte=age)
    return promeneurs


def search_form_html(request, form):
    """The directory's search form as the query string fills it: the same for every visitor who
    sends that query string, kept under the reference tables' version (its choices, its errors)."""
    query = hashlib.sha256(repr(sorted(request.GET.lists())).encode()).hexdigest()[:32]
    return public_cache.kept_fragment(
        f"directory-form:{query}",
        [public_cache.REFERENCE_VERSION_KEY, public_cache.bulk_version_key("annuaire")],
        lambda: render_to_string(
            "structures/_directory_form.html", {"form": form, "has_filters": bool(request.GET)}
        ),
    )


def searched_commune(data):
    """The commune the place filter most likely means (with coordinates), or None."""
    place = data.get("lieu")
    if not place:
        return None
    department = data.get("departement")
    communes = Commune.objects.search(place, department=department.code if department else None)
    return communes.filter(latitude__isnull=False).select_related("department").first()


def format_distance(km):
    if km < 1:
        return f"à moins d’1{NBSP}km"
    return f"à {round(km)}{NBSP}km"


def nearest_structures(promeneurs, commune):
    """The public structures of `promeneurs` nearest to `commune`, each with its `distance` in words."""
    lat, lng = float(commune.latitude), float(commune.longitude)
    # Ordered in SQL by an equirectangular approximation (fine at this scale), shown by haversine.
    scale = math.cos(math.radians(lat))
    d_lat = Cast("latitude", FloatField()) - Value(lat)
    d_lng = (Cast("longitude", FloatField()) - Value(lng)) * Value(scale)
    structures = list(
        Structure.objects.public()
        .select_related("department")
        .filter(pk__in=promeneurs.values("structure_id"), latitude__isnull=False)
        .annotate(spread=ExpressionWrapper(d_lat * d_lat + d_lng * d_lng, output_field=FloatField()))
        .order_by("spread", "pk")[:NEAREST_COUNT]
    )
    for structure in structures:
        structure.distance = format_distance(distance_km(lat, lng, structure.latitude, structure.longitude))
    return structures


def next_presences(promeneurs, now):
    """The promeneurs of `promeneurs` who will be online next, soonest first: [(promeneur, when)]."""
    with_slots = promeneurs.filter(Exists(PresenceSlot.objects.filter(promeneur=OuterRef("pk"))))
    upcoming = []
    for promeneur in with_card_data(with_slots, now):
        if start := promeneur.next_slot_after(now):
            upcoming.append((start, promeneur.pk, promeneur))
    upcoming.sort(key=lambda item: item[:2])
    return [
        (promeneur, describe_next_slot(start, now))
        for start, _pk, promeneur in upcoming[:NEXT_PRESENCES_COUNT]
    ]


@login_not_required
@require_GET
def commune_suggestions(request):
    """Communes for the place autocomplete (JSON): the same search as the directory's."""
    query = request.GET.get("q", "")[:100].replace("\x00", "")
    communes = Commune.objects.search(query).select_related("department")[:SUGGESTIONS_COUNT]
    return JsonResponse(
        {
            "communes": [
                {"label": c.label, "postcodes": c.postcode_list[:3], "department": c.department.name}
                for c in communes
            ]
        }
    )


@login_not_required
@public_page(areas=("annuaire",))
def directory(request):
    now = timezone.now()
    form, data, search = directory_search(request, now)

    # Who this search finds: kept under versions that only a change to who is listed replaces.
    listing = Listing(data, settings.DIRECTORY_PAGE_SIZE, now, page=request.GET.get("page"))
    # One scan counts both: the promeneurs found, and the structures of the map among theirs.
    counts = listing.get(
        "counts",
        lambda: search.found.aggregate(
            promeneurs=Count("pk"),
            structures=Count(
                "structure_id",
                distinct=True,
                filter=Q(structure__latitude__isnull=False, structure__longitude__isnull=False),
            ),
        ),
    )
    pagination = paginate(
        request,
        SearchRows(search, listing, counts["promeneurs"]),
        per_page=settings.DIRECTORY_PAGE_SIZE,
        count=counts["promeneurs"],
    )
    paginator, page_obj = pagination["paginator"], pagination["page_obj"]
    # Who is on this page comes from the listing; their cards, mostly from the cache.
    page_obj.object_list = promeneur_cards(page_obj.object_list, now, show_structure=True)

    # A search with a few structures lists them in the page (the map and its text alternative);
    # a wider one (all France: thousands) would make a page of hundreds of kilobytes: its map
    # fetches them (`directory_map`), and the page says how many there are.
    map_count, map_source, points = counts["structures"], None, []
    if map_count > settings.DIRECTORY_MAP_INLINE_MAX:
        query = request.GET.urlencode()
        map_source = reverse("structures:directory_map") + (f"?{query}" if query else "")
    elif map_count:
        if paginator.num_pages == 1:
            # Every promeneur found is on this page, read with their structure: the map's
            # structures are theirs, without one more query over the whole search.
            structures = {card.structure_id: card.map_row for card in page_obj.object_list}.values()
        else:
            structures = listing.get(
                "map", lambda: list(map_structures(search.found).values_list(*MAP_FIELDS))
            )
        # By name, then by address: one order whichever way they came, whatever the database's collation.
        points = sorted(map_points(structures), key=lambda point: (point["name"], point["url"]))
    listing.keep()

    # Nobody here: the structures nearest to the commune searched, whatever else was asked.
    nearest, commune = [], None
    if not paginator.count and data.get("lieu") and not search.before_online.exists():
        commune = searched_commune(data)
        if commune:
            nearest = nearest_structures(filter_promeneurs(public_promeneurs(), data | {"lieu": ""}), commune)
    # Nobody online now: say so, and who comes online next.
    upcoming = []
    if not paginator.count and data.get("en_ligne"):
        upcoming = next_presences(search.before_online, now)

    # A postcode finds the structures of that postcode only: offer the whole département.
    wider_department = None
    place = data.get("lieu")
    if place and is_postcode(place) and not data.get("departement"):
        code = department_code_for_postcode(place)
        wider_department = Department.objects.filter(code=code).first()

    return render(
        request,
        "structures/directory.html",
        {
            "form": form,
            "search_form_html": search_form_html(request, form),
            "page_obj": page_obj,
            "paginator": paginator,
            "pagination": pagination,
            "promeneurs": page_obj.object_list,
            "map_points": points,
            "map_count": map_count,
            "map_source": map_source,
            "map_data": map_data(points, map_source),
            # Written in Python: a search over a département lists up to a hundred structures.
            "map_list": format_html_join(
                "", '<li><a href="{}">{}</a> ({})</li>', ((p["url"], p["name"], p["commune"]) for p in points)
            ),
            "wider_department": wider_department,
            "searched_commune": commune,
            "nearest_structures": nearest,
            "next_presences": upcoming,
            "online_only": bool(data.get("en_ligne")),
            "other_filters": any(
                data.get(k) not in (None, "") for k in ("lieu", "departement", "reseau", "theme", "age")
            ),
        },
    )


@login_not_required
@require_GET
@public_page(areas=("annuaire",))
def directory_map(request):
    """The map's structures of a directory search too wide to list them in its page (JSON)."""
    now = timezone.now()
    _form, data, search = directory_search(request, now)
    listing = Listing(data, settings.DIRECTORY_PAGE_SIZE, now)
    content = listing.get(
        "map_json",
        lambda: (
            JsonResponse(
                {"structures": map_points(map_structures(search.found))},
                json_dumps_params={"ensure_ascii": False},
            ).content
        ),
    )
    listing.keep()
    return HttpResponse(content, content_type="application/json")


@login_not_required
@public_page(areas=("annuaire",))
def structure_detail(request, slug):
    now = timezone.now()
    found = public_structure(slug)
    if found is None:
        raise Http404("Aucune structure ne correspond à cette adresse.")
    structure, rows = found
    promeneurs = promeneur_cards(rows, now, show_structure=False)
    points = map_points([structure])
    return render(
        request,
        "structures/structure_detail.html",
        {
            "structure": structure,
            "promeneurs": promeneurs,
            "map_points": points,
            "map_data": map_data(points),
        },
    )


def weekly_schedule(promeneur):
    """The promeneur's presence slots as rows of the hours table, in French."""
    rows = []
    for slot in promeneur.presence_slot_list():
        hours = time_range(slot.start, slot.end)
        if slot.crosses_midnight:
            hours += " (le lendemain)"
        rows.append({"day": slot.get_weekday_display(), "hours": hours})
    return rows


@login_not_required
@public_page(areas=("annuaire",))
def promeneur_detail(request, slug):
    now = timezone.now()
    promeneur = public_profile(slug, now)
    if promeneur is None:
        raise Http404("Aucun promeneur ne correspond à cette adresse.")
    annotate_presence([promeneur], now)
    # Whether a request may be addressed to them today (structures.reachability), from the rows
    # just read.
    today = timezone.localdate(now)
    promeneur.is_reachable = is_reachable_public(promeneur, today)
    colleagues = []
    if not promeneur.is_reachable:
        # Away (or not taking requests): the page points to the colleagues who can answer, and
        # to the structure's form. Kept with the profile for the day they were read.
        day, colleagues = getattr(promeneur, "colleagues_on", (None, []))
        if day != today:
            colleagues = promeneur.reachable_colleagues(today)
    slots = promeneur.presence_slot_list()
    total = sum((s.duration_hours for s in slots), 0.0)
    return render(
        request,
        "structures/promeneur_detail.html",
        {
            "promeneur": promeneur,
            "structure": promeneur.structure,
            "colleagues": colleagues,
            "schedule": weekly_schedule(promeneur),
            "weekly_total": french_duration(total) if slots else None,
        },
    )
