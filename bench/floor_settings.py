"""Settings of the benchmark's server: the application's own, and a URL map that adds the
floor view (bench/floor_urls.py). Nothing else differs, so the pages are measured as they run
in production."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
