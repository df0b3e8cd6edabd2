"""REST API v1: one NinjaAPI with bearer-token auth; each app contributes a router."""

from ninja import Router, Schema
from ninja.openapi.docs import Swagger

from accounts.services import TokenRefused, api_token_issue

from .auth import BearerAuth
from .base import GongzhiAPI
from .errors import ApiError, install_handlers
from .schemas import ErrorOut

api = GongzhiAPI(
    title="共治 Gongzhi API",
    version="1.0.0",
    description="三联三沉社区治理平台接口。除获取令牌外，所有接口都需要 `Authorization: Bearer <token>`。",
    auth=BearerAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Swagger UI from ninja's packaged static files; no online validator badge (nothing from the internet).
    docs=Swagger(settings={"validatorUrl": None}),
)
install_handlers(api)

auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str = ""


class TokenOut(Schema):
    token: str


@auth_router.post(
    "/token", auth=None, response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
)
def token(request, payload: TokenIn):
    """Exchange a username and password (and a one-time code `otp` when the account has one) for a bearer token.

    The sign-in lockout applies: after 5 failures in 10 minutes for an account or a client address the
    endpoint answers 429 `locked_out` for 10 minutes.
    """
    try:
        raw = api_token_issue(request=request, username=payload.username, password=payload.password, otp=payload.otp)
    except TokenRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    return {"token": raw}


api.add_router("/auth", auth_router)

from cases.api import router as cases_router  # noqa: E402
from regions.api import router as regions_router  # noqa: E402
from reports.api import router as reports_router  # noqa: E402

api.add_router("/regions", regions_router)
api.add_router("/reports", reports_router)
api.add_router("/cases", cases_router)

from . import cases_extra, categories, facilities, organisations  # noqa: E402

api.add_router("/cases", cases_extra.case_router)
api.add_router("", cases_extra.board_router)
api.add_router("/categories", categories.router)
api.add_router("/organisations", organisations.router)
api.add_router("/party-members", organisations.members_router)
api.add_router("/facilities", facilities.router)

from routing.api import router as routing_router  # noqa: E402

api.add_router("/routing", routing_router)
