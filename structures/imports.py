"""Imports of large files in the background: checked and saved in one transaction, with progress.

`import_job_run` is what the Celery task calls. The whole file is imported in one transaction,
rolled back if a single row is refused: the refused rows are then stored with their lines, and
nothing is saved. The progress is written as the rows go, through a connection of its own, so
that the result page shows it while the import's transaction is still open.
"""

import logging

from django.db import connection, connections
from django.utils import timezone

from promeneurs.spreadsheets import FrenchCSV, FrenchXLSX

from .enums import ImportJobStatus, ImportKind
from .models import ImportJob
from .resources import (
    ConventionResource,
    PromeneurResource,
    StructureResource,
    TrainingAttendanceResource,
    TrainingResource,
    refusals,
)

logger = logging.getLogger(__name__)

RESOURCES = {
    ImportKind.STRUCTURES: StructureResource,
    ImportKind.PROMENEURS: PromeneurResource,
    ImportKind.CONVENTIONS: ConventionResource,
    ImportKind.TRAININGS: TrainingResource,
    ImportKind.ATTENDANCE: TrainingAttendanceResource,
}
PROGRESS_EVERY = 200


def background_resource(resource_class):
    """The resource without the preview's HTML differences (nobody reads them here)."""

    class Meta(resource_class.Meta):
        skip_html_diff = True

    return type(resource_class.__name__, (resource_class,), {"Meta": Meta, "__module__": __name__})


def read_dataset(job):
    content = bytes(job.content)
    file_format = FrenchXLSX() if job.file_name.lower().endswith(".xlsx") else FrenchCSV(encoding="utf-8-sig")
    return file_format.create_dataset(content)


class ProgressWriter:
    """Writes a job's progress outside the import's transaction (PostgreSQL; SQLite, whose
    writers lock the whole file, only gets the final state)."""

    def __init__(self, job):
        self.job = job
        self.connection = (
            connections.create_connection("default") if connection.vendor == "postgresql" else None
        )

    def __call__(self, processed):
        if self.connection is None:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                [processed, self.job.pk],
            )

    def close(self):
        if self.connection is not None:
            self.connection.close()


def finish(job, **fields):
    for name, value in {**fields, "finished_at": timezone.now()}.items():
        setattr(job, name, value)
    job.save()
    return job


def import_job_run(*, job_id) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    if job.is_finished:
        return job
    try:
        dataset = read_dataset(job)
    except Exception as error:  # noqa: BLE001 - an unreadable file is reported, never raised
        return finish(
            job,
            status=ImportJobStatus.FAILED,
            error=f"Le fichier n’a pas pu être lu ({type(error).__name__}).",
        )
    job.status, job.total_rows, job.processed_rows = ImportJobStatus.IMPORTING, len(dataset), 0
    job.save(update_fields=["status", "total_rows", "processed_rows"])

    progress = ProgressWriter(job)
    resource = background_resource(RESOURCES[job.kind])(max_rows=None)
    resource.on_row = lambda number: number % PROGRESS_EVERY == 0 and progress(number)
    try:
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
    except Exception as error:  # the worker's time limit, the database going away…
        logger.exception("import %s failed", job.pk)
        return finish(
            job,
            status=ImportJobStatus.FAILED,
            error=f"L’import s’est interrompu ({type(error).__name__}) : rien n’a été importé.",
        )
    finally:
        progress.close()
    found = refusals(result, resource)
    totals = {key: result.totals.get(key, 0) for key in ("new", "update", "skip")}
    if found or result.has_errors() or result.has_validation_errors():
        # import_data rolled the whole file back.
        return finish(
            job,
            status=ImportJobStatus.REFUSED,
            refusals=[[line, s] for line, s in found],
            totals=totals,
            processed_rows=len(dataset),
        )
    return finish(job, status=ImportJobStatus.DONE, totals=totals, processed_rows=len(dataset))
