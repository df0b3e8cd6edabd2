"""The normal URLs plus `POST /bench/insert`, a bare view that does exactly one INSERT.

It is the baseline `bench_intake` compares real intake with: the same app server, middleware and
database, and nothing but one row written. Only `config.settings_bench` routes here.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.models import AuditEvent

from .urls import urlpatterns as base_urlpatterns


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    """One INSERT (an audit row) and a small JSON answer."""
    event = AuditEvent.objects.create(action=AuditEvent.Action.CREATE, target_type="bench", target_label="bench")
    return JsonResponse({"id": event.pk}, status=201)


urlpatterns = [path("bench/insert", bare_insert), *base_urlpatterns]
