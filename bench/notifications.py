"""Benchmark of the outbox: delay from commit to "sent", and throughput, with a real Celery worker.

A script, not a test: it prints numbers so that later changes can be compared; it asserts nothing.

It creates contact requests (1,000 by default) through `contact_request_submit`, as the public form
does, each in its own transaction; each request records one notification (to the promeneur it is
addressed to), enqueued after the commit and sent by a real `celery -A promeneurs worker`. It then
prints the median and the 95th percentile of the delay from each commit to the row's `sent_at`,
and the throughput (notifications sent per second, from the first commit to the last sending).

Run it from the root of the project, on a scratch PostgreSQL database and a Redis database that no
other worker listens to:

    createdb -h 127.0.0.1 -U postgres pdn_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pdn_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        DJANGO_DEBUG=true .venv/bin/python bench/notifications.py

Options: --requests N (1000), --concurrency N (worker processes, 2), --rate R (requests created per
second, 0: as fast as possible — a burst, so the delay includes the queue), --no-worker (use a
worker already running on the same DATABASE_URL and REDIS_URL), --keep (keep the data created).

It migrates the database, creates a structure and a promeneur named "Banc d’essai", starts its
worker (e-mails go to Django's dummy backend unless EMAIL_URL says otherwise: point it at a mail
catcher, smtp://127.0.0.1:1025, to include SMTP), and deletes what it created when it ends.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "promeneurs.settings.base")

WAIT_BOUND = 900  # seconds: give up waiting for the sendings after this


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def start_worker(concurrency, log_path):
    environment = dict(os.environ)
    environment.setdefault("EMAIL_URL", "dummymail://")
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "promeneurs",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while " ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The worker did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    return process, log


def stop_worker(process, log):
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
    log.close()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    arguments = parse_arguments()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "Set DATABASE_URL (PostgreSQL, a scratch database) and REDIS_URL: see the docstring."
        )

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from notifications.enums import NotificationKind, NotificationStatus
    from notifications.models import Notification
    from promeneurs.celery import app
    from referrals.enums import TargetKind
    from referrals.models import ContactRequest
    from referrals.services import contact_request_submit
    from structures.enums import PromeneurStatus, StructureKind
    from structures.models import Department, Promeneur, Structure, Theme

    if app.conf.task_always_eager:
        raise SystemExit("Celery runs tasks eagerly: REDIS_URL is needed for a real worker.")
    call_command("migrate", verbosity=0)

    tag = uuid.uuid4().hex[:8]
    department = Department.objects.order_by("code").first() or Department.objects.create(
        code="24", name="Dordogne"
    )
    structure = Structure.objects.create(
        name=f"Banc d’essai {tag}",
        kind=StructureKind.CS,
        postcode="24000",
        commune="Périgueux",
        department=department,
    )
    theme = Theme.objects.create(slug=f"banc-{tag}", name=f"Banc d’essai {tag}")
    user = User.objects.create_user(email=f"banc-{tag}@example.test")
    promeneur = Promeneur.objects.create(
        user=user,
        structure=structure,
        first_name="Banc",
        job="Animateur",
        status=PromeneurStatus.LABELLED,
        labelled_on=timezone.localdate(),
    )

    worker = None
    directory = Path(tempfile.mkdtemp(prefix="pdn-bench-"))
    try:
        if not arguments.no_worker:
            worker = start_worker(arguments.concurrency, directory / "worker.log")
        commits = {}
        started = time.time()
        for n in range(arguments.requests):
            if arguments.rate:
                pause = started + n / arguments.rate - time.time()
                if pause > 0:
                    time.sleep(pause)
            stamp = {}
            with transaction.atomic():
                # Registered first, so it runs first when the transaction commits, before the enqueue.
                transaction.on_commit(lambda stamp=stamp: stamp.setdefault("at", time.time()))
                contact_request = contact_request_submit(
                    target_kind=TargetKind.PROMENEUR,
                    department=department,
                    target_promeneur=promeneur,
                    data={
                        "age_bracket": "15-17",
                        "commune": "Périgueux",
                        "channel": "email",
                        "email": f"jeune-{n}@example.test",
                        "message": "Banc d’essai",
                    },
                    themes=[theme],
                )
            commits[contact_request.pk] = stamp["at"]
        submitted = time.time()
        print(
            f"{arguments.requests} demandes créées en {submitted - started:.1f} s "
            f"({arguments.requests / (submitted - started):.0f} par seconde)"
        )

        rows = Notification.objects.filter(recipient=user, kind=NotificationKind.REQUEST_NEW)
        deadline = time.monotonic() + WAIT_BOUND
        while rows.exclude(status=NotificationStatus.SENT).exists():
            if time.monotonic() > deadline:
                left = dict(rows.values_list("status").annotate(n=Count("pk")))
                raise SystemExit(f"Not everything was sent after {WAIT_BOUND} s: {left}")
            time.sleep(0.2)

        delays = []
        last_sent = 0.0
        for context, sent_at in rows.values_list("context", "sent_at"):
            sent = sent_at.timestamp()
            delays.append(sent - commits[context["request_id"]])
            last_sent = max(last_sent, sent)
        first_commit = min(commits.values())
        print(f"notifications envoyées : {len(delays)} (worker : {arguments.concurrency} processus)")
        print(
            f"délai commit → envoyée : médiane {statistics.median(delays) * 1000:.0f} ms, "
            f"95e centile {percentile(delays, 0.95) * 1000:.0f} ms, maximum {max(delays) * 1000:.0f} ms"
        )
        print(f"débit : {len(delays) / (last_sent - first_commit):.1f} notifications par seconde")
    finally:
        if worker is not None:
            stop_worker(*worker)
        shutil.rmtree(directory, ignore_errors=True)
        if not arguments.keep:
            ContactRequest.objects.filter(structure=structure).delete()
            ContactRequest.objects.filter(assignee=promeneur).delete()
            promeneur.delete()
            user.delete()
            structure.delete()
            theme.delete()


if __name__ == "__main__":
    main()
