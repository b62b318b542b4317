"""Settings of the servers bench_portal.py starts: the platform's own, plus the floor page's URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.portal_urls"
