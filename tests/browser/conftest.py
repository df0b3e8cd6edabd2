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

