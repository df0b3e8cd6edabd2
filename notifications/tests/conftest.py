"""Fixtures for notification tests: the case world, and an empty SMS outbox for every test."""

from __future__ import annotations

import pytest

from notifications.sms import LoggingSmsBackend
from tests.case_world import CaseWorld


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def outbox():
    LoggingSmsBackend.outbox.clear()
    yield LoggingSmsBackend.outbox
    LoggingSmsBackend.outbox.clear()


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)
