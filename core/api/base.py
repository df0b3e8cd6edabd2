"""The NinjaAPI of Gongzhi: django-ninja, with every answer under /api/v1/ in the project's error shape.

django-ninja routes only the paths its routers declare. Left to Django, an unknown path under /api/v1/
would get Django's HTML 404 page, the API root a 404 raised by ninja, and a known path called with the
wrong method a bare text/plain 405. `GongzhiAPI` adds to ninja's URL patterns:

- a final catch-all pattern answering 404 `not_found` for any other path under the API's prefix;
- the API root answering the same 404;
- a wrapper on every operation's view turning ninja's 405 into 405 `method_not_allowed` (the `Allow`
  header kept).

All three bodies are `{"error": {"code", "message", "fields"}}` like every other error of the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, path, re_path
from ninja import NinjaAPI

from .errors import error_body


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """A response with the project's error body, outside ninja's own exception handling."""
    return JsonResponse(
        error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False},
    )


def unknown_route(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under the API that no operation declares."""
    return error_response(404, "not_found", "接口地址不存在，请查看 /api/v1/docs")


def method_not_allowed(allowed: str) -> JsonResponse:
    """405 with the methods the path does accept."""
    response = error_response(405, "method_not_allowed", f"该接口不支持此请求方法，可用方法：{allowed}")
    response["Allow"] = allowed
    return response


def _json_method_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap one operation view so that ninja's plain-text 405 comes back in the error shape."""

    @functools.wraps(view)  # keeps `csrf_exempt` and the other flags ninja sets on its views
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(response.get("Allow", ""))
        return response

    return wrapper


class GongzhiAPI(NinjaAPI):
    """NinjaAPI whose unknown paths and wrong methods answer in the project's JSON error shape."""

    def _get_urls(self) -> list:
        patterns: list = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern):
                if pattern.name == "api-root":
                    # ninja reverses this name to learn the API's mount point; only the view changes.
                    pattern = path("", unknown_route, name="api-root")
                else:
                    pattern = URLPattern(
                        pattern.pattern, _json_method_errors(pattern.callback), pattern.default_args, pattern.name,
                    )
            patterns.append(pattern)
        patterns.append(re_path(r"^.*$", unknown_route, name="unknown"))
        return patterns
