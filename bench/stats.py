"""Benchmark of the statistics pages as data grows (a script, not a test).

Seeds the database up to each size with `manage.py seed_volume`, then times each statistics page
(the page itself, each figure's CSV, each chart) as CAF staff (national), a coordinator and a
referent, through Django's test client: the database work and rendering, without a web server.

It needs PostgreSQL (the SQLite embedded default has no percentile_cont and is not what production
runs) and a database you can fill — never production. On PostgreSQL, `seed_volume` makes the
requests in SQL (INSERT … SELECT over generate_series): 1,000,000 requests take a few minutes.
Sizes are arguments (10,000, 100,000 and 1,000,000 by default):

    createdb -h 127.0.0.1 -U postgres pdn_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pdn_bench DJANGO_DEBUG=true \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pdn_bench DJANGO_DEBUG=true \\
        .venv/bin/python -m bench.stats --sizes 10000 100000 1000000 --structures 10000 --repeat 3

Each size is reached by adding requests to what is already there (sizes in increasing order).
After seeding, the monthly figures are refreshed (`stats.aggregates.refresh`, the periodic work;
its duration is printed). The statistics page of each role (national, coordinator, referent) at
the largest size must stay within 1.5 × its time at the smallest: the script exits with status 1
otherwise.
"""

import argparse
import os
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--structures", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "promeneurs.settings.base")
    # Seeding and the full refresh are batch work, not pages: no statement timeout.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User
    from referrals.models import ContactRequest
    from stats import aggregates
    from stats.queries import FIGURES, current_year
    from structures.models import Coordination, Structure, StructureMembership

    if connection.vendor != "postgresql":
        sys.exit("Ce banc d’essai demande PostgreSQL : définissez DATABASE_URL.")
    year = args.year or current_year()

    def users():
        caf, _ = User.objects.get_or_create(email="bench-caf@example.test", defaults={"is_caf_staff": True})
        coordinator, _ = User.objects.get_or_create(email="bench-coord@example.test")
        busiest = Structure.objects.order_by("-pk").first()
        Coordination.objects.get_or_create(user=coordinator, department_id=busiest.department_id)
        referent, _ = User.objects.get_or_create(email="bench-ref@example.test")
        StructureMembership.objects.get_or_create(user=referent, structure=busiest)
        return {"CAF (national)": caf, "coordination": coordinator, "référent·e": referent}

    def timed(client, url):
        durations, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                durations.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured.captured_queries)
        # The least of the runs: other work on the machine only ever adds time.
        return min(durations), queries

    structures_done = Structure.objects.count()
    pages = {}
    for size in sorted(args.sizes):
        missing_structures = max(args.structures - structures_done, 0)
        missing_requests = max(size - ContactRequest.objects.count(), 0)
        if missing_structures or missing_requests:
            seeding = time.perf_counter()
            call_command(
                "seed_volume",
                structures=missing_structures,
                requests=missing_requests,
                existing=not missing_structures,
                batch=args.batch,
                force=True,
            )
            structures_done = Structure.objects.count()
            print(f"(remplissage : {time.perf_counter() - seeding:.0f} s)")
        started = time.perf_counter()
        months = aggregates.refresh()
        print(
            f"\n== {ContactRequest.objects.count():,} demandes, {structures_done:,} structures, année {year}"
            f" (mise à jour des chiffres mensuels : {months} mois en {time.perf_counter() - started:.1f} s)"
        )
        with override_settings(ALLOWED_HOSTS=["testserver"], MFA_REQUIRED=False):
            for role, user in users().items():
                client = Client()
                client.force_login(user)
                base = f"/tableau-de-bord/statistiques/?annee={year}"
                seconds, queries = timed(client, base)
                pages.setdefault(role, []).append((size, seconds))
                print(f"{role:<16} page               {seconds * 1000:8.0f} ms  {queries:3d} requêtes SQL")
                for slug in FIGURES:
                    seconds, _ = timed(
                        client, f"/tableau-de-bord/statistiques/graphiques/{slug}.svg?annee={year}"
                    )
                    print(f"{role:<16} graphique {slug:<26} {seconds * 1000:8.0f} ms")
                seconds, _ = timed(client, f"/tableau-de-bord/bilans/?annee={year}")
                print(f"{role:<16} bilans             {seconds * 1000:8.0f} ms")

    print(
        "\n| rôle | "
        + " | ".join(f"{size:,} demandes" for size, _ in pages["CAF (national)"])
        + " | rapport |"
    )
    print("|---|" + "---|" * (len(pages["CAF (national)"]) + 1))
    missed = False
    for role, timings in pages.items():
        ratio = timings[-1][1] / timings[0][1]
        missed |= ratio > 1.5
        cells = " | ".join(f"{seconds * 1000:.0f} ms" for _, seconds in timings)
        print(f"| {role} | {cells} | {ratio:.2f} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
