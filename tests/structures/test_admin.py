import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from structures.enums import Funder, PromeneurStatus, StructureKind
from structures.models import Convention, Promeneur, Structure, Theme
from structures.resources import PromeneurResource, StructureResource
from tests.accounts.factories import UserFactory
from tests.structures.factories import (
    ConventionFactory,
    CoordinationFactory,
    DepartmentFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

# WhiteNoise warns when STATIC_ROOT has not been collected yet, which is not what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

# --- Helpers ----------------------------------------------------------------------------------


def admin_form_data(response):
    """The POST data of an admin add/change page as it is displayed, inlines included."""
    data = {}

    def add_form(form):
        for name in form.fields:
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is None:
                data[key] = ""
            elif isinstance(value, FieldFile):  # a file input: nothing uploaded
                continue
            else:
                data[key] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.initial_forms:
            add_form(form)
        data[formset.management_form.add_prefix("TOTAL_FORMS")] = str(len(formset.initial_forms))
    return data


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def changelist(model):
    return reverse(f"admin:structures_{model}_changelist")


def export_data(resource):
    """The POST data of the export form: CSV, every column."""
    data = {"format": "0", "resource": "0"}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return data


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def caf_staff(db):
    return UserFactory(caf_staff=True)


@pytest.fixture
def coordinator(dordogne):
    """Coordinator of the Dordogne (24) only."""
    return CoordinationFactory(department=dordogne).user


@pytest.fixture
def structure_24(dordogne):
    return StructureFactory(name="Centre social La Périgourdine", department=dordogne)


@pytest.fixture
def structure_33(gironde):
    return StructureFactory(
        name="Maison de quartier Bordelaise", department=gironde, postcode="33000", commune="Bordeaux"
    )


@pytest.fixture
def promeneur_24(structure_24):
    return PromeneurFactory(
        first_name="Anaïs", display_name="Anaïs de la Périgourdine", structure=structure_24
    )


@pytest.fixture
def promeneur_33(structure_33):
    return PromeneurFactory(first_name="Gaspard", display_name="Gaspard de Bordeaux", structure=structure_33)


@pytest.fixture
def convention_24(structure_24):
    return ConventionFactory(structure=structure_24, reference="CONV-DORDOGNE-01")


@pytest.fixture
def convention_33(structure_33):
    return ConventionFactory(structure=structure_33, reference="CONV-GIRONDE-01")


# --- Who may open these pages -----------------------------------------------------------------

ADMIN_PAGES = [
    "admin:structures_structure_changelist",
    "admin:structures_structure_add",
    "admin:structures_convention_changelist",
    "admin:structures_promeneur_changelist",
    "admin:structures_training_changelist",
    "admin:structures_department_changelist",
    "admin:structures_charteracceptance_changelist",
    "admin:structures_structure_import",
    "admin:structures_structure_export",
    "admin:accounts_user_changelist",
]


@pytest.mark.parametrize("url_name", ADMIN_PAGES)
def test_anonymous_visitor_is_redirected_to_the_login_page(client, db, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("role", ["promeneur", "referent"])
@pytest.mark.parametrize("url_name", ADMIN_PAGES)
def test_promeneur_and_referent_are_sent_to_the_admin_login(client, structure_24, role, url_name):
    if role == "promeneur":
        user = PromeneurFactory(structure=structure_24).user
    else:
        user = StructureMembershipFactory(structure=structure_24).user
    client.force_login(user)
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("url_name", ADMIN_PAGES)
def test_moderator_opens_the_admin_but_is_refused_these_pages(client, db, url_name):
    client.force_login(UserFactory(moderator=True))
    assert client.get(reverse(url_name)).status_code == 403


def test_moderator_admin_index_lists_none_of_the_structures_models(client, structure_24):
    client.force_login(UserFactory(moderator=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert changelist("structure") not in response.content.decode()
    assert reverse("admin:accounts_user_changelist") not in response.content.decode()


def test_moderator_cannot_reach_a_structure_by_its_url(client, structure_24):
    client.force_login(UserFactory(moderator=True))
    url = reverse("admin:structures_structure_change", args=[structure_24.pk])
    assert client.get(url).status_code == 403


def test_coordinator_admin_index_lists_the_models_they_work_on(client, coordinator):
    client.force_login(coordinator)
    content = client.get(reverse("admin:index")).content.decode()
    for model in ("structure", "convention", "promeneur", "training"):
        assert changelist(model) in content
    # Coordinations are the CAF's business: listed for viewing only, never added by a coordinator.
    assert reverse("admin:structures_coordination_add") not in content


# --- CAF national staff ---------------------------------------------------------------------


def test_caf_staff_lists_structures_conventions_and_promeneurs_of_every_departement(
    client, caf_staff, promeneur_24, promeneur_33, convention_24, convention_33
):
    client.force_login(caf_staff)
    for model, names in [
        ("structure", ["Centre social La Périgourdine", "Maison de quartier Bordelaise"]),
        ("convention", ["Centre social La Périgourdine", "Maison de quartier Bordelaise"]),
        ("promeneur", ["Anaïs de la Périgourdine", "Gaspard de Bordeaux"]),
    ]:
        content = client.get(changelist(model)).content.decode()
        for name in names:
            assert name in content


def test_caf_staff_creates_a_structure_in_any_departement(client, caf_staff, gironde):
    client.force_login(caf_staff)
    url = reverse("admin:structures_structure_add")
    data = admin_form_data(client.get(url))
    data.update(
        name="Mission locale des Graves", kind=StructureKind.ML, postcode="33170", commune="Gradignan"
    )
    data["department"] = str(gironde.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    structure = Structure.objects.get(name="Mission locale des Graves")
    assert structure.department == gironde
    assert structure.slug == "mission-locale-des-graves-gradignan"


def test_caf_staff_changes_a_structure_of_another_departement(client, caf_staff, structure_33):
    client.force_login(caf_staff)
    url = reverse("admin:structures_structure_change", args=[structure_33.pk])
    data = admin_form_data(client.get(url))
    data["commune"] = "Mérignac"
    assert client.post(url, data).status_code == 302
    structure_33.refresh_from_db()
    assert structure_33.commune == "Mérignac"


def test_caf_staff_changes_a_convention_amount(client, caf_staff, convention_33):
    client.force_login(caf_staff)
    url = reverse("admin:structures_convention_change", args=[convention_33.pk])
    data = admin_form_data(client.get(url))
    data["amount"] = "2000.00"
    assert client.post(url, data).status_code == 302
    convention_33.refresh_from_db()
    assert convention_33.amount == Decimal("2000.00")


def test_caf_staff_adds_a_convention_to_any_structure(client, caf_staff, structure_33):
    client.force_login(caf_staff)
    url = reverse("admin:structures_convention_add")
    data = admin_form_data(client.get(url))
    data.update(
        structure=str(structure_33.pk),
        funder=Funder.MSA,
        year="2026",
        amount="1700",
        starts_on="01/01/2026",
        ends_on="31/12/2026",
    )
    assert client.post(url, data).status_code == 302
    assert Convention.objects.get(structure=structure_33, funder=Funder.MSA).amount == Decimal("1700")


def test_caf_staff_adds_a_promeneur_with_themes(client, caf_staff, structure_33):
    theme = Theme.objects.get(slug="loisirs")
    client.force_login(caf_staff)
    url = reverse("admin:structures_promeneur_add")
    data = admin_form_data(client.get(url))
    data.update(
        first_name="Inès",
        structure=str(structure_33.pk),
        job="Éducatrice",
        status=PromeneurStatus.CANDIDATE,
        themes=[str(theme.pk)],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    promeneur = Promeneur.objects.get(first_name="Inès")
    assert promeneur.structure == structure_33
    assert list(promeneur.themes.all()) == [theme]


def test_caf_staff_changes_a_promeneur_with_its_inlines(client, caf_staff, promeneur_33):
    PresenceSlotFactory(promeneur=promeneur_33)
    client.force_login(caf_staff)
    url = reverse("admin:structures_promeneur_change", args=[promeneur_33.pk])
    data = admin_form_data(client.get(url))
    data["job"] = "Conseiller en insertion"
    assert client.post(url, data).status_code == 302
    promeneur_33.refresh_from_db()
    assert promeneur_33.job == "Conseiller en insertion"
    assert promeneur_33.presence_slots.count() == 1


def test_status_change_in_the_form_follows_the_transition_table(client, caf_staff, structure_24):
    promeneur = PromeneurFactory(structure=structure_24, candidate=True)
    client.force_login(caf_staff)
    url = reverse("admin:structures_promeneur_change", args=[promeneur.pk])
    data = admin_form_data(client.get(url))
    data["status"] = PromeneurStatus.LABELLED
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Passage impossible" in response.content.decode()
    promeneur.refresh_from_db()
    assert promeneur.status == PromeneurStatus.CANDIDATE


# --- Coordinators: only their départements --------------------------------------------------


def test_coordinator_lists_only_their_departements_structures_promeneurs_and_conventions(
    client, coordinator, promeneur_24, promeneur_33, convention_24, convention_33
):
    client.force_login(coordinator)
    for model, present, absent in [
        ("structure", "Centre social La Périgourdine", "Maison de quartier Bordelaise"),
        ("convention", "Centre social La Périgourdine", "Maison de quartier Bordelaise"),
        ("promeneur", "Anaïs de la Périgourdine", "Gaspard de Bordeaux"),
    ]:
        response = client.get(changelist(model))
        assert response.status_code == 200
        content = response.content.decode()
        assert present in content
        assert absent not in content
        # The département filter only offers their own.
        assert "Gironde" not in content


def test_coordinator_cannot_open_a_structure_of_another_departement(client, coordinator, structure_33):
    client.force_login(coordinator)
    response = client.get(reverse("admin:structures_structure_change", args=[structure_33.pk]))
    # Django's admin answers as for an object that does not exist: back to the index.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert any("n’existe pas" in message for message in messages_of(response))


@pytest.mark.parametrize(
    "url_name, fixture",
    [
        ("admin:structures_promeneur_change", "promeneur_33"),
        ("admin:structures_convention_change", "convention_33"),
        ("admin:structures_promeneur_history", "promeneur_33"),
        ("admin:structures_department_change", "gironde"),
    ],
)
def test_coordinator_cannot_reach_other_departements_objects_by_url(
    client, coordinator, request, url_name, fixture
):
    obj = request.getfixturevalue(fixture)
    client.force_login(coordinator)
    response = client.get(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_coordinator_opens_and_changes_a_structure_of_their_departement(client, coordinator, structure_24):
    client.force_login(coordinator)
    url = reverse("admin:structures_structure_change", args=[structure_24.pk])
    data = admin_form_data(client.get(url))
    data["phone"] = "05 53 00 00 00"
    assert client.post(url, data).status_code == 302
    structure_24.refresh_from_db()
    assert structure_24.phone == "05 53 00 00 00"


def test_coordinator_cannot_create_a_structure_in_another_departement(client, coordinator, gironde):
    client.force_login(coordinator)
    url = reverse("admin:structures_structure_add")
    data = admin_form_data(client.get(url))
    data.update(name="Structure pirate", kind=StructureKind.ASSO, postcode="33000", commune="Bordeaux")
    data["department"] = str(gironde.pk)
    before = Structure.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["department"] == ["Ce choix est hors de vos départements : choisissez-en un dans la liste."]
    assert Structure.objects.count() == before


def test_coordinator_creates_a_structure_in_their_departement(client, coordinator, dordogne):
    client.force_login(coordinator)
    url = reverse("admin:structures_structure_add")
    data = admin_form_data(client.get(url))
    data.update(name="EVS du Ribéracois", kind=StructureKind.EVS, postcode="24600", commune="Ribérac")
    data["department"] = str(dordogne.pk)
    assert client.post(url, data).status_code == 302
    assert Structure.objects.get(name="EVS du Ribéracois").department == dordogne


def test_coordinator_cannot_move_a_structure_to_another_departement(
    client, coordinator, structure_24, gironde
):
    client.force_login(coordinator)
    url = reverse("admin:structures_structure_change", args=[structure_24.pk])
    data = admin_form_data(client.get(url))
    data["department"] = str(gironde.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    structure_24.refresh_from_db()
    assert structure_24.department.code == "24"


def test_coordinator_cannot_attach_a_convention_to_another_departements_structure(
    client, coordinator, structure_33
):
    client.force_login(coordinator)
    url = reverse("admin:structures_convention_add")
    data = admin_form_data(client.get(url))
    data.update(
        structure=str(structure_33.pk),
        year="2026",
        amount="1700",
        starts_on="01/01/2026",
        ends_on="31/12/2026",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "structure" in response.context["adminform"].form.errors
    assert not Convention.objects.filter(structure=structure_33).exists()


def test_coordinator_structure_form_offers_only_their_departements(client, coordinator, gironde):
    client.force_login(coordinator)
    response = client.get(reverse("admin:structures_structure_add"))
    queryset = response.context["adminform"].form.fields["department"].queryset
    assert [d.code for d in queryset] == ["24"]


@pytest.mark.parametrize(
    "model_name, field_name, expected",
    [
        ("structure", "department", ["24 — Dordogne"]),
        ("convention", "structure", ["Centre social La Périgourdine (Périgueux)"]),
        ("promeneur", "structure", ["Centre social La Périgourdine (Périgueux)"]),
    ],
)
def test_coordinator_autocomplete_only_returns_rows_of_their_departements(
    client, coordinator, structure_24, structure_33, model_name, field_name, expected
):
    client.force_login(coordinator)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "structures", "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == expected


def test_caf_staff_autocomplete_returns_structures_of_every_departement(
    client, caf_staff, structure_24, structure_33
):
    client.force_login(caf_staff)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "structures", "model_name": "convention", "field_name": "structure", "term": ""},
    )
    assert len(response.json()["results"]) == 2


def test_coordinator_sees_national_trainings_but_cannot_change_them(client, coordinator, dordogne):
    from structures.models import Training

    national = Training.objects.create(
        title="Formation nationale des promeneurs", starts_on=datetime.date(2026, 3, 1)
    )
    local = Training.objects.create(
        title="Rencontre du réseau 24", department=dordogne, starts_on=datetime.date(2026, 4, 1)
    )
    other = Training.objects.create(
        title="Rencontre du réseau 33",
        department=DepartmentFactory(code="33"),
        starts_on=datetime.date(2026, 4, 2),
    )
    client.force_login(coordinator)
    content = client.get(changelist("training")).content.decode()
    assert national.title in content and local.title in content
    assert other.title not in content
    url = reverse("admin:structures_training_change", args=[national.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url, {"title": "Renommée"}).status_code == 403


# --- Import and export ----------------------------------------------------------------------


def test_coordinator_cannot_import(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("admin:structures_structure_import")).status_code == 403
    assert client.get(reverse("admin:structures_promeneur_import")).status_code == 403
    assert client.post(reverse("admin:structures_structure_process_import"), {}).status_code == 403
    content = client.get(changelist("structure")).content.decode()
    assert reverse("admin:structures_structure_import") not in content
    assert reverse("admin:structures_structure_export") in content


def test_coordinator_export_contains_only_their_departements_structures(
    client, coordinator, structure_24, structure_33
):
    client.force_login(coordinator)
    response = client.post(reverse("admin:structures_structure_export"), export_data(StructureResource))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [(row["slug"], row["departement"]) for row in rows] == [(structure_24.slug, "24")]


def test_coordinator_export_contains_only_their_departements_promeneurs(
    client, coordinator, promeneur_24, promeneur_33
):
    promeneur_24.themes.set([Theme.objects.get(slug="loisirs")])
    client.force_login(coordinator)
    response = client.post(reverse("admin:structures_promeneur_export"), export_data(PromeneurResource))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [(row["slug"], row["structure"], row["themes"]) for row in rows] == [
        (promeneur_24.slug, promeneur_24.structure.slug, "loisirs")
    ]


def import_csv(client, model, content):
    """Both steps of django-import-export: the dry run, then the confirmed import."""
    upload = SimpleUploadedFile(f"{model}.csv", content.encode("utf-8"), content_type="text/csv")
    response = client.post(
        reverse(f"admin:structures_{model}_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    assert response.status_code == 200
    if "confirm_form" not in response.context:
        return response
    return client.post(
        reverse(f"admin:structures_{model}_process_import"), response.context["confirm_form"].initial
    )


def test_caf_staff_imports_structures_with_their_departement_and_kind(client, caf_staff, gironde, dordogne):
    client.force_login(caf_staff)
    content = (
        "slug,nom,type,departement,code_postal,commune,visible\n"
        "mjc-de-talence,MJC de Talence,MJC,33,33400,Talence,oui\n"
        "ccas-de-sarlat,CCAS de Sarlat,CCAS,24,24200,Sarlat-la-Canéda,non\n"
    )
    response = import_csv(client, "structure", content)
    assert response.status_code == 302
    talence = Structure.objects.get(slug="mjc-de-talence")
    assert (talence.department, talence.kind, talence.is_public) == (gironde, StructureKind.MJC, True)
    sarlat = Structure.objects.get(slug="ccas-de-sarlat")
    assert (sarlat.department, sarlat.kind, sarlat.is_public) == (dordogne, StructureKind.CCAS, False)


def test_structure_import_updates_a_structure_found_by_slug(client, caf_staff, structure_24, gironde):
    client.force_login(caf_staff)
    content = (
        "slug,nom,type,departement,code_postal,commune\n"
        f"{structure_24.slug},Nouveau nom,CSC,33,33000,Bordeaux\n"
    )
    assert import_csv(client, "structure", content).status_code == 302
    structure_24.refresh_from_db()
    assert (structure_24.name, structure_24.kind, structure_24.department) == ("Nouveau nom", "CSC", gironde)
    assert Structure.objects.count() == 1


def test_structure_import_reports_an_unknown_departement_in_french_and_saves_nothing(client, caf_staff, db):
    client.force_login(caf_staff)
    content = "slug,nom,type,departement,code_postal,commune\nmjc-x,MJC X,MJC,99,33400,Talence\n"
    response = import_csv(client, "structure", content)
    assert response.status_code == 200
    assert "Département inconnu·e : « 99 »." in response.content.decode()
    assert not Structure.objects.filter(slug="mjc-x").exists()


def test_caf_staff_imports_promeneurs_with_structure_and_themes_by_slug(client, caf_staff, structure_24):
    loisirs = Theme.objects.get(slug="loisirs")
    emploi = Theme.objects.get(slug="emploi-formation")
    client.force_login(caf_staff)
    content = (
        "slug,prenom,structure,metier,themes,statut\n"
        f'lea-perigueux,Léa,{structure_24.slug},Animatrice,"loisirs,emploi-formation",candidate\n'
    )
    assert import_csv(client, "promeneur", content).status_code == 302
    promeneur = Promeneur.objects.get(slug="lea-perigueux")
    assert promeneur.structure == structure_24
    assert set(promeneur.themes.all()) == {loisirs, emploi}


def test_promeneur_import_refuses_an_unknown_theme(client, caf_staff, structure_24):
    client.force_login(caf_staff)
    content = f"slug,prenom,structure,metier,themes\nlea,Léa,{structure_24.slug},Animatrice,astrologie\n"
    response = import_csv(client, "promeneur", content)
    assert response.status_code == 200
    assert "Thèmes inconnu·s : « astrologie »." in response.content.decode()
    assert not Promeneur.objects.filter(slug="lea").exists()


# --- Status actions ---------------------------------------------------------------------------


def run_action(client, action, promeneurs):
    return client.post(
        changelist("promeneur"),
        {"action": action, "_selected_action": [str(p.pk) for p in promeneurs], "index": "0"},
    )


@pytest.fixture
def promeneurs_in_every_status(structure_24):
    return {
        status: PromeneurFactory(structure=structure_24, status=status, labelled_on=datetime.date(2025, 6, 1))
        for status in PromeneurStatus
        if status != PromeneurStatus.CANDIDATE
    } | {PromeneurStatus.CANDIDATE: PromeneurFactory(structure=structure_24, candidate=True)}


def statuses(promeneurs):
    return {status: Promeneur.objects.get(pk=p.pk).status for status, p in promeneurs.items()}


def test_label_action_labels_trained_and_suspended_promeneurs_and_reports_the_skipped(
    client, caf_staff, promeneurs_in_every_status
):
    client.force_login(caf_staff)
    response = run_action(client, "label_promeneurs", promeneurs_in_every_status.values())
    assert response.status_code == 302
    assert statuses(promeneurs_in_every_status) == {
        PromeneurStatus.CANDIDATE: PromeneurStatus.CANDIDATE,
        PromeneurStatus.TRAINED: PromeneurStatus.LABELLED,
        PromeneurStatus.LABELLED: PromeneurStatus.LABELLED,
        PromeneurStatus.SUSPENDED: PromeneurStatus.LABELLED,
        PromeneurStatus.LEFT: PromeneurStatus.LEFT,
    }
    assert messages_of(response) == [
        "2 promeneur·ses passé·es à « Labellisé·e ». "
        "3 ignoré·es : ce passage n’est pas autorisé depuis leur statut."
    ]


def test_label_action_dates_the_label(client, caf_staff, promeneurs_in_every_status):
    client.force_login(caf_staff)
    trained = promeneurs_in_every_status[PromeneurStatus.TRAINED]
    run_action(client, "label_promeneurs", [trained])
    trained.refresh_from_db()
    assert trained.labelled_on == datetime.date.today()


def test_suspend_action_only_suspends_labelled_promeneurs(client, caf_staff, promeneurs_in_every_status):
    client.force_login(caf_staff)
    response = run_action(client, "suspend_promeneurs", promeneurs_in_every_status.values())
    after = statuses(promeneurs_in_every_status)
    assert after[PromeneurStatus.LABELLED] == PromeneurStatus.SUSPENDED
    assert [s for s, now in after.items() if s != now] == [PromeneurStatus.LABELLED]
    assert messages_of(response) == [
        "1 promeneur·se passé·e à « Suspendu·e ». 4 ignoré·es : ce passage n’est pas autorisé depuis leur statut."
    ]


def test_left_action_closes_accounts_returns_requests_and_hides_profiles(
    client, caf_staff, promeneurs_in_every_status
):
    from referrals.enums import RequestStatus
    from tests.referrals.factories import ContactRequestFactory

    labelled = promeneurs_in_every_status[PromeneurStatus.LABELLED]
    request = ContactRequestFactory(
        structure=labelled.structure, assignee=labelled, status=RequestStatus.IN_CONTACT
    )
    client.force_login(caf_staff)
    response = run_action(client, "mark_promeneurs_as_left", promeneurs_in_every_status.values())
    assert set(statuses(promeneurs_in_every_status).values()) == {PromeneurStatus.LEFT}
    assert messages_of(response) == [
        "4 départ(s) enregistré(s) : comptes désactivés, 1 demande(s) remise(s) à la file de leur "
        "structure, profils masqués."
    ]
    labelled.user.refresh_from_db()
    request.refresh_from_db()
    assert not labelled.user.is_active
    assert (request.status, request.assignee) == (RequestStatus.NEW, None)


def test_status_action_is_written_in_the_admin_history(client, caf_staff, promeneurs_in_every_status):
    from django.contrib.admin.models import LogEntry

    client.force_login(caf_staff)
    trained = promeneurs_in_every_status[PromeneurStatus.TRAINED]
    run_action(client, "label_promeneurs", [trained])
    entry = LogEntry.objects.get(object_id=str(trained.pk))
    assert entry.user == caf_staff
    assert entry.get_change_message() == "Statut : « Formé·e » → « Labellisé·e »."


def test_coordinator_action_ignores_promeneurs_of_other_departements(client, coordinator, structure_33):
    trained_33 = PromeneurFactory(structure=structure_33, status=PromeneurStatus.TRAINED, labelled_on=None)
    client.force_login(coordinator)
    run_action(client, "label_promeneurs", [trained_33])
    trained_33.refresh_from_db()
    assert trained_33.status == PromeneurStatus.TRAINED


# --- Funding totals ---------------------------------------------------------------------------


@pytest.fixture
def conventions(structure_24, structure_33, dordogne):
    other_24 = StructureFactory(name="MJC de Bergerac", department=dordogne)
    ConventionFactory(structure=structure_24, funder=Funder.CAF, year=2026, amount=Decimal("1700"))
    ConventionFactory(structure=structure_24, funder=Funder.MSA, year=2026, amount=Decimal("300"))
    ConventionFactory(structure=other_24, funder=Funder.CAF, year=2026, amount=Decimal("2000"))
    ConventionFactory(structure=other_24, funder=Funder.CAF, year=2025, amount=Decimal("1700"))
    ConventionFactory(structure=structure_33, funder=Funder.CAF, year=2026, amount=Decimal("5000.50"))


def funding_summary(response):
    totals = response.context["funding_totals"]
    return {
        "years": {
            year["year"]: ({f["label"]: f["amount"] for f in year["funders"]}, year["total"])
            for year in totals["years"]
        },
        "total": totals["total"],
    }


NBSP = "\u00a0"


def euros(text):
    return text.replace(" ", NBSP)


def test_funding_totals_of_a_coordinator_cover_their_departements_per_year_and_funder(
    client, coordinator, conventions
):
    client.force_login(coordinator)
    response = client.get(changelist("convention"))
    assert funding_summary(response) == {
        "years": {
            2026: ({"CAF": euros("3 700,00 €"), "MSA": euros("300,00 €")}, euros("4 000,00 €")),
            2025: ({"CAF": euros("1 700,00 €")}, euros("1 700,00 €")),
        },
        "total": euros("5 700,00 €"),
    }
    content = response.content.decode()
    assert "Total général" in content
    assert euros("5 700,00 €") in content


def test_funding_totals_of_caf_staff_cover_every_departement(client, caf_staff, conventions):
    client.force_login(caf_staff)
    response = client.get(changelist("convention"))
    summary = funding_summary(response)
    assert summary["years"][2026] == (
        {"CAF": euros("8 700,50 €"), "MSA": euros("300,00 €")},
        euros("9 000,50 €"),
    )
    assert summary["total"] == euros("10 700,50 €")


def test_funding_totals_follow_the_year_filter(client, coordinator, conventions):
    client.force_login(coordinator)
    response = client.get(changelist("convention"), {"year": "2025"})
    assert funding_summary(response) == {
        "years": {2025: ({"CAF": euros("1 700,00 €")}, euros("1 700,00 €"))},
        "total": euros("1 700,00 €"),
    }
    assert euros("3 700,00 €") not in response.content.decode()


def test_funding_totals_follow_the_funder_filter(client, caf_staff, conventions):
    client.force_login(caf_staff)
    response = client.get(changelist("convention"), {"funder__exact": Funder.MSA})
    assert funding_summary(response)["total"] == euros("300,00 €")


def test_funding_totals_are_one_sql_aggregation(
    client, caf_staff, conventions, django_assert_max_num_queries
):
    client.force_login(caf_staff)
    with django_assert_max_num_queries(50) as captured:
        client.get(changelist("convention"))
    aggregations = [
        q["sql"] for q in captured.captured_queries if 'SUM("structures_convention"."amount")' in q["sql"]
    ]
    assert len(aggregations) == 1


# --- Query counts -----------------------------------------------------------------------------


def make_structures(department, n):
    StructureFactory.create_batch(n, department=department)


def make_promeneurs(department, n):
    for _ in range(n):
        promeneur = PromeneurFactory(structure=StructureFactory(department=department))
        PresenceSlotFactory(promeneur=promeneur)


def make_conventions(department, n):
    for _ in range(n):
        ConventionFactory(structure=StructureFactory(department=department))


@pytest.mark.parametrize("role", ["caf_staff", "coordinator"])
@pytest.mark.parametrize(
    "model, make",
    [("structure", make_structures), ("promeneur", make_promeneurs), ("convention", make_conventions)],
)
def test_changelist_query_count_does_not_grow_with_rows(
    client, request, dordogne, role, model, make, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(role))
    make(dordogne, 1)
    with django_assert_max_num_queries(40) as few:
        response = client.get(changelist(model))
    assert response.context["cl"].result_count == 1
    make(dordogne, 19)
    with django_assert_num_queries(len(few)):
        response = client.get(changelist(model))
    assert response.context["cl"].result_count == 20


# --- Every page of ours opens -------------------------------------------------------------------


@pytest.fixture
def one_of_everything(structure_24, promeneur_24, convention_24, dordogne):
    from structures.models import Charter, CharterAcceptance, Coordination, Training, TrainingAttendance

    charter = Charter.objects.create(version="2026", published_on=datetime.date(2026, 1, 1))
    training = Training.objects.create(
        title="Formation initiale", department=dordogne, starts_on=datetime.date(2026, 2, 1)
    )
    return {
        "department": dordogne,
        "theme": Theme.objects.get(slug="loisirs"),
        "structure": structure_24,
        "structuremembership": StructureMembershipFactory(structure=structure_24),
        "coordination": Coordination.objects.get(department=dordogne)
        if Coordination.objects.exists()
        else CoordinationFactory(department=dordogne),
        "convention": convention_24,
        "promeneur": promeneur_24,
        "training": training,
        "trainingattendance": TrainingAttendance.objects.create(training=training, promeneur=promeneur_24),
        "charter": charter,
        "charteracceptance": CharterAcceptance.objects.create(charter=charter, promeneur=promeneur_24),
    }


MODELS = [
    "department",
    "theme",
    "structure",
    "structuremembership",
    "coordination",
    "convention",
    "promeneur",
    "training",
    "charter",
    "charteracceptance",
]


@pytest.mark.parametrize("role", ["caf_staff", "coordinator"])
@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_change_page_opens_for_caf_staff_and_coordinators(
    client, request, one_of_everything, role, model
):
    client.force_login(request.getfixturevalue(role))
    assert client.get(changelist(model)).status_code == 200
    obj = one_of_everything[model]
    assert client.get(reverse(f"admin:structures_{model}_change", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize(
    "model, caf_staff_may_add, coordinator_may_add",
    [
        ("department", False, False),
        ("theme", True, False),
        ("structure", True, True),
        ("convention", True, True),
        ("promeneur", True, True),
        ("training", True, True),
        ("charter", True, False),
        ("coordination", True, False),
    ],
)
def test_who_may_add_what(client, caf_staff, coordinator, model, caf_staff_may_add, coordinator_may_add):
    url = reverse(f"admin:structures_{model}_add")
    client.force_login(caf_staff)
    assert client.get(url).status_code == (200 if caf_staff_may_add else 403)
    client.force_login(coordinator)
    assert client.get(url).status_code == (200 if coordinator_may_add else 403)


def test_import_and_export_pages_open_for_caf_staff(client, caf_staff):
    client.force_login(caf_staff)
    for model in ("structure", "promeneur"):
        assert client.get(reverse(f"admin:structures_{model}_import")).status_code == 200
        assert client.get(reverse(f"admin:structures_{model}_export")).status_code == 200


def test_coordinator_sees_only_their_departement_and_cannot_change_it(client, coordinator, dordogne):
    client.force_login(coordinator)
    response = client.get(changelist("department"))
    assert response.context["cl"].result_count == 1
    assert "Gironde" not in response.content.decode()
    url = reverse("admin:structures_department_change", args=[dordogne.pk])
    assert client.post(url, {"coordination_name": "Autre"}).status_code == 403


def test_caf_staff_sets_the_coordination_of_a_departement(client, caf_staff, gironde):
    client.force_login(caf_staff)
    url = reverse("admin:structures_department_change", args=[gironde.pk])
    data = admin_form_data(client.get(url))
    data.update(coordination_name="CAF de la Gironde", coordination_email="pdn@caf33.example.test")
    assert client.post(url, data).status_code == 302
    gironde.refresh_from_db()
    assert (gironde.code, gironde.name, gironde.coordination_name) == ("33", "Gironde", "CAF de la Gironde")


def test_export_keeps_the_changelist_filters(client, caf_staff, structure_24, structure_33, gironde):
    client.force_login(caf_staff)
    url = reverse("admin:structures_structure_export") + f"?department__id__exact={gironde.pk}"
    page = client.get(url)
    assert f'action="{url}"'.replace("&", "&amp;") in page.content.decode()
    response = client.post(url, export_data(StructureResource))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row["slug"] for row in rows] == [structure_33.slug]


def test_national_training_shows_a_coordinator_only_their_promeneurs_attendance(
    client, coordinator, caf_staff, promeneur_24, promeneur_33
):
    from structures.models import Training, TrainingAttendance

    national = Training.objects.create(title="Formation nationale", starts_on=datetime.date(2026, 3, 1))
    TrainingAttendance.objects.create(training=national, promeneur=promeneur_24)
    TrainingAttendance.objects.create(training=national, promeneur=promeneur_33)

    client.force_login(coordinator)
    assert [t.attendee_count for t in client.get(changelist("training")).context["cl"].result_list] == [1]
    content = client.get(reverse("admin:structures_training_change", args=[national.pk])).content.decode()
    assert "Anaïs de la Périgourdine" in content
    assert "Gaspard de Bordeaux" not in content

    client.force_login(caf_staff)
    assert [t.attendee_count for t in client.get(changelist("training")).context["cl"].result_list] == [2]


def test_promeneur_list_shows_the_weekly_online_hours(client, caf_staff, promeneur_24):
    PresenceSlotFactory(
        promeneur=promeneur_24, weekday=2, start=datetime.time(14, 0), end=datetime.time(17, 30)
    )
    client.force_login(caf_staff)
    assert "3,5\u00a0h" in client.get(changelist("promeneur")).content.decode()
