"""Test settings: the base settings with the few changes a test run needs."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-used-anywhere-else-0123456789-abcdefghij")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
# Browser tests never fetch map tiles from the internet.
os.environ.setdefault("MAP_TILE_URL", "")

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
