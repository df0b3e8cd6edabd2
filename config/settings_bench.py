"""Settings for `python manage.py bench_intake`: the normal settings, plus the bench-only URLconf.

Used only by the app servers the benchmark starts on loopback; no deployment names this module.
"""

from .settings import *  # noqa: F403

ROOT_URLCONF = "config.urls_bench"
# The anonymous intake limit (30 per address per 10 minutes) would refuse a load test from one address;
# the benchmark measures throughput, so the limit is off here and only here.
INTAKE_RATE_LIMIT = 0
