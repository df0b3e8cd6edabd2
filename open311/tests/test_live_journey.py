"""A real HTTP client against a live server: a request created through Open311 is a case on the staff
list, is handled through the workflow, and its closed status is read back through Open311."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from accounts.models import User
from cases import services as case_services
from cases.models import Case
from cases.services import AssigneeSpec
from conftest import PASSWORD

from .conftest import report

pytestmark = pytest.mark.django_db(transaction=True)


def http(method: str, url: str, *, form: dict | None = None, body: dict | None = None, token: str = ""):
    """(status, headers, body bytes) of one request with urllib; error statuses are answers too."""
    data, headers = None, {}
    if form is not None:
        data = urllib.parse.urlencode(form).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_open311_request_is_handled_as_a_case_and_read_back_closed(live_server, services, key, tree, users):
    base = live_server.url

    # 1. A hotline posts a request through Open311.
    status, headers, raw = http("POST", f"{base}/open311/v2/requests.json", form=report())
    assert status == 200, raw.decode()
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    request_id = json.loads(raw)[0]["service_request_id"]

    # 2. The community sees it as a case on its list through the staff API.
    status, _, raw = http("POST", f"{base}/api/v1/auth/token", body={"username": "community", "password": PASSWORD})
    assert status == 200, raw.decode()
    token = json.loads(raw)["token"]
    status, _, raw = http("GET", f"{base}/api/v1/cases?status=received", token=token)
    assert status == 200
    listed = json.loads(raw)["items"]
    assert [str(c["id"]) for c in listed] == [request_id]
    assert listed[0]["category"] == "0101"

    # 3. The case goes through the workflow by the services: classified, dispatched, handled, closed.
    clerk, handler = users["community"], User.objects.get(username="dept")
    case = Case.objects.get(pk=request_id)
    case = case_services.case_classify(case=case, actor=clerk, expected_version=case.version,
                                       category=services.lamps)
    case = case_services.case_dispatch(case=case, actor=clerk, expected_version=case.version,
                                       assignees=[AssigneeSpec(organisation=tree.department)])
    assignment = case.assignments.get()
    case = case_services.case_accept(case=case, actor=handler, expected_version=case.version, assignment=assignment)
    status, _, raw = http("GET", f"{base}/open311/v2/requests/{request_id}.json")
    in_progress = json.loads(raw)[0]
    assert (in_progress["status"], in_progress["agency_responsible"]) == ("open", tree.department.name)
    assert in_progress["expected_datetime"].endswith("+08:00")
    case = case_services.case_reply(case=case, actor=handler, expected_version=case.version, assignment=assignment,
                                    reply="已更换灯泡")
    case = case_services.case_verify(case=case, actor=clerk, expected_version=case.version)
    case = case_services.case_close(case=case, actor=clerk, expected_version=case.version)

    # 4. Open311 reads the request back as closed, in both formats.
    status, headers, raw = http("GET", f"{base}/open311/v2/requests/{request_id}.xml")
    assert status == 200
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    request = ET.fromstring(raw.decode("utf-8").split("\n", 1)[1]).find("request")
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes").startswith("已办结")
    assert request.findtext("agency_responsible") == tree.department.name
    status, _, raw = http("GET", f"{base}/open311/v2/requests.json?status=closed")
    closed = json.loads(raw)
    assert [(r["service_request_id"], r["status"]) for r in closed] == [(request_id, "closed")]
    assert closed[0]["updated_datetime"].endswith("+08:00")

    # 5. The staff API agrees.
    status, _, raw = http("GET", f"{base}/api/v1/cases/{request_id}", token=token)
    assert json.loads(raw)["status"] == "closed"


def test_errors_come_back_over_http_in_the_spec_shape(live_server, services, key):
    status, _, raw = http("POST", f"{live_server.url}/open311/v2/requests.xml", form=report(api_key="wrong"))
    assert status == 403
    error = ET.fromstring(raw.decode("utf-8").split("\n", 1)[1]).find("error")
    assert (error.findtext("code"), error.findtext("description")) == ("403", "api_key is invalid or has been revoked")
