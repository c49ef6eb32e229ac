"""The communes reference data and the place search that reads it."""

import io
import struct
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from structures.communes import position_from_wkb
from structures.geo import distance_km, place_key, split_department_suffix
from structures.models import Commune
from tests.structures.factories import CommuneFactory, DepartmentFactory


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Périgueux", "perigueux"),
        ("PÉRIGUEUX", "perigueux"),
        ("  st   Astier ", "saint astier"),
        ("Saint-Astier", "saint astier"),
        ("Ste-Foy-la-Grande", "sainte foy la grande"),
        ("L’Isle-d’Espagnac", "l isle d espagnac"),
        ("L'Isle-d'Espagnac", "l isle d espagnac"),
        ("Œuilly", "oeuilly"),
        ("Mareuil en Périgord", "mareuil en perigord"),
    ],
)
def test_place_key_ignores_case_accents_separators_and_saint_abbreviations(typed, key):
    assert place_key(typed) == key


def test_department_suffix_of_a_suggestion_is_read_back():
    assert split_department_suffix("Saint-Astier (24)") == ("Saint-Astier", "24")
    assert split_department_suffix("Ajaccio (2a)") == ("Ajaccio", "2A")
    assert split_department_suffix("Saint-Astier") == ("Saint-Astier", None)


def test_distance_between_perigueux_and_bergerac_is_about_45_km():
    assert 40 < distance_km(45.1842, 0.7213, 44.8502, 0.4830) < 45


def test_position_of_a_town_hall_point_and_of_an_outline():
    point = struct.pack("<BIdd", 1, 1, 0.7213, 45.1842).hex()
    assert position_from_wkb(point) == (Decimal("45.184200"), Decimal("0.721300"))
    ring = [(0.0, 45.0), (1.0, 45.0), (1.0, 46.0), (0.0, 45.0)]
    polygon = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(struct.pack("<dd", *p) for p in ring)
    multipolygon = struct.pack("<BII", 1, 6, 1) + polygon
    assert position_from_wkb(multipolygon.hex()) == (Decimal("45.500000"), Decimal("0.500000"))
    assert position_from_wkb("\\N") == (None, None)
    assert position_from_wkb("01zz") == (None, None)


def test_load_communes_reads_the_installed_package_and_can_run_again(db):
    call_command("load_communes", "--departements", "24", stdout=io.StringIO())
    count = Commune.objects.count()
    # The Dordogne has about 500 communes.
    assert 450 < count < 600
    perigueux = Commune.objects.get(insee_code="24322")
    assert perigueux.name == "Périgueux"
    assert perigueux.department.code == "24"
    assert perigueux.postcode_list == ["24000"]
    assert perigueux.population > 20000
    assert abs(perigueux.latitude - Decimal("45.18")) < Decimal("0.05")
    assert abs(perigueux.longitude - Decimal("0.72")) < Decimal("0.05")
    # Names carry their article, given apart in the data.
    assert Commune.objects.filter(name="Le Bugue", department__code="24").exists()
    assert not Commune.objects.filter(latitude__isnull=True).exists()

    call_command("load_communes", "--departements", "24", stdout=io.StringIO())
    assert Commune.objects.count() == count


def test_load_communes_refuses_an_unknown_department(db):
    with pytest.raises(CommandError, match="Département inconnu : 99"):
        call_command("load_communes", "--departements", "99")


@pytest.fixture
def communes(db):
    dordogne, lot_et_garonne = DepartmentFactory(code="24"), DepartmentFactory(code="47")
    return {
        "perigueux": CommuneFactory(
            insee_code="24322", name="Périgueux", population=29966, department=dordogne
        ),
        "perigny": CommuneFactory(
            insee_code="17274",
            name="Périgny",
            postcodes=" 17180 ",
            population=8000,
            department=DepartmentFactory(code="17"),
        ),
        "mareuil": CommuneFactory(
            insee_code="24253",
            name="Mareuil en Périgord",
            postcodes=" 24340 ",
            population=2342,
            department=dordogne,
        ),
        "astier24": CommuneFactory(
            insee_code="24372", name="Saint-Astier", postcodes=" 24110 ", population=5492, department=dordogne
        ),
        "astier47": CommuneFactory(
            insee_code="47229",
            name="Saint-Astier",
            postcodes=" 47120 ",
            population=222,
            department=lot_et_garonne,
        ),
        "bergerac": CommuneFactory(
            insee_code="24037",
            name="Bergerac",
            postcodes=" 24100 ",
            population=26000,
            department=dordogne,
            latitude=Decimal("44.850165"),
            longitude=Decimal("0.483000"),
        ),
    }


def names(queryset):
    return [c.name for c in queryset]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("perigueux", "Périgueux"),
        ("PÉRIGUEUX", "Périgueux"),
        ("  Périgueux ", "Périgueux"),
        ("perig", "Périgueux"),
        ("Mareuil", "Mareuil en Périgord"),
        ("mareuil-en-perigord", "Mareuil en Périgord"),
        ("24000", "Périgueux"),
        ("2434", "Mareuil en Périgord"),
        ("St Astier", "Saint-Astier"),
        ("astier", "Saint-Astier"),
        ("Bergerac", "Bergerac"),
    ],
)
def test_search_finds_what_people_type(communes, typed, first):
    assert names(Commune.objects.search(typed))[:1] == [first]


def test_search_puts_the_exact_name_then_the_largest_commune_first(communes):
    # Names that begin so (the largest first), then names with a word that begins so.
    assert names(Commune.objects.search("perig")) == ["Périgueux", "Périgny", "Mareuil en Périgord"]
    astiers = list(Commune.objects.search("st astier"))
    assert [c.department.code for c in astiers] == ["24", "47"]


def test_search_keeps_to_the_department_of_a_suggestion(communes):
    assert [c.insee_code for c in Commune.objects.search("Saint-Astier (47)")] == ["47229"]
    assert [c.insee_code for c in Commune.objects.search("st astier", department="47")] == ["47229"]


@pytest.mark.parametrize("typed", ["", "   ", "'-", "2", "240000", "zzz", "\x00", "%", "_"])
def test_search_of_nothing_or_nonsense_finds_nothing(communes, typed):
    assert names(Commune.objects.search(typed)) == []
