"""Fixtures of the REST API tests: a JSON client that signs users in, and cases driven by the services."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from tests.case_world import CaseWorld


class Api:
    """A test client that signs each user in once and speaks JSON."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post(
                "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
            )
            assert response.status_code == 200, response.content
            self.tokens[username] = response.json()["token"]
        return self.tokens[username]

    def get(self, username: str, url: str, **params):
        return self.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {self.token(username)}")

    def ok(self, username: str, url: str, **params) -> dict:
        response = self.get(username, url, **params)
        assert response.status_code == 200, response.content.decode()
        return response.json()

    def walk(self, username: str, url: str, **params) -> list[dict]:
        """Every item of a paged list, following `next_cursor` to the end."""
        items: list[dict] = []
        cursor = None
        for _ in range(1000):
            page = self.ok(username, url, **params, **({"cursor": cursor} if cursor else {}))
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("the list never ended")


@pytest.fixture
def api(client, users) -> Api:
    return Api(client)


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)
