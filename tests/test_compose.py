"""docker-compose.yml runs the production shape (design §7); the Dockerfile builds its image."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
MAIL_CATCHERS = ("mailpit", "mailhog", "mailcatcher", "maildev")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_of(service):
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def healthcheck_of(service):
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def mail_catcher_name(services):
    names = [
        name
        for name, service in services.items()
        if any(m in service.get("image", "") for m in MAIL_CATCHERS)
    ]
    assert len(names) == 1, "one mail catcher service is expected"
    return names[0]


def test_all_services_of_the_production_shape(services):
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    mail_catcher_name(services)


def test_web_runs_gunicorn_on_the_wsgi_app_with_a_timeout_above_the_pool_timeout(services):
    command = command_of(services["web"])
    assert "gunicorn promeneurs.wsgi" in command
    assert "migrate" in command
    gunicorn_timeout = int(re.search(r"--timeout (\d+)", command).group(1))
    assert gunicorn_timeout > 10  # DATABASE_POOL_TIMEOUT's default, see test_settings.py
    assert "build" in services["web"]


def test_worker_and_beat_run_celery_from_the_web_image(services):
    assert command_of(services["worker"]).startswith("celery -A promeneurs worker")
    assert command_of(services["beat"]).startswith("celery -A promeneurs beat")
    assert services["worker"]["image"] == services["beat"]["image"] == services["web"]["image"]


def test_django_services_share_one_production_environment(services):
    mailer = mail_catcher_name(services)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), (
            "the secret must be required"
        )
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert f"smtp://{mailer}:" in environment["EMAIL_URL"]


def test_postgres_15_with_a_volume(compose, services):
    db = services["db"]
    assert db["image"] == "postgres:15"
    volume = next(v.split(":")[0] for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert volume in compose["volumes"]


def test_redis_persists_queued_tasks(compose, services):
    redis = services["redis"]
    command = command_of(redis)
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    volume = next(v.split(":")[0] for v in redis["volumes"] if v.endswith(":/data"))
    assert volume in compose["volumes"]


def test_healthchecks(services):
    assert "pg_isready" in healthcheck_of(services["db"])
    assert "redis-cli ping" in healthcheck_of(services["redis"])
    assert "/healthz" in healthcheck_of(services["web"])


def test_web_waits_for_a_healthy_database_and_redis(services):
    depends_on = services["web"]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_dockerfile_builds_a_non_root_gunicorn_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "pip install --require-hashes --no-deps -r requirements/lock.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert '"gunicorn", "promeneurs.wsgi"' in dockerfile


def run_compose_config(env_overrides, tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        if IN_CI:
            pytest.fail(
                "docker-compose is missing: CI validates the compose file (apt-get install docker-compose)"
            )
        pytest.skip("docker-compose is not installed")
    # A copy in an empty folder, so that a developer's .env does not take part.
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_FILE.read_text())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [binary, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_docker_compose_validates_the_file(tmp_path):
    result = run_compose_config({"DJANGO_SECRET_KEY": "x" * 50, "POSTGRES_PASSWORD": "secret"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_run_without_a_secret_key(tmp_path):
    result = run_compose_config({"POSTGRES_PASSWORD": "secret"}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- The reverse proxy ---------------------------------------------------------------------------

CADDYFILE = ROOT / "deploy" / "Caddyfile"


def caddy_directives():
    """The Caddyfile's lines, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in CADDYFILE.read_text().splitlines())
    return [line for line in lines if line]


def test_a_caddy_proxy_from_the_official_image_is_the_only_published_entry(services):
    proxy = services["proxy"]
    assert proxy["image"].split(":")[0] == "caddy"
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    # gunicorn is not published: a client cannot bypass the proxy and forge X-Forwarded-For.
    assert "ports" not in services["web"]
    assert services["web"]["expose"] == ["8000"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_does_tls_compression_and_forwards_to_gunicorn_with_the_forwarded_headers():
    directives = caddy_directives()
    # A site address (a name, not ":80") is what makes Caddy serve it over HTTPS, with a certificate.
    assert directives[0] == "{$SITE_DOMAIN:localhost} {"
    assert "encode zstd gzip" in directives
    assert "reverse_proxy web:8000 {" in directives
    for header in ("X-Forwarded-For {remote_host}", "X-Forwarded-Proto {scheme}", "X-Forwarded-Host {host}"):
        assert f"header_up {header}" in directives


def test_static_and_media_files_are_served_by_the_proxy_from_the_volumes_of_web(services):
    text = "\n".join(caddy_directives())
    for prefix in ("/static/", "/media/"):
        block = re.search(r"handle " + re.escape(prefix) + r"\* \{(.*?)\n\}", text, re.DOTALL)
        assert block, f"no handle block for {prefix}"
        assert "root * /srv" in block.group(1)
        assert "file_server" in block.group(1)
    web_volumes = {v.split(":")[1]: v.split(":")[0] for v in services["web"]["volumes"]}
    proxy_volumes = {v.split(":")[1]: v.split(":")[0] for v in services["proxy"]["volumes"]}
    assert web_volumes["/app/staticfiles"] == proxy_volumes["/srv/static"]
    assert web_volumes["/app/media"] == proxy_volumes["/srv/media"]
    assert "collectstatic --noinput" in command_of(services["web"])


def test_the_portal_trusts_exactly_one_proxy(services):
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_BEHIND_PROXY"] == "true"
        assert environment["DJANGO_TRUSTED_PROXY_COUNT"] == "1"


def test_every_service_has_a_healthcheck_and_a_restart_policy(services):
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") in {"always", "unless-stopped"}, f"{name} is not restarted"
    assert "inspect ping" in healthcheck_of(services["worker"])
    assert "celerybeat-schedule" in healthcheck_of(services["beat"])


def test_worker_beat_and_migrations_get_a_longer_statement_timeout_than_pages(services):
    assert services["worker"]["environment"]["DATABASE_STATEMENT_TIMEOUT"].startswith(
        "${WORKER_STATEMENT_TIMEOUT:-"
    )
    assert services["beat"]["environment"]["DATABASE_STATEMENT_TIMEOUT"].startswith(
        "${WORKER_STATEMENT_TIMEOUT:-"
    )
    assert "DATABASE_STATEMENT_TIMEOUT=0 python manage.py migrate" in command_of(services["web"])
