"""A 10,000-row file imports through a real Celery worker, while the admin page shows its progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from structures.enums import ImportJobStatus, ImportKind
from structures.models import ImportJob, Structure
from tests.accounts.factories import UserFactory
from tests.notifications.workers import (
    Harness,
    require_real_worker_environment,
    this_process_broker,
    wait_until,
)
from tests.structures.factories import DepartmentFactory
from tests.structures.test_import_jobs import structures_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ROWS = 10_000
IMPORT_BOUND = 1500  # seconds: a bound for a wait, never a measure


@pytest.fixture
def harness(tmp_path, request):
    require_real_worker_environment()
    harness = Harness(tmp_path)
    request.addfinalizer(harness.close)
    return harness


def test_ten_thousand_rows_import_in_the_background_with_progress(harness, client):
    DepartmentFactory(code="24")
    staff = UserFactory(caf_staff=True)
    broker = harness.redis()
    worker = harness.worker("imports", broker.url)
    client.force_login(staff)
    with this_process_broker(broker.url):
        response = client.post(
            reverse("admin:structures_importjob_add"),
            {
                "kind": ImportKind.STRUCTURES,
                "upload": SimpleUploadedFile("annuaire.csv", structures_file(ROWS)),
            },
        )
    # The page answers at once: the work is the worker's.
    assert response.status_code == 302
    job = ImportJob.objects.get()
    progress_url = reverse("admin:structures_importjob_progress", args=[job.pk])
    seen = []

    def finished():
        state = client.get(progress_url).json()
        seen.append(state["percent"])
        return state["finished"]

    wait_until(finished, IMPORT_BOUND, "the import to finish", describe=worker.read_log)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, (job.error, job.refusals[:3])
    assert job.totals == {"new": ROWS, "update": 0, "skip": 0}
    assert Structure.objects.count() == ROWS
    # The progress moved on while the worker was at it, and never went back.
    assert any(0 < percent < 100 for percent in seen), seen
    assert seen == sorted(seen)
    page = client.get(reverse("admin:structures_importjob_change", args=[job.pk])).content.decode()
    assert "Import terminé : 10000 nouvelles fiches" in page
