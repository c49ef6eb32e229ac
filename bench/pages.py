"""Throughput of the public pages as a ratio to a bare Django view served in the same run.

A script, not a test. It starts gunicorn (2 sync workers) on the production settings — DEBUG off,
the psycopg pool, the Redis cache, every middleware — with one extra URL, `/bench/ok/`, a view
that answers "ok" through the same middleware, outside ATOMIC_REQUESTS' transaction (it takes no
database connection), measured first and last in each round. It seeds realistic volume
(`load_demo` for the Fil info, `seed_volume` for thousands of structures and promeneurs) unless it
is already there, then loads each public page with wrk on loopback, a few seconds at a time, in
`--rounds` successive rounds over all the pages, and prints the best req/s of each page, its p99
latency and its ratio to the best of the bare view. It exits with status 1 when a goal is missed:

- anonymous GETs of the home page, the directory (with and without the common filters), a
  structure, a profile, Fil info and an article: at least 0.5 × the bare view;
- `/contact/`: at least 0.25 ×;
- the first render after a change (measured with the page cache switched off,
  `PUBLIC_PAGE_CACHE=false`, so that every request is a miss): at least 0.1 ×. What is kept under
  versions of its own stays cached, as it does for the first visitor after a change elsewhere (a
  page of the directory after another promeneur's hours changed, an article after a comment): the
  lists of départements and themes and the directory's search form (`public_cache.reference_choices`,
  `kept_fragment`), the promeneurs' cards and a profile's rows, each under its promeneur's and
  structure's versions (`structures/cards.py`), what a directory search finds, under the versions
  of who is listed (`structures/listing.py`), what the Fil info list, an article and the home
  page read of the articles, under Fil info's version (`news/kept.py`), the home page's search
  form, and the empty comment form (`unbound_form_html`).
  After a change to who is listed (a new promeneur, a label withdrawn), a search is read again
  (its count, its page, its map: tens of milliseconds over all France), and so is a card after a
  change to its own promeneur (five queries for all that are missing).

`--compare REF` measures a checkout of an older commit too (a temporary git worktree, same
database, same Redis), so that before and after come from one run. It needs PostgreSQL, Redis
and wrk (`apt-get install wrk`), on a scratch database — never production:

    createdb -h 127.0.0.1 -U postgres pdn_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pdn_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/pages.py --compare main~3
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

# A settings module and a URLconf written next to the code measured (this checkout or an older
# one): the production settings, plus the bare view.
BENCH_SETTINGS = """
from promeneurs.settings.base import *  # noqa
ROOT_URLCONF = "bench_urls"
"""
BENCH_URLS = """
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path


# Outside ATOMIC_REQUESTS' transaction: the bare view does not even take a database connection.
@login_not_required
@transaction.non_atomic_requests
def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/ok/", ok), path("", include("promeneurs.urls"))]
"""

GOAL_CACHED, GOAL_FORM, GOAL_MISS = 0.5, 0.25, 0.1


def environment(settings_dir, cache=True):
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(settings_dir),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY", "bench-" + "k" * 60),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Production behind its HTTPS proxy: wrk sends X-Forwarded-Proto: https.
            "DJANGO_BEHIND_PROXY": "true",
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PUBLIC_PAGE_CACHE": "true" if cache else "false",
        }
    )
    return env


def manage(code_dir, env, *args):
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=code_dir, env=env, check=True)


def seed(code_dir, env, structures, requests):
    sys.path.insert(0, str(code_dir))
    os.environ.update({k: env[k] for k in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY")})
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    sys.path.insert(0, env["PYTHONPATH"])
    manage(code_dir, env, "migrate", "--noinput", "-v", "0")
    manage(code_dir, {**env, "DJANGO_DEBUG": "true"}, "load_demo")
    import django

    django.setup()
    from structures.models import Structure

    missing = structures - Structure.objects.filter(slug__startswith="volume-").count()
    if missing > 0:
        manage(
            code_dir,
            # Seeding is batch work, not a page: no statement timeout.
            {**env, "DATABASE_STATEMENT_TIMEOUT": "0"},
            "seed_volume",
            "--structures",
            str(missing),
            "--requests",
            str(requests),
            "--force",
        )


def pages():
    """The public pages measured, with real slugs from the seeded database."""
    from news.models import Article
    from structures.models import Department, Promeneur, Theme

    promeneur = Promeneur.objects.public().select_related("structure").order_by("pk").first()
    article = Article.objects.published().order_by("-published_at").first()
    department = Department.objects.get(code="24")
    theme = Theme.objects.order_by("pk").first()
    return [
        ("bare view", "/bench/ok/", None),
        ("/", "/", GOAL_CACHED),
        ("/annuaire/", "/annuaire/", GOAL_CACHED),
        ("/annuaire/?departement=24", f"/annuaire/?departement={department.code}", GOAL_CACHED),
        ("/annuaire/?theme=…", f"/annuaire/?theme={theme.slug}", GOAL_CACHED),
        ("/annuaire/?en_ligne=on", "/annuaire/?en_ligne=on", GOAL_CACHED),
        ("/annuaire/?page=3", "/annuaire/?page=3", GOAL_CACHED),
        # The map's points of an unfiltered search (thousands of structures), fetched by its page.
        ("/annuaire/carte/", "/annuaire/carte/", GOAL_CACHED),
        ("/structures/<slug>/", promeneur.structure.get_absolute_url(), GOAL_CACHED),
        ("/promeneurs/<slug>/", promeneur.get_absolute_url(), GOAL_CACHED),
        ("/fil-info/", "/fil-info/", GOAL_CACHED),
        ("/fil-info/<slug>/", article.get_absolute_url(), GOAL_CACHED),
        ("/contact/", "/contact/", GOAL_FORM),
    ]


class Server:
    def __init__(self, code_dir, env, port):
        self.code_dir, self.env, self.port = code_dir, env, port
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "promeneurs.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=self.code_dir,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/bench/ok/")
                return self
            except OSError:
                time.sleep(0.5)
        self.process.terminate()
        raise SystemExit("gunicorn n’a pas répondu en 60 s.")

    def get(self, path):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(port, path, seconds, connections):
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "X-Forwarded-Proto: https",
            # What browsers send: the cached pages are served compressed.
            "-H",
            "Accept-Encoding: gzip, deflate, br",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{path} : {errors.group(1)} réponses en erreur\n{output}")
    return rate, p99_ms


def measure(label, code_dir, env, port, urls, args, *, older=False):
    """{page: (req/s, p99 ms)}; `older`: a compared commit, which may not have every page (None).

    Each page, the bare view included, is measured `args.rounds` times, the rounds one after the
    other over all the pages, and keeps its best: on a shared machine a neighbour only ever slows
    a measurement down, and a slowdown then spoils one round of a page, not its figure."""
    results, measured = {}, []
    with Server(code_dir, env, port) as server:
        for name, path, _goal in urls:
            try:
                status = server.get(path)
            except urllib.error.HTTPError as error:
                status = error.code
            if older and status == 404:
                results[name] = None
                print(f"  {label:<8} {name:<28} (absente)", file=sys.stderr)
                continue
            if status != 200:
                raise SystemExit(f"{label} {path} : statut {status}")
            wrk(port, path, 1, args.connections)  # warm-up: caches, pools, imports
            measured.append((name, path))
        for round_number in range(1, args.rounds + 1):
            # The bare view is measured first and again last in each round.
            for name, path in [*measured, measured[0]]:
                result = wrk(port, path, args.seconds, args.connections)
                print(
                    f"  {label:<8} {round_number}/{args.rounds} {name:<28} {result[0]:8.0f} req/s",
                    file=sys.stderr,
                )
                if name not in results or result[0] > results[name][0]:
                    results[name] = result
    return results


def checkout(ref, into):
    subprocess.run(["git", "worktree", "add", "--detach", str(into), ref], cwd=ROOT, check=True)
    for link in (".venv", "node_modules"):
        if not (into / link).exists():
            (into / link).symlink_to(ROOT / link)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="REF", help="mesurer aussi ce commit (avant)")
    parser.add_argument("--structures", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=3, help="durée d’une mesure")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="mesures de chaque page, en tours successifs (la meilleure compte)",
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PAGE",
        help="ne mesurer que ces pages (noms du tableau, ex. /contact/ ; la vue nue est toujours mesurée)",
    )
    parser.add_argument("--no-miss", action="store_true", help="ne pas mesurer le premier rendu (sans cache)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Ce banc d’essai demande PostgreSQL et Redis : définissez DATABASE_URL et REDIS_URL.")
    if not shutil.which("wrk"):
        sys.exit("wrk est introuvable : apt-get install wrk")

    tmp = Path(tempfile.mkdtemp(prefix="pdn-bench-"))
    (tmp / "bench_settings.py").write_text(BENCH_SETTINGS)
    (tmp / "bench_urls.py").write_text(BENCH_URLS)
    env = environment(tmp)
    seed(ROOT, env, args.structures, args.requests)
    urls = pages()
    if args.pages:
        unknown = set(args.pages) - {name for name, _path, _goal in urls}
        if unknown:
            sys.exit("Pages inconnues : " + ", ".join(sorted(unknown)))
        urls = [u for u in urls if u[0] == "bare view" or u[0] in args.pages]
    old = None
    try:
        runs = []
        if args.compare:
            old = tmp / "before"
            checkout(args.compare, old)
            manage(old, env, "collectstatic", "--noinput", "-v", "0")
            runs.append(("avant", measure("avant", old, env, args.port, urls, args, older=True)))
        manage(ROOT, env, "collectstatic", "--noinput", "-v", "0")
        after = measure("après", ROOT, env, args.port, urls, args)
        miss = None
        if not args.no_miss:
            miss = measure("sans cache", ROOT, environment(tmp, cache=False), args.port, urls, args)
    finally:
        if old is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    failures = []

    def ratio(results, name):
        return results[name][0] / results["bare view"][0]

    header = "| page |"
    rule = "|---|"
    for label, _ in runs:
        header += f" {label} req/s | {label} p99 | {label} ratio |"
        rule += "---|---|---|"
    header += " req/s | p99 | ratio |" + (" sans cache (1er rendu) ratio |" if miss else "")
    rule += "---|---|---|" + ("---|" if miss else "")
    print(header)
    print(rule)
    for name, _path, goal in urls:
        row = f"| `{name}` |"
        for _label, results in runs:
            if results[name] is None:
                row += " — | — | — |"
                continue
            rate, p99 = results[name]
            row += f" {rate:.0f} | {p99:.1f} ms | {ratio(results, name):.3f} |"
        rate, p99 = after[name]
        row += f" {rate:.0f} | {p99:.1f} ms | {ratio(after, name):.3f} |"
        if miss:
            row += f" {ratio(miss, name):.3f} |"
        print(row)
        if goal is not None:
            if ratio(after, name) < goal:
                failures.append(f"{name} : {ratio(after, name):.3f} < {goal}")
            if miss and ratio(miss, name) < GOAL_MISS:
                failures.append(f"{name} (sans cache) : {ratio(miss, name):.3f} < {GOAL_MISS}")
    if failures:
        print("\nObjectifs manqués :\n  " + "\n  ".join(failures))
        return 1
    print("\nTous les objectifs sont atteints.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
