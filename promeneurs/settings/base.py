"""Settings of the portal, read from the environment.

This one module is complete and production-safe: development and production differ only by
their environment variables (see `.env.example` and the README). With no `DATABASE_URL` and no
`REDIS_URL` the site runs on the embedded default: SQLite, Celery tasks executed eagerly,
a local-memory cache and e-mails printed to the console.
"""

import importlib.util
import shutil
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY est obligatoire quand DJANGO_DEBUG est désactivé.")
    SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-on-0123456789"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications -----------------------------------------------------------------------------

INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third parties
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "captcha",
    "import_export",
    # The portal
    "accounts",
    "structures",
    "referrals",
    "news",
    "comments",
    "notifications",
    "stats",
    "opendata",
    "pages",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A stored public page, to a visitor without a session: what follows is skipped (its headers
    # are given as it gave them). After the CSRF middleware, whose cookie a form page needs.
    "promeneurs.public_cache.PublicPageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "promeneurs.urls"
WSGI_APPLICATION = "promeneurs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.portal",
                # After Django's own CSRF processor: a form page rendered for the shared cache.
                "promeneurs.public_cache.csrf_marker",
            ],
        },
    },
]
# Django's form renderer, with its widget templates written in Python (promeneurs/forms_rendering.py).
FORM_RENDERER = "promeneurs.forms_rendering.PortalFormRenderer"

# --- Database ---------------------------------------------------------------------------------

if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Bounds of every wait on PostgreSQL, in seconds (promeneurs/db/base.py): a database that hangs
# fails a page in a few seconds with the French 503 page, never after gunicorn's 30 s.
# Connecting (libpq's connect_timeout; 2 at least).
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
# A statement, cancelled by the server (0: none); the connection is cut one second later if the
# server does not answer at all. The worker, beat and migrations may be given more.
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=5)
# With DATABASE_STATEMENT_TIMEOUT=0, a query whose server does not answer is cut after this.
DATABASE_HANG_TIMEOUT = env.int("DATABASE_HANG_TIMEOUT", default=300)
# The check of a connection taken from the pool.
DATABASE_CHECK_TIMEOUT = env.float("DATABASE_CHECK_TIMEOUT", default=2)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's backend: Django's, with the bounds above.
    DATABASES["default"]["ENGINE"] = "promeneurs.db"
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["connect_timeout"] = max(DATABASE_CONNECT_TIMEOUT, 2)
    if DATABASE_STATEMENT_TIMEOUT:
        options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}"
    # psycopg 3's connection pool. Its timeout stays well under gunicorn's worker timeout (30 s)
    # so that Django answers an error before gunicorn kills the worker. Processes × max_size
    # must stay under PostgreSQL's max_connections. Connections taken from it are checked by the
    # backend, with a deadline (psycopg_pool's own check has none): hence no CONN_HEALTH_CHECKS.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    options["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=3),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that keeps answering when Redis does not (rate limits, allauth's
            # locks and TOTP codes fall back to a per-process memory cache, and the failure is
            # logged): with Redis down, the public site and the dashboard keep working.
            "BACKEND": "notifications.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pdn",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker, tasks run in the process that sends them (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/Paris"
# The worker waits for the broker at start-up and after losing it, however long it takes.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing (from a web request, after its commit) gives up fast when the broker is unreachable:
# the outbox row is committed anyway and the sweep sends it later (notifications/services.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# A message taken by a worker that dies comes back after `visibility_timeout`: it must exceed the
# longest a task may run (time limits below) and the longest retry countdown of a task, or a
# message still in a live worker's hands would be delivered a second time.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Connect and socket timeouts: a broker that hangs (Redis frozen) fails each try in seconds instead
# of blocking a publisher or a worker for ever (the BRPOP of a worker waits 1 s, well under them).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
# With late acknowledgement, a worker reserves one message per process, not four.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The outbox (notifications/): how e-mails are sent, retried and given up.
# Hard time limit of one sending (SMTP included; EMAIL_TIMEOUT is 10 s); the soft limit is 80 % of it.
NOTIFICATION_SEND_TIME_LIMIT = 60
# Hours a notification keeps being retried (a long SMTP outage, say) before it is marked failed,
# counted in the admin's banner and /healthz; the admin's "Réessayer" starts a new period.
NOTIFICATION_RETRY_PERIOD_HOURS = env.float("NOTIFICATION_RETRY_PERIOD_HOURS", default=72)
# Exponential back-off between attempts: 1 min, 2, 4… capped at 30 min (< visibility_timeout).
NOTIFICATION_RETRY_BASE_SECONDS = 60
NOTIFICATION_RETRY_MAX_SECONDS = 1800
# The sweep re-enqueues notifications still waiting this long after they were due.
NOTIFICATION_SWEEP_AFTER_SECONDS = env.int("NOTIFICATION_SWEEP_AFTER_SECONDS", default=60)
# How often beat runs the sweep.
NOTIFICATION_SWEEP_INTERVAL_SECONDS = env.float("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=60)
# A message the SMTP server accepted while the database connection was lost: seconds spent
# recording it on a new connection (under the sending's time limit) before it is left to be resent.
NOTIFICATION_MARK_SENT_RETRY_SECONDS = 20
# /healthz and the admin's banner warn when the sweep has not run for this long (beat or worker down).
NOTIFICATION_SWEEP_ALERT_SECONDS = env.int("NOTIFICATION_SWEEP_ALERT_SECONDS", default=300)
# Sent notifications (references and themes, never content) are deleted after this many months.
NOTIFICATION_RETENTION_MONTHS = 12

# Every periodic task of the portal is declared here, in this one schedule (Paris time).
CELERY_BEAT_SCHEDULE = {
    # Outbox: re-enqueue what a broker outage or a lost worker left waiting.
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": NOTIFICATION_SWEEP_INTERVAL_SECONDS,
    },
    # Requests not taken in charge: reminder at 48 h, escalation at 96 h (each sent once).
    "remind-unclaimed-requests": {
        "task": "referrals.tasks.remind_unclaimed_requests",
        "schedule": crontab(minute="*/15"),
    },
    "expire-orientations": {
        "task": "referrals.tasks.expire_orientations",
        "schedule": crontab(minute=15),
    },
    # Orientations expiring within three days: the receiving structure is told (once).
    "warn-expiring-orientations": {
        "task": "referrals.tasks.warn_expiring_orientations",
        "schedule": crontab(minute=20),
    },
    # Retention (design §3.6): anonymise closed requests, erase withdrawn ones, purge the logs.
    "apply-retention": {
        "task": "referrals.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    # Label, training and charter renewals; conventions ending within 60 days.
    "remind-network-renewals": {
        "task": "notifications.tasks.remind_network_renewals",
        "schedule": crontab(hour=8, minute=0),
    },
    # The daily digest of those who chose it, and the coordinators' weekly digest (Monday).
    "send-daily-digests": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    # CAPTCHA challenges whose time is up (the forms write them in batches, promeneurs/captcha.py).
    "remove-expired-challenges": {
        "task": "pages.tasks.remove_expired_challenges",
        "schedule": crontab(minute=40),
    },
    # Statistics: the monthly figures of the months that changed; every month at night.
    "refresh-statistics": {
        "task": "stats.tasks.refresh_statistics",
        "schedule": crontab(minute="*/10"),
    },
    "rebuild-statistics": {
        "task": "stats.tasks.refresh_statistics",
        "schedule": crontab(hour=3, minute=45),
        "kwargs": {"full": True},
    },
    "send-weekly-digests": {
        "task": "notifications.tasks.send_weekly_digests",
        "schedule": crontab(hour=7, minute=45, day_of_week="mon"),
    },
}

# --- E-mail -----------------------------------------------------------------------------------

if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Promeneurs du Net <ne-pas-repondre@promeneursdunet.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where visitors report an accessibility problem (the accessibility statement).
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="accessibilite@promeneursdunet.fr")
EMAIL_TIMEOUT = 10

# --- Accounts ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "pages:home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Promeneurs du Net] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Promeneurs du Net"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# The key that encrypts TOTP secrets and recovery-code seeds in the database (any long random
# string); unset, a key derived from DJANGO_SECRET_KEY. Changing it makes the stored second
# factors unreadable: everyone would set theirs up again.
MFA_ENCRYPTION_KEY = env.str("DJANGO_MFA_ENCRYPTION_KEY", default="")
# Every account that can open the dashboard or the admin must pass a second factor (TOTP or a
# recovery code): accounts/middleware.py. Off only in the test settings (force_login).
MFA_REQUIRED = env.bool("DJANGO_MFA_REQUIRED", default=True)
# allauth's rate limits, on the default cache (Redis in production, shared by every process).
# A wrong password or TOTP code: 5 per account in 15 minutes (then locked out), 10 per IP a minute.
LOGIN_ATTEMPTS_LIMIT = env.int("DJANGO_LOGIN_ATTEMPTS_LIMIT", default=5)
LOGIN_ATTEMPTS_TIMEOUT = env.int("DJANGO_LOGIN_ATTEMPTS_TIMEOUT", default=15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": f"10/m/ip,{LOGIN_ATTEMPTS_LIMIT}/{LOGIN_ATTEMPTS_TIMEOUT}s/key",
    "reset_password": "20/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Invitations (accounts/models.py): the link is valid this many days, once.
INVITATION_VALID_DAYS = env.int("DJANGO_INVITATION_VALID_DAYS", default=7)
# Signed-in sessions end after 30 minutes without a request and 12 hours after the login
# (accounts/middleware.py); the cookie and the stored session never outlive the 12 hours.
SESSION_IDLE_SECONDS = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_MAX_SECONDS = env.int("DJANGO_SESSION_MAX_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet comes from the django-leaflet package: only its static files are used (its Django app
# would require GDAL), so its static folder is served as one of ours, without copying it.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor", Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))


def media_storage(env):
    """Where uploaded files (promeneurs' photos) go: the local disk, or an S3-compatible object store
    (django-storages) when several machines serve the site. Only the environment chooses."""
    if env("DJANGO_MEDIA_STORAGE", default="local") != "s3":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": env("S3_BUCKET_NAME"),
        "endpoint_url": env("S3_ENDPOINT_URL", default=None),
        "region_name": env("S3_REGION_NAME", default=None),
        "access_key": env("S3_ACCESS_KEY_ID", default=None),
        "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
        "custom_domain": env("S3_CUSTOM_DOMAIN", default=None),
        "location": env("S3_LOCATION", default="media"),
        # The photos are public: plain addresses, no signed query strings; never overwrite a file.
        "querystring_auth": False,
        "file_overwrite": False,
        "default_acl": env("S3_DEFAULT_ACL", default=None),
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {name: value for name, value in options.items() if value is not None},
    }


STORAGES = {
    "default": media_storage(env),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Map --------------------------------------------------------------------------------------

# Tile server of the directory's map; empty: the map shows the structures without a background.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env(
    "MAP_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>',
)

# --- Security ---------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production cookie names with the __Host- prefix (secure, no Domain, path /): only with secure cookies.
if env.bool("DJANGO_HOST_PREFIXED_COOKIES", default=SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Content-Security-Policy (django-csp 4): no inline script or style anywhere.
_tile_origin = ""
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tile = urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    _tile_host = _tile.netloc.replace("a.", "*.", 1) if "{s}" in MAP_TILE_URL else _tile.netloc
    _tile_origin = f"{_tile.scheme}://{_tile_host}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin] if _tile_origin else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    # The follow-up links' tokens never reach a log (promeneurs/redaction.py).
    "filters": {"redact_tokens": {"()": "promeneurs.redaction.RedactTokenFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- CAPTCHA (django-simple-captcha) ---------------------------------------------------------

# A French "fill in the blank" challenge of our own (promeneurs/captcha.py).
CAPTCHA_CHALLENGE_FUNCT = "promeneurs.captcha.fill_in_the_blank"
CAPTCHA_TIMEOUT = env.int("CAPTCHA_TIMEOUT_MINUTES", default=45)
# Challenges written to the database at a time (promeneurs/captcha.py): one commit per batch, not per
# page; a process that hands out its batches quickly doubles the next, up to CAPTCHA_BATCH_MAX.
CAPTCHA_BATCH_SIZE = 50
CAPTCHA_BATCH_MAX = 500
CAPTCHA_FLITE_PATH = env("CAPTCHA_FLITE_PATH", default=shutil.which("flite") or "") or None
CAPTCHA_IMAGE_SIZE = (220, 60)
CAPTCHA_FONT_SIZE = 28
# Readable by people: little rotation, dots rather than arcs across the letters.
CAPTCHA_LETTER_ROTATION = (-15, 15)
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_dots",)

# --- Spreadsheets (django-import-export) ------------------------------------------------------

# The admin's formats (promeneurs/spreadsheets.py) neutralise every formula cell (=, +, -, @, tab,
# carriage return) themselves; this setting covers any stock format used without them.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# --- The portal -------------------------------------------------------------------------------

DIRECTORY_PAGE_SIZE = 20
# Above this many structures, the directory's map fetches its points instead of the page listing them.
DIRECTORY_MAP_INLINE_MAX = env.int("DIRECTORY_MAP_INLINE_MAX", default=100)
# The public contact form: a submission faster than this is a robot's; an older form has expired.
CONTACT_FORM_MIN_SECONDS = env.int("CONTACT_FORM_MIN_SECONDS", default=3)
CONTACT_FORM_MAX_SECONDS = env.int("CONTACT_FORM_MAX_SECONDS", default=2 * 3600)
# Reverse proxies in front of the site: the client's IP is read from X-Forwarded-For accordingly
# (0: REMOTE_ADDR is the client; 1 behind one proxy).
ANTISPAM_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# allauth's login limits read the client address the same way: behind the proxy, failed logins from
# many visitors do not share one bucket (and lock everyone out).
ALLAUTH_TRUSTED_PROXY_COUNT = ANTISPAM_TRUSTED_PROXY_COUNT
# --- Delays of the workflows: defined here once, read by the code, the pages and the e-mails -----
# (promeneurs/thresholds.py hands them to the templates).
# A new request nobody has taken in charge: a reminder to its structure after this many hours
# (the dashboards flag it as late from then on), an escalation to the département's coordination
# after REQUEST_ESCALATION_HOURS, or after URGENT_ESCALATION_HOURS when it is urgent.
REQUEST_REMINDER_HOURS = 48
REQUEST_ESCALATION_HOURS = 96
URGENT_ESCALATION_HOURS = env.int("URGENT_ESCALATION_HOURS", default=4)
# An orientation not answered expires after this many days; the receiving structure is warned
# ORIENTATION_WARNING_DAYS before it does.
ORIENTATION_LIFETIME_DAYS = 30
ORIENTATION_WARNING_DAYS = 3
# A label runs for this many years from the labelling; continuing training is due every
# TRAINING_VALIDITY_YEARS. The promeneur and the coordination are told this many days before a
# label, and the coordination before a signed convention, runs out.
LABEL_VALIDITY_YEARS = 3
TRAINING_VALIDITY_YEARS = 2
LABEL_RENEWAL_NOTICE_DAYS = 60
CONVENTION_END_NOTICE_DAYS = 60
# The access log of the requests is deleted after this many months.
ACCESS_LOG_RETENTION_MONTHS = 12
# Submissions accepted per IP address and hour (contact and comment forms).
# Many young people share one address (a school, a youth centre, a mobile carrier's NAT): the bucket
# stops a flood from one source, the CAPTCHA and the honeypot are the real gate.
FORM_RATE_LIMIT_PER_HOUR = env.int("FORM_RATE_LIMIT_PER_HOUR", default=40)
# Comments on Fil info articles close this many days after publication.
COMMENTS_CLOSE_AFTER_DAYS = env.int("COMMENTS_CLOSE_AFTER_DAYS", default=60)
# Validity of the young person's follow-up link.
FOLLOW_UP_LINK_DAYS = env.int("FOLLOW_UP_LINK_DAYS", default=60)
# Wrong reference + code attempts on /suivi/ allowed in an hour, per reference and per address.
FOLLOW_UP_CODE_ATTEMPTS_PER_REFERENCE = env.int("FOLLOW_UP_CODE_ATTEMPTS_PER_REFERENCE", default=5)
FOLLOW_UP_CODE_ATTEMPTS_PER_ADDRESS = env.int("FOLLOW_UP_CODE_ATTEMPTS_PER_ADDRESS", default=30)
# Closed requests are anonymised after this many months (design §3.6).
REQUEST_RETENTION_MONTHS = env.int("REQUEST_RETENTION_MONTHS", default=24)
# The anonymous public pages are kept in the cache, under versioned keys (promeneurs/public_cache.py);
# off: every request renders its page (the benchmark measures the first render that way).
PUBLIC_PAGE_CACHE = env.bool("PUBLIC_PAGE_CACHE", default=True)
