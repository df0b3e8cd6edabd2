"""What a test needs from outside the repository (a browser, a public data file), found or refused in one place.

Locally a missing need skips the test with the reason. CI sets `GONGZHI_REQUIRE_BROWSER=1` and
`GONGZHI_REQUIRE_DATA=1`, and there a missing need fails the test instead, so a run that silently left out
the browser journeys or the routing quality gate cannot pass.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
from django.conf import settings

# The public data sets sit beside the checkout, shared by every clone: ../shared/data.
DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data"


def missing(reason: str, *, required_by: str) -> NoReturn:
    """Skip with `reason`, or fail with it when the environment variable `required_by` is "1"."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason}; {required_by}=1 requires it", pytrace=False)
    pytest.skip(reason)


def data_file(*parts: str) -> Path:
    """The public data file DATA_DIR/parts…, or a skip (a failure under GONGZHI_REQUIRE_DATA=1) when absent."""
    path = DATA_DIR.joinpath(*parts)
    if not path.is_file():
        missing(f"the public data file {path} is not present", required_by="GONGZHI_REQUIRE_DATA")
    return path
