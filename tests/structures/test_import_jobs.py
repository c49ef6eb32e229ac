"""Large files import in the background: checked whole, then saved, with progress and a result page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from structures.enums import ImportJobStatus, ImportKind
from structures.imports import import_job_run
from structures.models import ImportJob, Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import CoordinationFactory, DepartmentFactory

pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

HEADER = "slug;nom;type;departement;code_postal;commune;visible"


def structures_file(count, *, bad_lines=()):
    """`count` structures of the Dordogne; the rows at `bad_lines` (lines of the file) are refused."""
    rows = [HEADER]
    for n in range(count):
        line = n + 2
        visible = "peut-être" if line in bad_lines else "oui"
        rows.append(f"structure-{n};Structure n° {n};Centre social;24;24000;Périgueux;{visible}")
    return ("\ufeff" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def caf_staff(db):
    DepartmentFactory(code="24")
    return UserFactory(caf_staff=True)


def test_a_file_too_large_for_the_page_is_sent_to_the_background(client, caf_staff):
    client.force_login(caf_staff)
    upload = SimpleUploadedFile("gros.csv", structures_file(1001))
    response = client.post(
        reverse("admin:structures_structure_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    assert "confirm_form" not in response.context
    assert "Ce fichier compte 1001 lignes" in response.content.decode()
    assert Structure.objects.count() == 0


def test_background_import_reports_refused_lines_and_saves_nothing(caf_staff):
    job = ImportJob.objects.create(
        kind=ImportKind.STRUCTURES,
        file_name="structures.csv",
        content=structures_file(300, bad_lines=(7, 250)),
        created_by=caf_staff,
    )
    job = import_job_run(job_id=job.pk)
    assert job.status == ImportJobStatus.REFUSED
    assert [line for line, _ in job.refusals] == [7, 250]
    assert "« peut-être » n’est ni « oui » ni « non »" in job.refusals[1][1][0]
    assert Structure.objects.count() == 0


def test_background_import_finds_duplicates_and_saves_nothing(caf_staff):
    content = structures_file(60) + b"structure-3;Encore;CS;24;24000;Perigueux;oui\n"
    job = ImportJob.objects.create(kind=ImportKind.STRUCTURES, file_name="s.csv", content=content)
    job = import_job_run(job_id=job.pk)
    assert job.refusals == [
        [62, ["Doublon de la ligne 5 (même slug) : une seule ligne par fiche dans un fichier."]]
    ]


@pytest.fixture
def eager_tasks():
    """Tasks run in this process (the real worker is tested in test_import_worker.py)."""
    from promeneurs.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_upload_page_runs_the_import_and_shows_its_result(
    client, caf_staff, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(caf_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:structures_importjob_add"),
            {"kind": ImportKind.STRUCTURES, "upload": SimpleUploadedFile("s.csv", structures_file(30))},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:structures_importjob_change", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.totals) == (ImportJobStatus.DONE, {"new": 30, "update": 0, "skip": 0})
    assert Structure.objects.count() == 30
    page = client.get(response["Location"]).content.decode()
    assert "Import terminé : 30 nouvelles fiches" in page
    progress = client.get(reverse("admin:structures_importjob_progress", args=[job.pk])).json()
    assert progress == {
        "status": "done",
        "label": "Importé",
        "percent": 100,
        "processed": 30,
        "total": 30,
        "finished": True,
    }


def test_upload_refuses_another_kind_of_file_and_keeps_the_choice(client, caf_staff):
    client.force_login(caf_staff)
    response = client.post(
        reverse("admin:structures_importjob_add"),
        {"kind": ImportKind.CONVENTIONS, "upload": SimpleUploadedFile("notes.txt", b"x")},
    )
    assert response.status_code == 200
    assert "Choisissez un fichier .csv ou .xlsx." in response.content.decode()
    assert response.context["adminform"].form["kind"].value() == ImportKind.CONVENTIONS
    assert not ImportJob.objects.exists()


def test_only_caf_staff_reach_the_background_imports(client, caf_staff):
    job = ImportJob.objects.create(kind=ImportKind.STRUCTURES, file_name="s.csv", content=b"")
    client.force_login(CoordinationFactory().user)
    assert client.get(reverse("admin:structures_importjob_add")).status_code == 403
    assert client.get(reverse("admin:structures_importjob_change", args=[job.pk])).status_code in (302, 403)
    assert client.get(reverse("admin:structures_importjob_progress", args=[job.pk])).status_code in (
        302,
        403,
        404,
    )
