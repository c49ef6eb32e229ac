"""Test settings: the base settings with the few changes a test run needs."""

import os
import re

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-used-anywhere-else-0123456789-abcdefghij")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
# Browser tests never fetch map tiles from the internet.
os.environ.setdefault("MAP_TILE_URL", "")


def _redis_url_of_this_worker(url, worker):
    """pytest-xdist: each worker has a Redis database of its own (each test flushes its cache).

    Worker gwN takes the database N places after REDIS_URL's: with redis://…/8 and `-n 4`, the
    workers use 8, 9, 10 and 11. Without xdist (or for gw0) the URL is unchanged.
    """
    if not url or not worker.startswith("gw") or worker == "gw0":
        return url
    match = re.fullmatch(r"(?P<base>redis://[^/?#]*)(?:/(?P<db>\d*))?", url)
    if not match:
        raise ImproperlyConfigured(f"REDIS_URL={url}: pytest-xdist needs a plain redis://host:port/db URL.")
    db = int(match["db"] or 0) + int(worker[2:])
    if db > 15:
        raise ImproperlyConfigured(
            f"REDIS_URL={url}: pytest-xdist worker {worker} would need Redis database {db}; "
            "start from a lower database number or use fewer workers (-n)."
        )
    return f"{match['base']}/{db}"


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_of_this_worker(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".pytest-media"  # noqa: F405
# No collectstatic in tests: whitenoise reads the files through the finders.
WHITENOISE_AUTOREFRESH = True
# The suite signs users in with `client.force_login`, which skips the second factor: the tests of
# the second factor (tests/security/) switch it on with the `settings` fixture.
MFA_REQUIRED = False
# Creating and dropping the test database may take longer than a page's statement timeout. The
# processes that fault tests start (gunicorn, workers) keep the production bounds.
DATABASE_STATEMENT_TIMEOUT = 0
DATABASES["default"].get("OPTIONS", {}).pop("options", None)  # noqa: F405
