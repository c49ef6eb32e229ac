"""Admin exports open in French spreadsheets: CSV (BOM, `;`, decimal commas) and XLSX, formulas neutralised."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from promeneurs.spreadsheets import FORMULA_PREFIXES, neutralise
from structures.resources import ConventionResource, StructureResource
from tests.accounts.factories import UserFactory
from tests.structures.factories import ConventionFactory, DepartmentFactory, StructureFactory

pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

CSV_FORMAT, XLSX_FORMAT = "0", "1"
PAYLOAD = '=HYPERLINK("http://pirate.example.test","Cliquez")'


def export(client, model, resource, file_format):
    data = {"format": file_format, "resource": "0"}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    response = client.post(reverse(f"admin:structures_{model}_export"), data)
    assert response.status_code == 200
    return response


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "a byte-order mark, so that Excel reads the accents"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def read_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(caf_staff=True))
    return client


@pytest.fixture
def structure(db):
    return StructureFactory(
        slug="cs-riberac",
        name=PAYLOAD,
        commune="Ribérac",
        department=DepartmentFactory(code="24"),
        postcode="24600",
        latitude=Decimal("45.25"),
        longitude=Decimal("0.34"),
    )


def test_structures_csv_has_semicolons_french_decimals_and_no_formula(staff_client, structure):
    rows = read_csv(export(staff_client, "structure", StructureResource, CSV_FORMAT))
    header, line = rows
    assert header[:4] == ["slug", "nom", "type", "departement"]
    row = dict(zip(header, line, strict=True))
    assert row["commune"] == "Ribérac"
    assert row["latitude"] == "45,250000" or row["latitude"].startswith("45,25")
    assert row["nom"] == "'" + PAYLOAD
    assert row["visible"] == "oui"


def test_structures_xlsx_keeps_numbers_and_stores_no_formula(staff_client, structure):
    response = export(staff_client, "structure", StructureResource, XLSX_FORMAT)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, line = read_xlsx(response)
    row = dict(zip(header, line, strict=True))
    assert row["nom"] == "'" + PAYLOAD
    assert float(row["latitude"]) == 45.25
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)


def test_conventions_export_amounts_the_french_way(staff_client, structure):
    ConventionFactory(structure=structure, year=2026, amount=Decimal("1700.50"), reference="-2+3")
    header, line = read_csv(export(staff_client, "convention", ConventionResource, CSV_FORMAT))
    row = dict(zip(header, line, strict=True))
    assert (row["structure"], row["annee"], row["montant"]) == ("cs-riberac", "2026", "1700,50")
    assert row["reference"] == "'-2+3"
    header, line = read_xlsx(export(staff_client, "convention", ConventionResource, XLSX_FORMAT))
    assert dict(zip(header, line, strict=True))["montant"] == 1700.5


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_neutralised(prefix):
    assert neutralise(f"{prefix}1+1") == f"'{prefix}1+1"
    assert neutralise("Centre social") == "Centre social"
    assert neutralise(-3) == -3


def test_every_admin_import_and_export_uses_the_french_spreadsheet_formats():
    from django.contrib import admin
    from import_export.admin import ImportExportMixinBase

    from promeneurs.spreadsheets import FrenchCSV, FrenchXLSX

    admins = [a for a in admin.site._registry.values() if isinstance(a, ImportExportMixinBase)]
    assert len(admins) >= 5
    for model_admin in admins:
        assert set(model_admin.get_export_formats()) == {FrenchCSV, FrenchXLSX}, model_admin
        if hasattr(model_admin, "get_import_formats"):
            assert set(model_admin.get_import_formats()) == {FrenchCSV, FrenchXLSX}, model_admin
