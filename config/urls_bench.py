"""The normal URLs plus two bench-only endpoints that `bench_intake` compares real intake with.

- `POST /bench/insert`: a bare view that does exactly one INSERT (the baseline of the ratio);
- `POST /bench/api/insert`: the API's own machinery (django-ninja, the bearer-token look-up, the
  intake's request schema) in front of the same single INSERT, so the benchmark can tell what the
  API layer costs from what taking a case in costs.

Both run on the same app server, middleware and database as intake. Only `config.settings_bench`
routes here.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ninja import Status

from api.auth import BearerAuth
from cases.api import CaseIn
from core.api.base import GongzhiAPI
from core.api.errors import install_handlers
from core.models import AuditEvent

from .urls import urlpatterns as base_urlpatterns


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    """One INSERT (an audit row) and a small JSON answer."""
    event = AuditEvent.objects.create(action=AuditEvent.Action.CREATE, target_type="bench", target_label="bench")
    return JsonResponse({"id": event.pk}, status=201)


bench_api = GongzhiAPI(urls_namespace="bench_api", auth=BearerAuth(), docs_url=None, openapi_url=None)
install_handlers(bench_api)


@bench_api.post("/insert", response={201: dict})
def api_insert(request, payload: CaseIn):
    """The intake's payload parsed and its caller authenticated like `POST /api/v1/cases`, then one INSERT."""
    event = AuditEvent.objects.create(
        actor=request.user, action=AuditEvent.Action.CREATE, target_type="bench", target_label=payload.title[:200],
    )
    return Status(201, {"id": event.pk})


urlpatterns = [path("bench/insert", bare_insert), path("bench/api/", bench_api.urls), *base_urlpatterns]
