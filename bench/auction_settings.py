"""Settings of the servers bench_auction.py starts: the platform's own, plus the floor endpoint."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.auction_urls"
