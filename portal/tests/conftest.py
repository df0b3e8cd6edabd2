"""Fixtures for the residents' pages (the helpers they build on live in `helpers.py`)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from .helpers import Categories, Driver, make_categories


@pytest.fixture(autouse=True)
def fresh_cache():
    """The lookup limit counts in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def categories(tree) -> Categories:
    return make_categories(tree)


@pytest.fixture
def driver(users, categories, tree) -> Driver:
    return Driver(users, categories, tree)
