"""The demo county's published Open311 key, so that an Open311 client can report into the demo at once."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from open311.models import ApiKey
from open311.services import api_key_create, key_hash

DEMO_API_KEY = "demo-open311-key"
DEMO_API_KEY_NAME = "演示客户端"


def load() -> Counter:
    """Create the demo key (`demo-open311-key`) unless it exists; counts it under `open311_api_key`.

    Refused outside the demo: a published key must never open a production deployment.
    """
    created: Counter = Counter()
    if not settings.DEMO:
        raise ImproperlyConfigured("the demo Open311 key exists only in the demo (GONGZHI_DEMO=true)")
    if not ApiKey.objects.filter(key_hash=key_hash(DEMO_API_KEY)).exists():
        api_key_create(actor=None, name=DEMO_API_KEY_NAME, raw=DEMO_API_KEY)
        created["open311_api_key"] += 1
    return created
