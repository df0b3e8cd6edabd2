"""Every `aria-describedby` on a staff or public page points at an element of that page, so a screen reader
reads a field's help text and its error with the field."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = [
    ("county", "/regions/facilities/"),
    ("county", "/regions/facilities/new/"),
    ("county", "/organisations/"),
    ("county", "/cases/"),
    ("community", "/cases/new/"),
    ("community", "/meetings/new/"),
    ("community", "/meetings/matters/new/"),
    (None, "/public/report/"),
]


def _dangling(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    wanted = [ref for refs in re.findall(r'aria-describedby="([^"]*)"', html) for ref in refs.split()]
    return [ref for ref in wanted if ref not in ids]


@pytest.mark.parametrize(("username", "url"), PAGES)
def test_described_by_points_at_text_on_the_page(users, username, url):
    client = Client()
    if username:
        assert client.login(username=username, password=PASSWORD)
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert "aria-describedby" in html, url
    assert _dangling(html) == [], url
