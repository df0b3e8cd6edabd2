"""/open311/: service discovery, and the GeoReport v2 API under v2/ in JSON or XML by extension."""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^discovery{FMT}", views.discovery, name="discovery"),
    re_path(rf"^v2/services{FMT}", views.services, name="services"),
    re_path(rf"^v2/services/(?P<code>[^/]+){FMT}", views.service_definition, name="service"),
    re_path(rf"^v2/requests{FMT}", views.requests, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/]+){FMT}", views.request_detail, name="request"),
    re_path(rf"^v2/tokens/(?P<token>[^/]+){FMT}", views.token, name="token"),
    # The path argument left empty: "… was not provided" (400), as the specification lists it.
    re_path(rf"^v2/services/{FMT}", views.not_provided_in_path, {"name": "service_code"}),
    re_path(rf"^v2/requests/{FMT}", views.not_provided_in_path, {"name": "service_request_id"}),
    re_path(rf"^v2/tokens/{FMT}", views.not_provided_in_path, {"name": "token"}),
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]
