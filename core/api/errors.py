"""One shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from django.http import HttpRequest


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def not_found(message: str = "对象不存在或无权访问") -> ApiError:
    # Out-of-scope objects answer 404 too, so their existence does not leak.
    return ApiError(404, "not_found", message)


def install_handlers(api) -> None:
    """Register the handlers that give every exception an operation can raise the project's shape."""
    import logging

    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    logger = logging.getLogger("api")

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError):
        return api.create_response(request, error_body(exc.code, exc.message, exc.fields), status=exc.status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError):
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
