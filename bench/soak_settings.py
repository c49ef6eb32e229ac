"""Settings of the gunicorn that bench/soak.py starts: production settings from the environment,
plus one bare Django view (bench/soak_urls.py) to compare the pages with."""

from promeneurs.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.soak_urls"
