"""The browsable API documentation works in a browser under the site's Content-Security-Policy and
fetches nothing from anywhere but this server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_every_router_from_our_own_server(page, live_server, console_errors):
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name="共治 Gongzhi API")).to_be_visible()
    for tag in ("regions", "categories", "organisations", "party members", "facilities", "cases"):
        expect(page.locator(f"#operations-tag-{tag.replace(' ', '_')}")).to_be_visible()
    expect(page.locator('[data-path="/api/v1/regions/{code}"]')).to_be_visible()
    assert origins == {urlsplit(live_server.url).netloc}
    assert console_errors == []
