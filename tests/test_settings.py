"""The settings come from the environment: each test loads them in a fresh process with a chosen one.

A subprocess is the only honest way: settings are read once per process, and the test session
itself runs on `promeneurs.settings.test`.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The subprocess starts from none of the settings' variables. Those whose empty value means
# "unset" are set empty, so that a developer's `.env` file (read without overriding the
# environment) cannot fill them in.
EMPTY_MEANS_UNSET = ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"]
SETTINGS_PREFIXES = (
    "DJANGO_",
    "CELERY_",
    "DATABASE_",
    "SITE_URL",
    "SQLITE_PATH",
    "MAP_",
    "DEFAULT_FROM_EMAIL",
)

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "promeneurs.example.fr",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://promeneurs.example.fr",
    "SITE_URL": "https://promeneurs.example.fr",
    "DJANGO_BEHIND_PROXY": "true",
    # Without it Django warns (security.W021); the operator commits the domain to the preload list.
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
}

SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from promeneurs.celery import app
cache_backend = import_string(settings.CACHES["default"]["BACKEND"])
print(json.dumps({
    "cache_is_redis": issubclass(cache_backend, RedisCache),
    "cache_is_locmem": issubclass(cache_backend, LocMemCache),
    "DEBUG": settings.DEBUG,
    "DATABASE": {k: v for k, v in settings.DATABASES["default"].items() if k != "PASSWORD"},
    "CACHE": settings.CACHES["default"],
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_broker_url": app.conf.broker_url,
    "celery_always_eager": app.conf.task_always_eager,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(settings, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", None),
}, default=str))
"""


def run_python(args, env, tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_PREFIXES)}
    environment.update({name: "" for name in EMPTY_MEANS_UNSET})
    environment.update(
        DJANGO_SETTINGS_MODULE="promeneurs.settings.base", SQLITE_PATH=str(tmp_path / "db.sqlite3")
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def load_settings(env, tmp_path):
    result = run_python(["-c", SHOW_SETTINGS], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def secret_key():
    return secrets.token_urlsafe(64)


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = run_python(["-c", "import django; django.setup()"], {"DJANGO_DEBUG": "false"}, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY est obligatoire" in result.stderr


def test_debug_off_with_secret_key_starts(tmp_path):
    settings = load_settings({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secret_key()}, tmp_path)

    assert settings["DEBUG"] is False


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env file may turn debug on")
def test_debug_is_off_unless_asked(tmp_path):
    result = run_python(["-c", "import django; django.setup()"], {}, tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY est obligatoire" in result.stderr


def test_embedded_default_sqlite_eager_tasks_local_memory_cache_console_email(tmp_path):
    settings = load_settings({"DJANGO_DEBUG": "true"}, tmp_path)

    assert settings["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DATABASE"]["NAME"] == str(tmp_path / "db.sqlite3")
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["celery_always_eager"] is True
    assert settings["cache_is_locmem"] is True
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_redis_url_gives_redis_broker_and_redis_cache(tmp_path):
    url = "redis://127.0.0.1:6380/3"
    settings = load_settings({"DJANGO_DEBUG": "true", "REDIS_URL": url}, tmp_path)

    assert settings["CELERY_BROKER_URL"] == url
    assert settings["celery_broker_url"] == url
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False
    assert settings["celery_always_eager"] is False
    assert settings["cache_is_redis"] is True
    assert settings["CACHE"]["LOCATION"] == url


def test_postgres_database_url_uses_psycopg_pool_with_timeout_under_gunicorns(tmp_path):
    settings = load_settings(
        {"DJANGO_DEBUG": "true", "DATABASE_URL": "postgres://pdn:motdepasse@db.example:5432/promeneurs"},
        tmp_path,
    )

    database = settings["DATABASE"]
    # Django's PostgreSQL backend with every wait bounded (promeneurs/db/base.py).
    assert database["ENGINE"] == "promeneurs.db"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.example", 5432, "promeneurs")
    pool = database["OPTIONS"]["pool"]
    # gunicorn kills a worker after 30 s (Dockerfile): the pool must give up, and Django answer, before.
    assert 0 < pool["timeout"] < 30
    assert 1 <= pool["min_size"] <= pool["max_size"]
    assert database["CONN_MAX_AGE"] == 0  # persistent connections and the pool exclude each other
    # A database that hangs fails a page in a few seconds: connecting, each statement.
    assert 2 <= database["OPTIONS"]["connect_timeout"] <= pool["timeout"] + 2
    assert database["OPTIONS"]["options"] == "-c statement_timeout=5000"
    assert database["ATOMIC_REQUESTS"] is True


def test_pool_is_tuned_from_the_environment(tmp_path):
    settings = load_settings(
        {
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": "postgres://pdn@db.example:5432/promeneurs",
            "DATABASE_POOL_MAX_SIZE": "8",
            "DATABASE_POOL_TIMEOUT": "5",
        },
        tmp_path,
    )

    assert settings["DATABASE"]["OPTIONS"]["pool"]["max_size"] == 8
    assert settings["DATABASE"]["OPTIONS"]["pool"]["timeout"] == 5


def test_email_url_configures_smtp(tmp_path):
    settings = load_settings({"DJANGO_DEBUG": "true", "EMAIL_URL": "smtp://mailpit:1025"}, tmp_path)

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("mailpit", 1025)


def test_deploy_check_passes_with_production_variables(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DJANGO_SECRET_KEY": secret_key()},
        tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("DJANGO_SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("DJANGO_SECURE_SSL_REDIRECT", "false", "security.W008"),
        ("DJANGO_SESSION_COOKIE_SECURE", "false", "security.W012"),
        ("DJANGO_CSRF_COOKIE_SECURE", "false", "security.W016"),
        ("DJANGO_SECURE_HSTS_PRELOAD", "false", "security.W021"),
        ("DJANGO_DEBUG", "true", "security.W018"),
    ],
)
def test_deploy_check_catches_an_insecure_production(tmp_path, variable, value, warning):
    """The check above is not vacuous: weakening one variable makes it fail."""
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DJANGO_SECRET_KEY": secret_key(), variable: value},
        tmp_path,
    )

    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_every_variable_read_by_the_settings_is_documented():
    source = (ROOT / "promeneurs" / "settings" / "base.py").read_text()
    variables = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= variables  # the pattern finds them

    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert not [name for name in sorted(variables) if not re.search(rf"^#? ?{name}=", example, re.MULTILINE)]
    assert not [name for name in sorted(variables) if f"`{name}`" not in readme]


def test_env_example_holds_no_secret():
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=$", example, re.MULTILINE)
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)
