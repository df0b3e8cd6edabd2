"""The counter intake page with its suggestions, through HTTP: the htmx wiring of the fragment, what the
clerk's choice of category records on the suggestion, and who is shown which likely duplicates."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from cases.models import Case, CaseEvent
from cases.workflow import Status
from routing.models import Suggestion
from routing.services import BOT_USERNAME, routing_train

pytestmark = pytest.mark.django_db

FRAGMENT = "routing:suggest_fragment"
WATER = {"title": "小区又停水了", "description": "家里没有自来水，已经一整天了"}


@pytest.fixture(autouse=True)
def _people(users):
    return users


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _intake_data(tree, **overrides) -> dict:
    data = {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window", "region": tree.east_grid1.pk,
        "address": "东街3号楼", "lat": "", "long": "", "contact_name": "张大爷", "contact_phone": "13912345678",
        "target_group": "", "category": "", "idempotency_key": uuid.uuid4().hex,
        **WATER,
    }
    data.update(overrides)
    return data


def _suggested(html: str) -> list[str]:
    """The category ids of the 采用 buttons, in the order shown."""
    return re.findall(r'data-routing-category="(\d+)"', html)


def _region_div(html: str) -> str:
    match = re.search(r'<div id="routing-suggestions"[^>]*>', html)
    assert match, "the intake page has no suggestions region"
    return match.group(0)


# --------------------------------------------------------------------------------------------------
# The page and its fragment
# --------------------------------------------------------------------------------------------------


def test_the_intake_page_asks_for_suggestions_as_the_clerk_types(default_tree):
    html = _login("community").get(reverse("cases:intake")).content.decode()
    region = _region_div(html)
    assert f'hx-get="{reverse(FRAGMENT)}"' in region
    for trigger in ("input changed delay:400ms from:#id_title", "input changed delay:400ms from:#id_description",
                    "change from:#id_region"):
        assert trigger in region
    assert 'hx-include="#id_title, #id_description, #id_region"' in region
    assert 'hx-trigger="load' not in region  # nothing typed yet: the hint is on the page already
    assert "填写标题和内容后" in html
    for field in ("id_title", "id_description", "id_region", "id_category"):
        assert f'id="{field}"' in html
    # Our policy: scripts from files only, no inline handlers or styles.
    assert f'<script src="{static("js/routing.js")}" defer></script>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert re.search(r"\son[a-z]+=", html) is None and "style=" not in html


def test_a_form_sent_back_with_errors_loads_its_suggestions_at_once(default_tree, tree):
    response = _login("community").post(reverse("cases:intake"), _intake_data(tree, contact_phone=""))
    assert response.status_code == 200 and "请填写联系电话" in response.content.decode()
    assert 'hx-trigger="load, input changed' in _region_div(response.content.decode())


def test_the_fields_the_page_includes_are_the_ones_the_fragment_reads(default_tree, tree):
    """What htmx sends (the form's own field names) yields the suggestions and their departments."""
    html = _login("community").get(reverse(FRAGMENT), {
        "title": "楼道灯不亮了", "description": "1号楼楼道的灯坏了", "region": str(tree.east_grid1.pk),
    }).content.decode()
    assert _suggested(html)[0] == str(default_tree["路灯照明"].pk)
    assert "主办：乾县住房和城乡建设局" in html and "采用" in html


# --------------------------------------------------------------------------------------------------
# What the clerk's choice records
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def trained(history, settings):
    """An active trained version; automatic classification off unless a test turns it on."""
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 1.01
    return routing_train(actor=None)


def _take_in(client, tree, capture, **fields) -> Case:
    with capture(execute=True):
        response = client.post(reverse("cases:intake"), _intake_data(tree, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(title=fields.get("title", WATER["title"]))


def test_accepting_the_first_suggestion_records_it_with_the_version_that_made_it(
    trained, default_tree, tree, users, django_capture_on_commit_callbacks,
):
    client = _login("community")
    html = client.get(reverse(FRAGMENT), {**WATER, "region": tree.east_grid1.pk}).content.decode()
    assert f'data-routing-version="{trained.version}"' in html and f"模型版本 {trained.version}" in html
    first = _suggested(html)[0]
    assert first == str(default_tree["供水"].pk)
    case = _take_in(client, tree, django_capture_on_commit_callbacks, category=first)
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.ACCEPTED and suggestion.accepted
    assert suggestion.model_version == trained.version and suggestion.model == trained
    assert suggestion.chosen_category == default_tree["供水"] and suggestion.chosen_rank == 1
    assert suggestion.decided_by == users["community"] and suggestion.decided_at is not None
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and case.category == default_tree["供水"]


def test_choosing_another_category_records_an_override_and_its_rank(
    trained, default_tree, tree, users, django_capture_on_commit_callbacks,
):
    client = _login("community")
    html = client.get(reverse(FRAGMENT), {**WATER, "region": tree.east_grid1.pk}).content.decode()
    second = _suggested(html)[1]
    case = _take_in(client, tree, django_capture_on_commit_callbacks, category=second)
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.OVERRIDDEN and suggestion.accepted is False
    assert suggestion.suggested_category == default_tree["供水"] and str(suggestion.chosen_category_id) == second
    assert suggestion.chosen_rank == 2 and suggestion.model_version == trained.version
    assert suggestion.decided_by == users["community"]
    # A category the model did not offer at all is an override without a rank.
    other = _take_in(client, tree, django_capture_on_commit_callbacks, title="又停水了",
                     category=default_tree["占道经营"].pk)
    suggestion = Suggestion.objects.get(case=other)
    assert suggestion.outcome == Suggestion.Outcome.OVERRIDDEN and suggestion.chosen_rank is None


def test_without_a_category_the_suggestion_waits_for_the_classification(
    trained, default_tree, tree, django_capture_on_commit_callbacks,
):
    case = _take_in(_login("community"), tree, django_capture_on_commit_callbacks)
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.PENDING and suggestion.decided_by is None
    assert suggestion.model_version == trained.version


def test_a_confident_model_still_credits_the_clerk_who_accepted_at_the_counter(
    trained, default_tree, tree, users, settings, django_capture_on_commit_callbacks,
):
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 0.0
    case = _take_in(_login("community"), tree, django_capture_on_commit_callbacks,
                    category=default_tree["供水"].pk)
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.ACCEPTED and suggestion.decided_by == users["community"]
    case.refresh_from_db()
    assert case.status == Status.REGISTERED  # the agreeing model registered it at once
    assert CaseEvent.objects.get(case=case, action="classify").actor.username == BOT_USERNAME


def test_a_category_a_resident_picked_is_not_taken_for_a_clerks_decision(
    trained, default_tree, intake, users, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("小区停水了", "家里没有水", actor=users["resident"], category=default_tree["供水"])
    assert not Suggestion.objects.filter(case=case).exists()  # a resident's report waits for the follow-up
    call_command("routing_followup")
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.PENDING and suggestion.decided_by is None


# --------------------------------------------------------------------------------------------------
# Who sees suggestions and which duplicates
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["dept", "member", "resident"])
def test_only_staff_who_take_cases_in_get_suggestions(default_tree, username):
    assert _login(username).get(reverse(FRAGMENT), WATER).status_code == 403


def test_a_place_outside_the_clerks_area_is_refused(default_tree, tree):
    client = _login("community")
    assert client.get(reverse(FRAGMENT), {**WATER, "region": tree.west_grid1.pk}).status_code == 403
    assert client.get(reverse(FRAGMENT), {**WATER, "region_code": tree.west.code}).status_code == 403
    assert client.get(reverse(FRAGMENT), {**WATER, "region": tree.east_grid1.pk}).status_code == 200


@pytest.fixture
def lamp_in_grid2(default_tree, intake, tree):
    return intake.submit("路灯不亮", "东街二网格3号楼前的路灯坏了，晚上很黑", region=tree.east_grid2)


LAMP = {"title": "路灯坏了", "description": "3号楼前的路灯不亮，晚上很黑"}


def test_the_community_clerk_is_offered_a_case_of_the_neighbouring_grid(lamp_in_grid2, tree):
    html = _login("community").get(reverse(FRAGMENT), {**LAMP, "region": tree.east_grid1.pk}).content.decode()
    assert lamp_in_grid2.tracking_code in html and "可能重复" in html and "本社区其他网格" in html
    assert reverse("cases:detail", args=[lamp_in_grid2.pk]) in html
    assert f"查询码 <strong>{lamp_in_grid2.tracking_code}</strong>" in html


def test_duplicates_stay_within_the_readers_own_region(lamp_in_grid2, tree, intake):
    html = _login("grid").get(reverse(FRAGMENT), {**LAMP, "region": tree.east_grid1.pk}).content.decode()
    assert lamp_in_grid2.tracking_code not in html and "没有相似的在办事项" in html
    # A resident who reported a lamp in grid 2 and was later made grid 1's worker (in the back office)
    # may still open that report, but it is not offered as a duplicate outside their grid.
    neighbour = User.objects.create_user(username="neighbour", password="x-Passw0rd-2026", role=Role.RESIDENT)
    own_report = intake.submit("路灯坏了不亮", "3号楼前路灯不亮，晚上很黑", region=tree.east_grid2, actor=neighbour)
    User.objects.filter(pk=neighbour.pk).update(role=Role.GRID_WORKER, region=tree.east_grid1)
    client = _login("neighbour")
    assert client.get(reverse("cases:detail", args=[own_report.pk])).status_code == 200
    html = client.get(reverse(FRAGMENT), {**LAMP, "region": tree.east_grid1.pk}).content.decode()
    assert own_report.tracking_code not in html and lamp_in_grid2.tracking_code not in html
    html = _login("county").get(reverse(FRAGMENT), {**LAMP, "region": tree.east_grid1.pk}).content.decode()
    assert lamp_in_grid2.tracking_code in html and own_report.tracking_code in html
