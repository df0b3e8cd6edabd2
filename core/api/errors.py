"""One shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from core.workflow import MoveNotAllowed, RuleRefused, StaleRecord


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None, *,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        # Headers the answer must carry, such as `Retry-After` on a 429.
        self.headers = headers or {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def not_found(message: str = "对象不存在或无权访问") -> ApiError:
    # Out-of-scope objects answer 404 too, so their existence does not leak.
    return ApiError(404, "not_found", message)


@contextlib.contextmanager
def service_errors(coded_messages: Mapping[str, str] | None = None) -> Iterator[None]:
    """The services' refusals in the API's error shape: a lost version 409, a refused move or rule 400.

    `coded_messages` gives a validation message its own error code (a closed consultation, say), so a
    client can tell it apart from a mistyped field without reading the Chinese text.
    """
    try:
        yield
    except StaleRecord as exc:
        raise ApiError(409, "stale_version", str(exc)) from exc
    except MoveNotAllowed as exc:
        raise ApiError(400, "transition_not_allowed", str(exc)) from exc
    except RuleRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or "无权执行此操作") from exc
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for message, code in (coded_messages or {}).items():
            if any(messages == [message] for messages in fields.values()):
                raise ApiError(400, code, message, fields) from exc
        raise ApiError(400, "invalid", "请求参数不正确", fields) from exc


def install_handlers(api) -> None:
    """Register the handlers that give every exception an operation can raise the project's shape."""
    import logging

    from django.http import Http404
    from ninja.errors import AuthenticationError, HttpError
    from ninja.errors import ValidationError as SchemaError

    logger = logging.getLogger("api")

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError):
        response = api.create_response(request, error_body(exc.code, exc.message, exc.fields), status=exc.status)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(SchemaError)
    def _validation(request: HttpRequest, exc: SchemaError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")]
            fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
        return api.create_response(request, error_body("invalid", "请求参数不正确", fields), status=400)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc):
        return api.create_response(request, error_body("unauthorized", "需要有效的访问令牌"), status=401)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError):
        return api.create_response(request, error_body("http_error", str(exc)), status=exc.status_code)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404):
        return api.create_response(request, error_body("not_found", "对象不存在或无权访问"), status=404)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied):
        return api.create_response(request, error_body("forbidden", str(exc) or "无权执行此操作"), status=403)

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception):
        # Logged with its traceback for the operators; the caller learns only that it failed.
        logger.exception("API %s %s failed", request.method, request.path, exc_info=exc)
        return api.create_response(request, error_body("server_error", "服务器内部错误，请稍后再试"), status=500)
