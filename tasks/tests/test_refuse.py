"""A task pushed down without admission (未经准入) and the community's refusal, over HTTP, on the request's page
and through /api/v1/: the community in scope refuses with its reason, another community's is 404, the reason is
required, a second refusal and the refusal of an admitted task answer a clear error, and nothing changes then."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.tests.conftest import Api
from conftest import PASSWORD
from tasks import services
from tasks.models import CommunityTask, TaskCategory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def pushed(tree, users) -> CommunityTask:
    """A county task without funds, not admitted, pushed down to 东街社区 anyway."""
    request, _ = services.task_request_file(
        actor=users["dept"], region=tree.county, department=tree.department,
        category=TaskCategory.objects.get(code="civilisation"), title="文明城市创建入户宣传",
        legal_basis="《全国文明城市测评体系》")
    task, _ = services.task_push(actor=users["dept"], request=request, community=tree.east)
    return task


def refusal(api: Api, user: str, task: CommunityTask, reason: str):
    return api.client.post(f"/api/v1/task-requests/{task.request_id}/communities/{task.community.code}/refusal",
                           json.dumps({"reason": reason}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def test_the_community_refuses_from_the_requests_page_with_its_reason(pushed):
    community = signed_in("community")
    page = community.get(f"/tasks/{pushed.request_id}/").content.decode()
    assert "拒绝承接" in page and "社区可以拒绝承接" in page
    done = community.post(f"/tasks/{pushed.request_id}/communities/{pushed.community.code}/refuse/",
                          {"reason": "未随事项下放经费，社区无力承担"})
    assert done.status_code == 302
    pushed.refresh_from_db()
    assert pushed.state == CommunityTask.State.REFUSED and pushed.refused_reason == "未随事项下放经费，社区无力承担"
    after = community.get(f"/tasks/{pushed.request_id}/").content.decode()
    assert "社区拒绝承接 · 未经准入：未随事项下放经费，社区无力承担" in after
    assert f'action="/tasks/{pushed.request_id}/communities/' not in after


def test_the_page_requires_the_reason_and_a_second_refusal_is_told_so(pushed):
    community = signed_in("community")
    url = f"/tasks/{pushed.request_id}/communities/{pushed.community.code}/refuse/"
    empty = community.post(url, {"reason": ""})
    assert empty.status_code == 400 and "请填写拒绝理由" in empty.content.decode()
    pushed.refresh_from_db()
    assert pushed.state == CommunityTask.State.ASSIGNED
    assert community.post(url, {"reason": "无经费"}).status_code == 302
    again = community.post(url, {"reason": "再次拒绝"})
    assert again.status_code == 400 and "社区已拒绝承接该事项" in again.content.decode()
    pushed.refresh_from_db()
    assert pushed.refused_reason == "无经费"


def test_another_community_cannot_reach_the_task_and_the_department_may_not_refuse_it(pushed):
    url = f"/tasks/{pushed.request_id}/communities/{pushed.community.code}/refuse/"
    assert signed_in("community2").post(url, {"reason": "不归我们"}).status_code == 404
    assert signed_in("dept").post(url, {"reason": "部门代为拒绝"}).status_code == 403
    pushed.refresh_from_db()
    assert pushed.state == CommunityTask.State.ASSIGNED


def test_the_api_refuses_for_the_community_in_scope_and_answers_a_second_refusal_with_its_code(client, pushed):
    api = Api(client)
    missing = refusal(api, "community", pushed, "  ")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    done = refusal(api, "community", pushed, "未随事项下放权限")
    assert done.status_code == 200, done.content.decode()
    body = done.json()
    assert (body["state"], body["admitted"], body["refused_reason"]) == ("refused", False, "未随事项下放权限")
    again = refusal(api, "community", pushed, "再次拒绝")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "already_refused"
    assert again.json()["error"]["message"] == "社区已拒绝承接该事项"
    pushed.refresh_from_db()
    assert pushed.refused_reason == "未随事项下放权限"


def test_the_api_hides_another_communitys_task_and_an_admitted_task_cannot_be_refused(client, tree, users, pushed):
    api = Api(client)
    hidden = refusal(api, "community2", pushed, "不归我们")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    request = services.task_request_decide(actor=users["county"], request=pushed.request, action="return",
                                           expected_version=pushed.request.version, reason="请补充经费和权限")
    request = services.task_request_amend(actor=users["dept"], request=request, expected_version=request.version,
                                          title=request.title, legal_basis=request.legal_basis,
                                          authority="入户宣传组织权", funds="5000.00")
    for user, action in (("dept", "resubmit"), ("county", "admit")):
        request = services.task_request_decide(actor=users[user], request=request, action=action,
                                               expected_version=request.version)
    admitted = refusal(api, "community", pushed, "不想做")
    assert admitted.status_code == 400 and admitted.json()["error"]["code"] == "task_admitted"
    pushed.refresh_from_db()
    assert pushed.state == CommunityTask.State.ASSIGNED
