"""Generate realistic volumes for the statistics and their benchmark, in bulk.

    DJANGO_DEBUG=true python manage.py seed_volume --structures 10000 --requests 1000000 --batch 5000

Adds structures (with a convention, labelled promeneurs and their presence slots), contact requests
spread over the last two years with themes, claims and outcomes, and orientations. Everything is
created with bulk_create, batch by batch, with a progress bar on stderr. Refused when DEBUG is off
(a production database) unless --force.
"""

import datetime
import random
import secrets
import sys
import time
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from promeneurs import public_cache
from referrals.enums import (
    AgeBracket,
    Channel,
    Helpfulness,
    OrientationStatus,
    Outcome,
    RequestStatus,
    TargetKind,
)
from referrals.models import REFERENCE_ALPHABET, ContactRequest, Orientation
from structures.enums import ConventionStatus, Funder, PromeneurStatus, StructureKind
from structures.models import Convention, Department, PresenceSlot, Promeneur, Structure, Theme

# First names as varied as a real directory's, which is read in first-name order.
FIRST_NAMES = (
    "Adam Alice Amandine Amina Anaïs Antoine Aurélie Baptiste Camille Céline Chloé Clara Clément "
    "Damien Élodie Emma Enzo Fatou Florian Gaëlle Guillaume Hugo Inès Jade Jérémy Jules Julie Karim "
    "Kevin Laura Léa Léo Lina Louis Lucas Lucie Manon Marion Mathis Maxime Mehdi Mélanie Nadia "
    "Nathan Noah Nora Pauline Quentin Rachid Romain Samia Sarah Sofia Sophie Thomas Théo Valentin "
    "Yanis Yasmine Zoé"
).split()


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label, total, stream=None, width=30):
        self.label, self.total, self.done, self.width = label, max(total, 1), 0, width
        self.stream = stream or sys.stderr
        # A management command's OutputWrapper ends each write with a newline unless told not to.
        self.kwargs = {"ending": ""} if hasattr(self.stream, "style_func") else {}
        self.started = time.monotonic()

    def advance(self, n):
        self.done = min(self.done + n, self.total)
        filled = int(self.width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.label:<14} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total} ({elapsed:.0f} s)",
            **self.kwargs,
        )
        if self.done >= self.total:
            self.stream.write("\n", **self.kwargs)
        self.stream.flush()


def batches(total, size):
    start = 0
    while start < total:
        yield start, min(size, total - start)
        start += size


def reference(number):
    """A unique public reference from a number (base 31, the reference alphabet)."""
    chars = []
    for _ in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    return f"PDN-{''.join(chars[:4])}-{''.join(chars[4:])}"


class Command(BaseCommand):
    help = "Crée en masse des structures, promeneur·ses, demandes et orientations de test (volumétrie)."

    def add_arguments(self, parser):
        parser.add_argument("--structures", type=int, default=100)
        parser.add_argument("--requests", type=int, default=1000)
        parser.add_argument("--promeneurs-per-structure", type=int, default=2)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--orientation-rate", type=float, default=0.05)
        parser.add_argument("--seed", type=int, default=None, help="Graine du hasard, pour rejouer.")
        parser.add_argument(
            "--existing",
            action="store_true",
            help="Répartir les nouvelles demandes sur les structures déjà créées par cette commande.",
        )
        parser.add_argument("--force", action="store_true", help="Accepter de tourner avec DEBUG désactivé.")
        parser.add_argument(
            "--python",
            action="store_true",
            help="Créer les demandes en Python (bulk_create) même sur PostgreSQL, où elles sont "
            "sinon créées en SQL (generate_series), bien plus vite.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DJANGO_DEBUG est désactivé : ceci ressemble à une base de production. "
                "Ajoutez --force si vous êtes sûr·e."
            )
        if min(options["structures"], options["requests"], options["promeneurs_per_structure"]) < 0:
            raise CommandError("Les nombres doivent être positifs.")
        if options["batch"] < 1:
            raise CommandError("--batch doit valoir au moins 1.")
        if (
            options["requests"]
            and not options["existing"]
            and not (options["structures"] and options["promeneurs_per_structure"])
        ):
            raise CommandError("Il faut au moins une structure et un·e promeneur·se pour créer des demandes.")
        self.random = random.Random(options["seed"])
        self.batch = options["batch"]
        self.token = secrets.token_hex(3)
        departments = list(Department.objects.values_list("pk", "code"))
        if not departments:
            raise CommandError("Aucun département : lancez d’abord les migrations.")
        self.theme_ids = list(Theme.objects.values_list("pk", flat=True))
        structures = self.create_structures(options["structures"], departments)
        promeneurs = self.create_promeneurs(structures, options["promeneurs_per_structure"])
        if options["existing"]:
            promeneurs = {}
            for structure_id, promeneur_id in Promeneur.objects.filter(
                structure__slug__startswith="volume-", status=PromeneurStatus.LABELLED
            ).values_list("structure_id", "pk"):
                promeneurs.setdefault(structure_id, []).append(promeneur_id)
            structures = list(Structure.objects.filter(pk__in=promeneurs).values_list("pk", "department_id"))
            if options["requests"] and not structures:
                raise CommandError(
                    "Aucune structure créée par seed_volume : lancez-la d’abord sans --existing."
                )
        if connection.vendor == "postgresql" and not options["python"]:
            self.create_requests_in_sql(
                options["requests"], structures, promeneurs, options["orientation_rate"]
            )
        else:
            self.create_requests(options["requests"], structures, promeneurs, options["orientation_rate"])
        if connection.vendor == "postgresql":
            # The planner's statistics, as autovacuum would keep them on a live database: without
            # them, the first pages after a seeding plan thousands of rows as a handful.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE structures_structure, structures_promeneur, structures_presenceslot, "
                    "structures_convention, referrals_contactrequest, referrals_contactrequest_themes, "
                    "referrals_orientation"
                )
        # Rows written in bulk send no signal: the public pages and the promeneurs' cards kept in
        # the cache are out of date.
        public_cache.content_changed()
        self.stdout.write(self.style.SUCCESS("Volumétrie créée."))

    def create_structures(self, total, departments):
        progress, created = Progress("structures", total, stream=self.stderr), []
        year = timezone.localdate().year
        kinds = StructureKind.values
        for start, size in batches(total, self.batch):
            with transaction.atomic():
                rows = []
                for i in range(start, start + size):
                    department_id, code = self.random.choice(departments)
                    rows.append(
                        Structure(
                            name=f"Structure de volume {i + 1}",
                            slug=f"volume-{self.token}-{i + 1}",
                            kind=self.random.choice(kinds),
                            postcode=f"{code[:2].replace('A', '0').replace('B', '0')}000"[:5].zfill(5),
                            commune=f"Commune {i % 3000 + 1}",
                            department_id=department_id,
                            # Geocoded, as the structures of the portal are (on the maps).
                            latitude=Decimal(f"{self.random.uniform(42.5, 51):.6f}"),
                            longitude=Decimal(f"{self.random.uniform(-4.5, 8):.6f}"),
                        )
                    )
                rows = Structure.objects.bulk_create(rows)
                Convention.objects.bulk_create(
                    Convention(
                        structure=s,
                        funder=Funder.CAF,
                        year=year,
                        amount=Decimal(self.random.choice([1700, 2000])),
                        starts_on=datetime.date(year, 1, 1),
                        ends_on=datetime.date(year, 12, 31),
                        status=ConventionStatus.SIGNED,
                    )
                    for s in rows
                )
            created.extend((s.pk, s.department_id) for s in rows)
            progress.advance(size)
        return created

    def create_promeneurs(self, structures, per_structure):
        """{structure id: [promeneur ids]}"""
        progress = Progress("promeneur·ses", len(structures) * per_structure, stream=self.stderr)
        by_structure = {}
        today = timezone.localdate()
        chunk = max(1, self.batch // max(per_structure, 1))
        for start in range(0, len(structures), chunk):
            with transaction.atomic():
                rows = [
                    Promeneur(
                        structure_id=structure_id,
                        first_name=(first_name := self.random.choice(FIRST_NAMES)),
                        display_name=f"{first_name} — Structure {structure_id}",
                        slug=f"volume-{self.token}-{structure_id}-{n + 1}",
                        job="Animateur·rice jeunesse",
                        status=PromeneurStatus.LABELLED,
                        labelled_on=today,
                    )
                    for structure_id, _ in structures[start : start + chunk]
                    for n in range(per_structure)
                ]
                rows = Promeneur.objects.bulk_create(rows)
                PresenceSlot.objects.bulk_create(
                    PresenceSlot(
                        promeneur=p,
                        weekday=self.random.randrange(7),
                        start=datetime.time(self.random.choice([10, 14, 17])),
                        end=datetime.time(self.random.choice([12, 16, 19, 22])),
                    )
                    for p in rows
                )
            for p in rows:
                by_structure.setdefault(p.structure_id, []).append(p.pk)
            progress.advance(len(rows))
        return by_structure

    def create_requests(self, total, structures, promeneurs, orientation_rate):
        progress = Progress("demandes", total, stream=self.stderr)
        now = timezone.now()
        first_number = self.random.randrange(31**8 // 2)
        through = ContactRequest.themes.through
        outcomes = Outcome.values
        for start, size in batches(total, self.batch):
            with transaction.atomic():
                rows = []
                for i in range(start, start + size):
                    structure_id, department_id = self.random.choice(structures)
                    created_at = now - datetime.timedelta(minutes=self.random.randrange(2 * 365 * 24 * 60))
                    fate = self.random.random()
                    request = ContactRequest(
                        uuid=uuid.uuid4(),
                        reference=reference(first_number + i),
                        target_kind=TargetKind.STRUCTURE,
                        structure_id=structure_id,
                        department_id=department_id,
                        age_bracket=self.random.choice(AgeBracket.values),
                        commune="Commune",
                        channel=self.random.choice(Channel.values),
                        consent_at=created_at,
                        created_at=created_at,
                    )
                    if fate > 0.1:  # claimed: 90 %
                        request.assignee_id = self.random.choice(promeneurs[structure_id])
                        request.claimed_at = created_at + datetime.timedelta(
                            minutes=int(self.random.expovariate(1 / (18 * 60)))
                        )
                        request.status = RequestStatus.CLAIMED
                        if fate > 0.3:  # closed: 70 %
                            request.status = RequestStatus.CLOSED
                            request.outcome = self.random.choice(outcomes)
                            request.closed_at = request.claimed_at
                    rows.append(request)
                rows = ContactRequest.objects.bulk_create(rows)
                through.objects.bulk_create(
                    through(contactrequest_id=r.pk, theme_id=theme_id)
                    for r in rows
                    for theme_id in self.random.sample(
                        self.theme_ids, k=min(len(self.theme_ids), self.random.choice([1, 1, 2]))
                    )
                )
                Orientation.objects.bulk_create(
                    Orientation(
                        request_id=r.pk,
                        from_structure_id=r.structure_id,
                        to_structure_id=other,
                        young_person_agreed=True,
                        data_protection_commitment=True,
                        status=self.random.choice([OrientationStatus.ACCEPTED, OrientationStatus.PROPOSED]),
                        created_at=r.claimed_at,
                        expires_at=r.claimed_at + datetime.timedelta(days=30),
                    )
                    for r in rows
                    if r.claimed_at
                    and len(structures) > 1
                    and self.random.random() < orientation_rate
                    and (other := self.random.choice(structures)[0]) != r.structure_id
                )
            progress.advance(size)

    def create_requests_in_sql(self, total, structures, promeneurs, orientation_rate):
        """The same requests, themes and orientations as `create_requests`, made by PostgreSQL
        (INSERT … SELECT over generate_series), batch by batch: a million in a few minutes."""
        if not total:
            return
        progress = Progress("demandes", total, stream=self.stderr)
        first_number = self.random.randrange(31**8 // 2)
        alphabet = REFERENCE_ALPHABET
        digit = "substr(%(alphabet)s, ((n / {power})::bigint %% 31)::int + 1, 1)"
        reference = (
            "'PDN-' || "
            + " || ".join(digit.format(power=31**k) for k in range(4))
            + " || '-' || "
            + " || ".join(digit.format(power=31**k) for k in range(4, 8))
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE seed_target (i serial PRIMARY KEY, structure_id bigint, "
                "department_id bigint, promeneurs bigint[]) ON COMMIT PRESERVE ROWS"
            )
            cursor.executemany(
                "INSERT INTO seed_target (structure_id, department_id, promeneurs) VALUES (%s, %s, %s)",
                [(pk, department_id, promeneurs[pk]) for pk, department_id in structures],
            )
            params = {
                "targets": len(structures),
                "alphabet": alphabet,
                "ages": AgeBracket.values,
                "channels": Channel.values,
                "outcomes": Outcome.values,
                "answers": [*Helpfulness.values, "", ""],
                "themes": self.theme_ids,
                "rate": orientation_rate,
            }
            # Batches stay well under a page's statement timeout (DATABASE_STATEMENT_TIMEOUT).
            for start, size in batches(total, self.batch * 2):
                with transaction.atomic():
                    cursor.execute("SELECT coalesce(max(id), 0) FROM referrals_contactrequest")
                    (before,) = cursor.fetchone()
                    cursor.execute(
                        f"""
                        INSERT INTO referrals_contactrequest (
                            uuid, reference, target_kind, rerouted, age_bracket, commune, postcode,
                            channel, network, is_urgent, status, outcome, consent_at, created_at,
                            claimed_at, closed_at, updated_at, first_name, handle, email, phone,
                            message, assignee_id, department_id, structure_id, access_code_hash,
                            helpfulness, helpfulness_at)
                        SELECT gen_random_uuid(), {reference}, 'structure', '', age, 'Commune', '',
                            channel, '', false,
                            CASE WHEN fate > 0.3 THEN 'closed' WHEN fate > 0.1 THEN 'claimed' ELSE 'new' END,
                            CASE WHEN fate > 0.3 THEN outcome ELSE '' END,
                            created_at, created_at,
                            CASE WHEN fate > 0.1 THEN claimed_at END,
                            CASE WHEN fate > 0.3 THEN claimed_at END,
                            now(), '', '', '', '', '',
                            CASE WHEN fate > 0.1
                                THEN t.promeneurs[1 + floor(pick * cardinality(t.promeneurs))::int] END,
                            t.department_id, t.structure_id, '',
                            CASE WHEN fate > 0.3 THEN answer ELSE '' END,
                            CASE WHEN fate > 0.3 AND answer <> '' THEN claimed_at END
                        FROM (
                            SELECT g + %(first)s AS n,
                                1 + floor(random() * %(targets)s)::int AS target,
                                random() AS fate, random() AS pick,
                                (%(ages)s::text[])[1 + floor(random() * %(age_count)s)::int] AS age,
                                (%(channels)s::text[])[1 + floor(random() * %(channel_count)s)::int] AS channel,
                                (%(outcomes)s::text[])[1 + floor(random() * %(outcome_count)s)::int] AS outcome,
                                (%(answers)s::text[])[1 + floor(random() * %(answer_count)s)::int] AS answer,
                                c.created_at,
                                c.created_at + make_interval(mins => floor(-ln(1 - random()) * 18 * 60)::int)
                                    AS claimed_at
                            FROM generate_series(%(start)s, %(end)s) AS g,
                                LATERAL (SELECT now() - random() * interval '730 days' + g * interval '0'
                                    AS created_at) AS c
                        ) AS r
                        JOIN seed_target AS t ON t.i = r.target
                        """,
                        {
                            **params,
                            "first": first_number,
                            "start": start,
                            "end": start + size - 1,
                            "age_count": len(params["ages"]),
                            "channel_count": len(params["channels"]),
                            "outcome_count": len(params["outcomes"]),
                            "answer_count": len(params["answers"]),
                        },
                    )
                    # One theme, a second for a third of them (1, 1 or 2, as in create_requests).
                    cursor.execute(
                        """
                        INSERT INTO referrals_contactrequest_themes (contactrequest_id, theme_id)
                        SELECT r.id, (%(themes)s::bigint[])[1 + floor(random() * %(theme_count)s)::int]
                        FROM referrals_contactrequest AS r, generate_series(1, 2) AS k
                        WHERE r.id > %(before)s AND (k = 1 OR random() + r.id * 0 < 1.0 / 3)
                        ON CONFLICT DO NOTHING
                        """,
                        {**params, "theme_count": len(self.theme_ids), "before": before},
                    )
                    cursor.execute(
                        """
                        INSERT INTO referrals_orientation (
                            uuid, summary, young_person_agreed, data_protection_commitment, status,
                            decline_reason, created_at, expires_at, from_structure_id, request_id,
                            to_structure_id)
                        SELECT gen_random_uuid(), '', true, true,
                            CASE WHEN random() < 0.5 THEN 'accepted' ELSE 'proposed' END, '',
                            r.claimed_at, r.claimed_at + interval '30 days', r.structure_id, r.id,
                            o.structure_id
                        FROM (
                            SELECT id, structure_id, claimed_at,
                                1 + floor(random() * %(targets)s)::int AS other
                            FROM referrals_contactrequest
                            WHERE id > %(before)s AND claimed_at IS NOT NULL AND random() < %(rate)s
                        ) AS r
                        JOIN seed_target AS o ON o.i = r.other
                        WHERE o.structure_id <> r.structure_id
                        """,
                        {**params, "before": before},
                    )
                progress.advance(size)
            cursor.execute("DROP TABLE seed_target")
