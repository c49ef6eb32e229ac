# The portal's production image: gunicorn serves promeneurs.wsgi, whitenoise the static files.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 1000 promeneurs \
    && useradd --system --uid 1000 --gid promeneurs --home-dir /app --shell /usr/sbin/nologin promeneurs

WORKDIR /app

# WeasyPrint (PDF reports) draws text with pango; the reports are set in DejaVu.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them: the exact versions of the
# lock, each checked against its hash (`make lock` refreshes it from pyproject.toml's ranges).
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes --no-deps -r requirements/lock.txt

COPY . .

# Static files are collected at build time. The settings refuse to load without a secret when
# debug is off: this dummy one exists only during the build and is never used at run time.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-time-dummy-secret-key-never-used-at-run-time-0123456789abcdef \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown -R promeneurs:promeneurs /app/media

USER promeneurs

ENV DJANGO_MEDIA_ROOT=/app/media
EXPOSE 8000

# gunicorn's worker timeout (30 s) stays above DATABASE_POOL_TIMEOUT (10 s by default), so a
# request waiting for a database connection gets Django's error page before gunicorn kills it.
CMD ["gunicorn", "promeneurs.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--graceful-timeout", "30", "--access-logfile", "-"]
