"""The Celery application: `celery -A promeneurs worker` and `celery -A promeneurs beat`."""

import os

from celery import Celery

from . import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "promeneurs.settings.base")

# redis:// goes through the portal's transport, which keeps a worker alive when Redis is lost.
broker.register()

app = Celery("promeneurs")
# Every setting named CELERY_* in Django's settings configures Celery.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="promeneurs.ping")
def ping():
    """A no-op task: lets operators and tests check that a worker answers."""
    return "pong"
