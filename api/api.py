"""REST API v1: one NinjaAPI with bearer-token auth, assembled from the router each app owns (its `api.py`).

This module sits above the apps whose routers it mounts; what the routers share lives in `core.api`."""

from ninja import Router, Schema
from ninja.openapi.docs import Swagger

from accounts.services import TokenRefused, api_token_issue, api_tokens_revoke
from core.api.base import GongzhiAPI
from core.api.errors import ApiError, install_handlers
from core.api.schemas import ErrorOut

from .auth import BearerAuth

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


class LogoutOut(Schema):
    revoked: int


@auth_router.post("/logout", response={200: LogoutOut, 401: ErrorOut})
def logout(request):
    """Revoke the token this request carries: from now on it answers 401 everywhere. Other tokens of the same
    account stay valid; signing out of the web pages or changing the password revokes them all."""
    revoked = api_tokens_revoke(user=request.user, actor=request.user, reason="接口退出登录",
                                key_hash=request.api_token_hash)
    return {"revoked": revoked}


api.add_router("/auth", auth_router)

from cases import api as cases_api  # noqa: E402
from cases import api_lists as case_lists_api  # noqa: E402
from categories import api as categories_api  # noqa: E402
from consultations import api as consultations_api  # noqa: E402
from govservices import api as govservices_api  # noqa: E402
from gradings import api as gradings_api  # noqa: E402
from halls import api as halls_api  # noqa: E402
from meetings import api as meetings_api  # noqa: E402
from organisations import api as organisations_api  # noqa: E402
from regions import api as regions_api  # noqa: E402
from regions import api_facilities as facilities_api  # noqa: E402
from reports import api as reports_api  # noqa: E402
from routing import api as routing_api  # noqa: E402
from tasks import api as tasks_api  # noqa: E402
from volunteers import api as volunteers_api  # noqa: E402

api.add_router("/regions", regions_api.router)
api.add_router("/reports", reports_api.router)
api.add_router("/cases", cases_api.router)
api.add_router("/cases", case_lists_api.case_router)
api.add_router("", case_lists_api.board_router)
api.add_router("/categories", categories_api.router)
api.add_router("/organisations", organisations_api.router)
api.add_router("/party-members", organisations_api.members_router)
api.add_router("/facilities", facilities_api.router)
api.add_router("/routing", routing_api.router)
api.add_router("/bodies", meetings_api.bodies_router)
api.add_router("/meetings", meetings_api.router)
api.add_router("/matters", meetings_api.matters_router)
api.add_router("/tasks", meetings_api.tasks_router)
api.add_router("/volunteer-activities", volunteers_api.activities_router)
api.add_router("/wishes", volunteers_api.wishes_router)
api.add_router("/party-members", volunteers_api.members_router)
api.add_router("/consultations", consultations_api.router)
api.add_router("/bookings", halls_api.bookings_router)
api.add_router("/rooms", halls_api.rooms_router)
api.add_router("/halls", halls_api.halls_router)
api.add_router("/appointments", halls_api.appointments_router)
api.add_router("/service-items", govservices_api.items_router)
api.add_router("/service-requests", govservices_api.requests_router)
api.add_router("/service-providers", govservices_api.providers_router)
api.add_router("/task-requests", tasks_api.requests_router)
# A task request's ledger (its id), beside the meetings' resolution tasks under the same prefix.
api.add_router("/tasks", tasks_api.tasks_router)
api.add_router("/gradings", gradings_api.router)
