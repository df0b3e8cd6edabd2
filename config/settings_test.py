"""Settings for the test suite: the demo settings with a fast password hasher."""

import os

os.environ.setdefault("GONGZHI_DEMO", "true")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Many tests file reports from the one test client address; the report limit has its own tests, which set it.
REPORT_RATE_LIMIT = 0
