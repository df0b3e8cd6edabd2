import pytest

from conftest import PASSWORD


@pytest.fixture
def login(live_server):
    """Signs `username` in through the real login page of the live server."""

    def sign_in(page, username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("domcontentloaded")

    return sign_in


@pytest.fixture
def console_errors(page):
    """JavaScript errors raised on the page during the test; a test asserts the list stays empty."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def pytest_collection_modifyitems(config, items):
    """Under `pytest -n` every browser test runs on one worker (`--dist loadgroup`): one Chromium at a time
    on a two-core machine, started once per run instead of once per worker."""
    group = pytest.mark.xdist_group("browser")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(group)
