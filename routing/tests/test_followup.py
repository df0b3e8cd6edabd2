"""A resident's report is taken in without waiting for the routing model: `routing_followup` records its
suggestion (and classifies it when the model is sure) a moment later, once; staff intake keeps its
suggestion at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from cases.models import Case, CaseEvent
from cases.workflow import Status
from conftest import PASSWORD
from routing.models import Suggestion
from routing.services import BOT_USERNAME, routing_train

pytestmark = pytest.mark.django_db


def _resident_reports(tree, capture, title: str, description: str) -> Case:
    client = Client()
    token = client.post("/api/v1/auth/token", {"username": "resident", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    with capture(execute=True):
        response = client.post("/api/v1/cases", {
            "kind": "problem", "title": title, "description": description, "region": tree.east_grid1.code,
            "contact_name": "居民乙", "contact_phone": "13900002222",
        }, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="r-1")
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


def test_the_follow_up_suggests_for_a_residents_report_and_classifies_a_confident_one(
    history, default_tree, tree, users, settings, django_capture_on_commit_callbacks, capsys,
):
    routing_train(actor=None)
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 0.0
    case = _resident_reports(tree, django_capture_on_commit_callbacks, "小区又停水了", "家里没有自来水")
    assert case.status == Status.RECEIVED and not Suggestion.objects.filter(case=case).exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("routing_followup")
    assert "新记录 1 件" in capsys.readouterr().out
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.category == default_tree["供水"]
    assert CaseEvent.objects.get(case=case, action="classify").actor.username == BOT_USERNAME
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.AUTO and suggestion.model_kind == Suggestion.Kind.TRAINED

    call_command("routing_followup")  # nothing is suggested twice
    assert Suggestion.objects.filter(case=case).count() == 1 and "新记录 0 件" in capsys.readouterr().out


def test_a_report_a_clerk_classified_first_is_left_alone(
    default_tree, tree, users, django_capture_on_commit_callbacks, intake,
):
    case = _resident_reports(tree, django_capture_on_commit_callbacks, "路灯不亮", "门口路灯坏了一周")
    intake.classify(case, default_tree["路灯照明"])
    call_command("routing_followup")
    assert not Suggestion.objects.filter(case=case).exists()


def test_without_the_follow_up_a_residents_report_is_suggested_at_once(
    default_tree, tree, users, settings, django_capture_on_commit_callbacks,
):
    settings.GONGZHI_ROUTING_INTAKE_FOLLOWUP = False
    case = _resident_reports(tree, django_capture_on_commit_callbacks, "路灯不亮", "门口路灯坏了一周")
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.PENDING
    assert suggestion.suggested_category == default_tree["路灯照明"]


def test_staff_intake_is_suggested_at_once(default_tree, intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("路灯不亮", "门口路灯坏了一周")
    assert Suggestion.objects.filter(case=case, outcome=Suggestion.Outcome.PENDING).exists()
