"""The public directory as data·inclusion v1 data, validated with the `data-inclusion-schema` package."""

import csv
import io

import pytest
from data_inclusion.schema import v1
from django.db import connection
from django.test.utils import CaptureQueriesContext

from structures.models import Theme
from tests.referrals.factories import ContactRequestFactory
from tests.structures.factories import (
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/data-inclusion/"
CANARY_MESSAGE = "CANARI-MESSAGE-DU-JEUNE-7Q"
CANARY_HANDLE = "canari_pseudo_jeune"


@pytest.fixture
def directory():
    dordogne = DepartmentFactory(code="24")
    structure = StructureFactory(
        slug="cs-riberac",
        name="Centre social de Ribérac",
        kind="CS",
        department=dordogne,
        postcode="24600",
        commune="Ribérac",
        address="2 rue du Marché",
        email="contact@cs-riberac.fr",
        phone="05 53 00 00 00",
        description="Un centre social ouvert à toutes les générations.",
    )
    promeneur = PromeneurFactory(structure=structure, first_name="Léa", job="Animatrice")
    promeneur.themes.set(Theme.objects.filter(slug__in=["mal-etre-sante-mentale", "emploi-formation"]))
    NetworkAccountFactory(promeneur=promeneur)
    PresenceSlotFactory(promeneur=promeneur)
    ContactRequestFactory(
        structure=structure, message=CANARY_MESSAGE, handle=CANARY_HANDLE, first_name="Canari"
    )
    # Not in the public directory: a hidden structure, a structure without labelled promeneur.
    hidden = StructureFactory(slug="cachee", name="Structure cachée", department=dordogne, is_public=False)
    PromeneurFactory(structure=hidden)
    PromeneurFactory(structure=StructureFactory(slug="sans-label", department=dordogne), candidate=True)
    return structure, promeneur


def test_structures_json_validates_against_the_schema(client, directory):
    response = client.get(BASE + "structures.json")
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == ["promeneurs-du-net--cs-riberac"]
    structure = v1.Structure.model_validate(rows[0])
    assert structure.nom == "Centre social de Ribérac"
    assert structure.code_postal == "24600"
    assert str(structure.lien_source) == "http://testserver/structures/cs-riberac/" or str(
        structure.lien_source
    ).endswith("/structures/cs-riberac/")
    assert [r.value for r in structure.reseaux_porteurs] == ["fcsf"]


def test_services_json_validates_against_the_schema(client, directory):
    rows = client.get(BASE + "services.json").json()
    assert len(rows) == 1
    service = v1.Service.model_validate(rows[0])
    assert service.structure_id == "promeneurs-du-net--cs-riberac"
    assert {t.value for t in service.thematiques} == {
        "sante--sante-mentale",
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "choisir-un-metier--connaitre-les-opportunites-demploi",
    }
    assert [p.value for p in service.publics] == ["jeunes"]
    assert service.zone_eligibilite == ["24"]
    assert service.volume_horaire_hebdomadaire == 3.0
    assert "Instagram" in service.description


@pytest.mark.parametrize("name", ["structures", "services"])
def test_csv_files_have_the_schema_columns_and_validate(client, directory, name):
    response = client.get(BASE + f"{name}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    model = v1.Structure if name == "structures" else v1.Service
    assert list(rows[0]) == list(model.model_fields)
    lists = {"reseaux_porteurs", "thematiques", "publics", "modes_accueil", "zone_eligibilite"}
    lists |= {"modes_mobilisation", "mobilisable_par"}
    for row in rows:
        data = {
            key: (value.split(",") if key in lists else value) for key, value in row.items() if value != ""
        }
        model.model_validate(data)


def test_no_young_persons_data_and_nothing_private_leaves(client, directory):
    structure, promeneur = directory
    for path in ("structures.json", "services.json", "structures.csv", "services.csv"):
        body = client.get(BASE + path).content.decode("utf-8-sig")
        assert CANARY_MESSAGE not in body and CANARY_HANDLE not in body
        assert promeneur.user.email not in body
        assert "Structure cachée" not in body and "sans-label" not in body


def test_open_to_anonymous_visitors_with_constant_queries(client, directory):
    with CaptureQueriesContext(connection) as few:
        client.get(BASE + "services.json")
    for n in range(5):
        structure = StructureFactory(slug=f"mjc-{n}", department=directory[0].department)
        promeneur = PromeneurFactory(structure=structure)
        promeneur.themes.set(Theme.objects.all()[:3])
        PresenceSlotFactory(promeneur=promeneur)
        NetworkAccountFactory(promeneur=promeneur)
    with CaptureQueriesContext(connection) as many:
        response = client.get(BASE + "services.json")
    assert len(response.json()) == 6
    assert len(many) == len(few)


def test_every_mapped_code_exists_in_the_schema():
    from opendata.data_inclusion import RESEAUX_PORTEURS, THEMATIQUES

    assert {c for codes in THEMATIQUES.values() for c in codes} <= {t.value for t in v1.Thematique}
    assert set(RESEAUX_PORTEURS.values()) <= {r.value for r in v1.ReseauPorteur}
    assert set(THEMATIQUES) == set(Theme.objects.values_list("slug", flat=True))
