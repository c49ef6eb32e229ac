from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .enums import Weekday
from .forms import DirectorySearchForm
from .geo import department_code_for_postcode, is_postcode
from .models import Absence, Department, NetworkAccount, Promeneur, Structure


def with_card_data(promeneurs, now):
    """Promeneurs with all a card needs, so that showing one costs no further query."""
    return promeneurs.select_related("structure__department").prefetch_related(
        "themes",
        "networks",
        "presence_slots",
        # Only the absences that can still matter for "online now" and "next slot".
        Prefetch(
            "absences",
            queryset=Absence.objects.filter(ends_on__gte=timezone.localdate(now)),
        ),
    )


MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def french_time(value):
    """14:00 → "14 h 00", 09:30 → "9 h 30"."""
    return f"{value.hour} h {value.minute:02d}"


def french_duration(hours):
    """7.5 → "7 h 30", 6.0 → "6 h"."""
    minutes = round(hours * 60)
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


def describe_next_slot(start, now):
    """The start of a promeneur's next presence, in words: "mercredi à 14 h 00"."""
    local, today = timezone.localtime(start), timezone.localdate(now)
    day = Weekday(local.weekday()).label
    if (local.date() - today).days >= 7:
        # Further than a week away (an absence): the weekday alone would be ambiguous.
        day = f"{day} {local.day} {MONTHS[local.month - 1]}"
    return f"{day} à {french_time(local.time())}"


def annotate_presence(promeneurs, now):
    """Set `online_now` and `next_slot` (text or None) on each promeneur, from prefetched rows."""
    for promeneur in promeneurs:
        promeneur.online_now = promeneur.is_online_at(now)
        start = None if promeneur.online_now else promeneur.next_slot_after(now)
        promeneur.next_slot = describe_next_slot(start, now) if start else None
    return promeneurs


def map_points(structures):
    """The structures that have coordinates, as the map's JSON data."""
    return [
        {
            "name": s.name,
            "commune": s.commune,
            "url": s.get_absolute_url(),
            "lat": float(s.latitude),
            "lng": float(s.longitude),
        }
        for s in structures
        if s.has_coordinates
    ]


def map_data(points):
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
        "structures": points,
    }


def filter_promeneurs(promeneurs, data):
    """Apply the valid filters of the directory's search form (`cleaned_data`)."""
    if department := data.get("departement"):
        promeneurs = promeneurs.filter(structure__department=department)
    if place := data.get("lieu"):
        if is_postcode(place):
            promeneurs = promeneurs.filter(structure__postcode=place)
        else:
            promeneurs = promeneurs.filter(structure__commune__iexact=place)
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


@login_not_required
def directory(request):
    now = timezone.now()
    form = DirectorySearchForm(data=request.GET or None)
    # An invalid filter is reported next to its field; the valid ones still apply.
    data = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    promeneurs = filter_promeneurs(Promeneur.objects.public(), data)
    if data.get("en_ligne"):
        promeneurs = promeneurs.online_at(now)

    paginator = Paginator(
        with_card_data(promeneurs, now).order_by("first_name", "structure__name", "pk"),
        settings.DIRECTORY_PAGE_SIZE,
    )
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.object_list = annotate_presence(list(page_obj.object_list), now)

    structures = Structure.objects.filter(
        pk__in=promeneurs.values("structure_id"), latitude__isnull=False
    ).order_by("name", "pk")
    points = map_points(structures)

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
            "page_obj": page_obj,
            "paginator": paginator,
            "page_range": paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1),
            "promeneurs": page_obj.object_list,
            "map_points": points,
            "map_data": map_data(points),
            "wider_department": wider_department,
        },
    )


@login_not_required
def structure_detail(request, slug):
    now = timezone.now()
    structure = get_object_or_404(Structure.objects.public().select_related("department"), slug=slug)
    promeneurs = list(
        with_card_data(Promeneur.objects.public().filter(structure=structure), now).order_by(
            "first_name", "pk"
        )
    )
    annotate_presence(promeneurs, now)
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
    for slot in promeneur.presence_slots.all():
        hours = f"{french_time(slot.start)} – {french_time(slot.end)}"
        if slot.crosses_midnight:
            hours += " (le lendemain)"
        rows.append({"day": slot.get_weekday_display(), "hours": hours})
    return rows


@login_not_required
def promeneur_detail(request, slug):
    now = timezone.now()
    promeneur = get_object_or_404(with_card_data(Promeneur.objects.public(), now), slug=slug)
    annotate_presence([promeneur], now)
    slots = list(promeneur.presence_slots.all())
    total = sum((s.duration_hours for s in slots), 0.0)
    return render(
        request,
        "structures/promeneur_detail.html",
        {
            "promeneur": promeneur,
            "structure": promeneur.structure,
            "schedule": weekly_schedule(promeneur),
            "weekly_total": french_duration(total) if slots else None,
        },
    )
