"""Soak benchmark: 100,000 requests over the public pages through gunicorn (a script, not a test).

It starts gunicorn on the production settings (debug off) and a free port of 127.0.0.1, sends the
requests from client threads (keep-alive connections), each page in turn, and prints:

- the throughput (requests per second), overall and per page, with the ratio of each page to a bare
  Django view served by the same gunicorn in the same run;
- the error count: any answer other than 200, or no answer (must be 0);
- the resident memory (RSS) of each gunicorn worker after the warm-up and at the end (must stay
  flat: within 10 %).

It exits with status 1 if an error occurred or if a worker's memory grew by more than 10 %.

Run it from the root of the project, on a PostgreSQL database with the demo data (a scratch one,
never production):

    createdb -h 127.0.0.1 -U postgres pdn_soak
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pdn_soak
    DJANGO_DEBUG=true .venv/bin/python manage.py migrate && DJANGO_DEBUG=true .venv/bin/python manage.py load_demo
    .venv/bin/python bench/soak.py                      # 100,000 requests, 8 client threads, 2 workers

Options: --requests N, --clients N (client threads), --workers N (gunicorn workers), --warmup N
(requests per page before the first memory reading). REDIS_URL is passed on when set (cache,
rate limits). Static files are collected first if they are not (collectstatic, into staticfiles/).
"""

import argparse
import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = "/__bare__/"
GROWTH_LIMIT = 0.10


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment():
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.soak_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_LOG_LEVEL="WARNING",
        MAP_TILE_URL="",
    )
    return env


def public_pages(env):
    """The public pages of this database: home, directory, a structure, a promeneur, Fil info…"""
    script = """
import django; django.setup()
from django.urls import reverse
from news.models import Article
from structures.models import Promeneur, Structure
paths = ["/", reverse("structures:directory"), "/fil-info/", "/confidentialite/", "/accessibilite/",
         "/mentions-legales/", "/contact/"]
structure = Structure.objects.filter(is_public=True).order_by("pk").first()
promeneur = Promeneur.objects.public().order_by("pk").first()
article = Article.objects.latest_published(1)
if structure: paths.append(structure.get_absolute_url())
if promeneur: paths.append(promeneur.get_absolute_url())
if article: paths.append(article[0].get_absolute_url())
print("\\n".join(paths))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit("Impossible de lire les pages publiques :\n" + result.stderr[-3000:])
    return [line for line in result.stdout.splitlines() if line.startswith("/")]


def collect_static(env):
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Load:
    """Client threads sending `total` requests over `paths`, in turn, on keep-alive connections."""

    def __init__(self, port, paths, total, clients):
        self.port = port
        self.paths = paths
        self.total = total
        self.clients = clients
        self.next = 0
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.errors = Counter()
        self.seconds = Counter()
        self.counts = Counter()

    def take(self):
        with self.lock:
            if self.next >= self.total:
                return None
            index = self.next
            self.next += 1
        return self.paths[index % len(self.paths)]

    def client(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (path := self.take()) is not None:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            elapsed = time.perf_counter() - started
            with self.lock:
                self.counts[path] += 1
                self.seconds[path] += elapsed
                if status != 200:
                    self.errors[(path, status)] += 1
        connection.close()

    def run(self):
        threads = [threading.Thread(target=self.client) for _ in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Ce banc d’essai demande PostgreSQL avec la démo : définissez DATABASE_URL (voir l’aide).")

    env = environment()
    collect_static(env)
    paths = public_pages(env)
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="soak-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "promeneurs.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "30",
            "--keep-alive",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit(f"gunicorn ne répond pas ; journal : {log.name}")
                time.sleep(0.2)

        every = [BARE, *paths]
        warmup = Load(port, every, args.warmup * len(every) * args.workers, args.clients)
        warmup.run()
        if warmup.errors:
            sys.exit(f"Erreurs pendant la mise en route : {dict(warmup.errors)} ; journal : {log.name}")
        workers = children(server.pid)
        before = {pid: rss_kib(pid) for pid in workers}

        load = Load(port, every, args.requests, args.clients)
        elapsed = load.run()
        after = {pid: rss_kib(pid) for pid in workers if Path(f"/proc/{pid}").exists()}
    finally:
        server.terminate()
        server.wait(timeout=30)

    errors = sum(load.errors.values())
    print(
        f"{args.requests} requêtes en {elapsed:.1f} s : {args.requests / elapsed:.0f} requêtes/s, {errors} erreur(s)"
    )
    bare = load.counts[BARE] / load.seconds[BARE] if load.seconds[BARE] else 0
    print(f"\n{'page':<45} {'requêtes':>9} {'req/s par client':>16} {'ratio à la vue nue':>19}")
    for path in every:
        rate = load.counts[path] / load.seconds[path] if load.seconds[path] else 0
        ratio = rate / bare if bare else 0
        print(f"{path:<45} {load.counts[path]:>9} {rate:>16.0f} {ratio:>19.2f}")
    for (path, status), count in sorted(load.errors.items(), key=str):
        print(f"erreur : {path} → {status} ({count})")

    print("\nMémoire des processus gunicorn (RSS) :")
    grew = False
    for pid in workers:
        start, end = before[pid], after.get(pid)
        if end is None:
            print(f"  processus {pid} : disparu pendant l’essai (redémarré par gunicorn)")
            grew = True
            continue
        growth = (end - start) / start if start else 0
        grew = grew or growth > GROWTH_LIMIT
        print(
            f"  processus {pid} : {start / 1024:.1f} Mio au début, {end / 1024:.1f} Mio à la fin ({growth:+.1%})"
        )
    verdict = "stable" if not grew else f"en hausse de plus de {GROWTH_LIMIT:.0%}"
    print(f"Mémoire : {verdict}. Journal de gunicorn : {log.name}")
    return 1 if errors or grew else 0


if __name__ == "__main__":
    sys.exit(main())
