"""Imports of the programme's data through the admin, as CAF staff do them with their spreadsheets."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from structures.enums import Funder, StructureKind
from structures.models import Convention, Structure, Training, TrainingAttendance
from tests.accounts.factories import UserFactory
from tests.structures.factories import DepartmentFactory, PromeneurFactory, StructureFactory

pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

CSV_FORMAT, XLSX_FORMAT = "0", "1"

STRUCTURE_HEADER = "slug;nom;type;departement;code_postal;commune;latitude;longitude;email;visible"

# 20 rows as a coordination keeps them, with kinds as labels, accents and case of every sort.
VALID_ROWS = [
    "cs-ribérac;Centre social de Ribérac;Centre social;24;24600;Ribérac;45,2500;0,3400;cs@riberac.example.test;oui",
    "csc-bergerac;Centre socioculturel de Bergerac;centre SOCIOCULTUREL;Dordogne;24100;Bergerac;;;;OUI",
    "mjc-talence;MJC de Talence;Maison des jeunes et de la culture;gironde;33400;Talence;;;;Non",
    "ml-perigueux;Mission locale du Périgord;ML;24;24000;Périgueux;;;;oui",
    "pij-sarlat;PIJ de Sarlat;point ou bureau information jeunesse;24;24200;Sarlat-la-Canéda;;;;vrai",
    "fjt-bordeaux;FJT de Bordeaux;Résidence sociale – foyer de jeunes travailleurs;33;33000;Bordeaux;;;;1",
    "ccas-nontron;CCAS de Nontron;centre communal d'action sociale;24;24300;Nontron;;;;oui",
    "mda-bordeaux;Maison des ados;MDA;33;33000;Bordeaux;44,8378;-0,5792;;oui",
    "epn-thiviers;EPN de Thiviers;Espace public numérique;24;24800;Thiviers;;;;oui",
    "asso-mussidan;Association Mussidan Jeunes;association;24;24400;Mussidan;;;;non",
]
# One seeded error per row: (row, the line it must be reported on, the words of the sentence).
SEEDED_ERRORS = [
    ("cs-ribérac;Centre social bis;CS;24;24600;Ribérac;;;;oui", "Doublon de la ligne 2"),
    (
        "mq-gironde;Maison de quartier;MQ;24;33000;Bordeaux;;;;oui",
        "Le code postal 33000 n’est pas dans le département",
    ),
    ("evs-a;Espace de vie A;EVS;24;24000;Périgueux;;;;x", "« x » n’est ni « oui » ni « non »"),
    (
        "evs-b;Espace de vie B;EVS;24;24000;Périgueux;;;;peut-être",
        "« peut-être » n’est ni « oui » ni « non »",
    ),
    ("bonheur;Maison du bonheur;Maison du bonheur;24;24000;Périgueux;;;;oui", "Type de structure inconnu"),
    ("dep-99;Structure lointaine;CS;99;24000;Périgueux;;;;oui", "Département inconnu·e : « 99 »"),
    ("cp-court;Code postal court;CS;24;2400;Périgueux;;;;oui", "Le code postal compte cinq chiffres"),
    ("mail;Adresse fausse;CS;24;24000;Périgueux;;;pas-une-adresse;oui", "colonne « email »"),
    ("lat-seule;Latitude seule;CS;24;24000;Périgueux;45,1;;;oui", "Indiquez la latitude et la longitude"),
    ("sans-nom;;CS;24;24000;Périgueux;;;;oui", "colonne « nom »"),
]


@pytest.fixture
def caf_staff(db):
    return UserFactory(caf_staff=True)


@pytest.fixture
def departments(db):
    return DepartmentFactory(code="24"), DepartmentFactory(code="33")


def upload(client, model, content, *, file_format=CSV_FORMAT, name=None):
    """The dry run of an import: the page with the refusals or the confirmation form."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    extension = "xlsx" if file_format == XLSX_FORMAT else "csv"
    upload_file = SimpleUploadedFile(name or f"{model}.{extension}", content)
    response = client.post(
        reverse(f"admin:structures_{model}_import"),
        {"format": file_format, "resource": "0", "import_file": upload_file},
    )
    assert response.status_code == 200
    return response


def confirm(client, model, response):
    assert "confirm_form" in response.context, response.context.get("refusals")
    confirmed = client.post(
        reverse(f"admin:structures_{model}_process_import"), response.context["confirm_form"].initial
    )
    assert confirmed.status_code == 302
    return confirmed


def import_file(client, model, content, **kwargs):
    return confirm(client, model, upload(client, model, content, **kwargs))


def csv_file(header, rows):
    return "\ufeff" + "\n".join([header, *rows]) + "\n"


def xlsx_file(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header.split(";"))
    for row in rows:
        sheet.append([cell if cell != "" else None for cell in row.split(";")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_each_seeded_error_is_refused_on_its_line_and_nothing_is_imported(client, caf_staff, departments):
    client.force_login(caf_staff)
    rows = [*VALID_ROWS, *(row for row, _words in SEEDED_ERRORS)]
    response = upload(client, "structure", csv_file(STRUCTURE_HEADER, rows))

    refusals = dict(response.context["refusals"])
    # The header is line 1: the 10 valid rows are lines 2 to 11, the seeded errors 12 to 21.
    assert sorted(refusals) == list(range(12, 22)), refusals
    for line, (_row, words) in enumerate(SEEDED_ERRORS, start=12):
        assert any(words in sentence for sentence in refusals[line]), (line, refusals[line])
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "10 lignes refusées : rien n’a été importé" in page
    assert "<strong>Ligne 13</strong>" in page
    assert Structure.objects.count() == 0


def test_a_valid_file_imports_labels_accents_and_french_decimals(client, caf_staff, departments):
    dordogne, gironde = departments
    client.force_login(caf_staff)
    response = upload(client, "structure", csv_file(STRUCTURE_HEADER, VALID_ROWS))
    assert response.context["accepted"] == {"new": 10, "update": 0, "skip": 0}
    confirm(client, "structure", response)

    assert Structure.objects.count() == 10
    riberac = Structure.objects.get(slug="cs-riberac")
    assert riberac.kind == StructureKind.CS
    assert (riberac.latitude, riberac.longitude) == (Decimal("45.25"), Decimal("0.34"))
    assert Structure.objects.get(slug="csc-bergerac").department == dordogne
    talence = Structure.objects.get(slug="mjc-talence")
    assert (talence.kind, talence.department, talence.is_public) == (StructureKind.MJC, gironde, False)
    assert Structure.objects.get(slug="fjt-bordeaux").kind == StructureKind.RS_FJT
    assert Structure.objects.get(slug="ccas-nontron").kind == StructureKind.CCAS
    assert Structure.objects.get(slug="mda-bordeaux").longitude == Decimal("-0.5792")


def test_importing_the_same_file_twice_changes_nothing(client, caf_staff, departments):
    client.force_login(caf_staff)
    content = csv_file(STRUCTURE_HEADER, VALID_ROWS)
    import_file(client, "structure", content)
    before = {s.slug: (s.updated_at, s.name, s.kind) for s in Structure.objects.all()}

    again = upload(client, "structure", content)
    assert again.context["accepted"] == {"new": 0, "update": 0, "skip": 10}
    confirm(client, "structure", again)
    assert {s.slug: (s.updated_at, s.name, s.kind) for s in Structure.objects.all()} == before


def test_an_xlsx_file_is_read_like_a_csv_one(client, caf_staff, departments):
    client.force_login(caf_staff)
    rows = [*VALID_ROWS[:3], SEEDED_ERRORS[2][0]]
    response = upload(client, "structure", xlsx_file(STRUCTURE_HEADER, rows), file_format=XLSX_FORMAT)
    assert [line for line, _ in response.context["refusals"]] == [5]
    response = upload(
        client, "structure", xlsx_file(STRUCTURE_HEADER, VALID_ROWS[:3]), file_format=XLSX_FORMAT
    )
    confirm(client, "structure", response)
    assert Structure.objects.get(slug="cs-riberac").latitude == Decimal("45.25")


def test_a_comma_separated_file_is_read_too(client, caf_staff, departments):
    client.force_login(caf_staff)
    import_file(
        client,
        "structure",
        "slug,nom,type,departement,code_postal,commune\nmjc-x,MJC X,MJC,33,33400,Talence\n",
    )
    assert Structure.objects.get(slug="mjc-x").kind == StructureKind.MJC


CONVENTION_HEADER = "structure;financeur;annee;montant;debut;fin;statut;reference"


def test_conventions_import_with_amounts_per_year_and_funder(client, caf_staff, departments):
    structure = StructureFactory(slug="cs-riberac", department=departments[0])
    client.force_login(caf_staff)
    rows = [
        "cs-riberac;CAF;2025;1 700,50;01/01/2025;31/12/2025;Signée;C-2025",
        "cs-riberac;caf;2026;2000;2026-01-01;2026-12-31;signed;C-2026",
        "cs-riberac;Conseil départemental;2026;500,00;01/01/2026;31/12/2026;En préparation;",
    ]
    content = csv_file(CONVENTION_HEADER, rows)
    import_file(client, "convention", content)
    amounts = {(c.funder, c.year): c.amount for c in Convention.objects.filter(structure=structure)}
    assert amounts == {
        (Funder.CAF, 2025): Decimal("1700.50"),
        (Funder.CAF, 2026): Decimal("2000"),
        (Funder.CD, 2026): Decimal("500"),
    }
    again = upload(client, "convention", content)
    assert again.context["accepted"] == {"new": 0, "update": 0, "skip": 3}


def test_convention_import_refuses_a_duplicate_and_an_unreadable_amount(client, caf_staff, departments):
    StructureFactory(slug="cs-riberac", department=departments[0])
    client.force_login(caf_staff)
    rows = [
        "cs-riberac;CAF;2026;1700;01/01/2026;31/12/2026;signée;",
        "cs-riberac;caf;2026;1800;01/01/2026;31/12/2026;signée;",
        "cs-riberac;MSA;2026;mille;01/01/2026;31/12/2026;signée;",
        "inconnue;MSA;2026;100;01/01/2026;31/12/2026;signée;",
    ]
    refusals = dict(upload(client, "convention", csv_file(CONVENTION_HEADER, rows)).context["refusals"])
    assert sorted(refusals) == [3, 4, 5]
    assert "Doublon de la ligne 2" in refusals[3][0]
    assert "« mille » n’est pas un nombre" in refusals[4][0]
    assert "Structure inconnu·e : « inconnue »" in refusals[5][0]
    assert Convention.objects.count() == 0


def test_trainings_and_their_attendance_import(client, caf_staff, departments):
    dordogne = departments[0]
    promeneur = PromeneurFactory(slug="lea", structure=StructureFactory(department=dordogne))
    absent = PromeneurFactory(slug="marc", structure=promeneur.structure)
    client.force_login(caf_staff)
    import_file(
        client,
        "training",
        csv_file(
            "intitule;type;departement;date;lieu",
            [
                "Formation initiale;Formation initiale;24;12/03/2026;Périgueux",
                "Rencontre nationale;rencontre du réseau;;02/04/2026;Paris",
            ],
        ),
    )
    training = Training.objects.get(title="Formation initiale")
    assert (training.department, training.starts_on) == (dordogne, datetime.date(2026, 3, 12))
    assert Training.objects.get(title="Rencontre nationale").department is None

    content = csv_file(
        "formation;date_formation;promeneur;present",
        ["Formation initiale;12/03/2026;lea;oui", "Formation initiale;12/03/2026;marc;non"],
    )
    import_file(client, "trainingattendance", content)
    assert {(a.promeneur, a.attended) for a in TrainingAttendance.objects.all()} == {
        (promeneur, True),
        (absent, False),
    }
    again = upload(client, "trainingattendance", content)
    assert again.context["accepted"] == {"new": 0, "update": 0, "skip": 2}

    refused = upload(
        client,
        "trainingattendance",
        csv_file(
            "formation;date_formation;promeneur;present",
            ["Formation initiale;13/03/2026;lea;oui", "Formation initiale;12/03/2026;lea;x"],
        ),
    )
    assert refused.context["refusals"] == [
        (2, ["Formation « Formation initiale » du 13/03/2026 inconnue."]),
        (3, ["colonne « present » : « x » n’est ni « oui » ni « non »."]),
    ]
