"""Training versions from confirmed cases, hot-swapping them, recording suggestions and what was chosen,
and automatic classification through the case services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from cases.models import CaseEvent
from cases.workflow import Status
from routing import registry
from routing.models import RoutingModel, Suggestion
from routing.selectors import suggest_categories
from routing.services import (
    BOT_USERNAME,
    TooLittleHistory,
    routing_activate,
    routing_auto_classify,
    routing_bot_for,
    routing_train,
    training_set,
)


def test_intake_records_a_suggestion_and_classification_settles_it(default_tree, intake,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("楼道灯坏了好几天", "晚上上下楼看不见")
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.PENDING and suggestion.accepted is None
    assert suggestion.model_kind == "keywords" and suggestion.model is None
    assert suggestion.suggested_category == default_tree["路灯照明"]
    assert suggestion.top[0]["category"] == default_tree["路灯照明"].code
    case.refresh_from_db()
    assert case.status == Status.RECEIVED  # the keyword model never classifies by itself
    with django_capture_on_commit_callbacks(execute=True):
        intake.classify(case, default_tree["路灯照明"])
    suggestion.refresh_from_db()
    assert suggestion.outcome == Suggestion.Outcome.ACCEPTED and suggestion.accepted
    assert suggestion.chosen_rank == 1 and suggestion.decided_by.username == "community"


def test_an_override_is_recorded_with_the_rank_of_the_chosen_category(default_tree, intake,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("楼道灯坏了", "晚上很黑")
    with django_capture_on_commit_callbacks(execute=True):
        intake.classify(case, default_tree["消防安全"])
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.OVERRIDDEN and suggestion.accepted is False
    assert suggestion.chosen_category == default_tree["消防安全"]
    assert suggestion.chosen_rank == 2


def test_too_little_history_keeps_the_keyword_model(default_tree, settings):
    settings.GONGZHI_ROUTING_MIN_CASES = 5
    with pytest.raises(TooLittleHistory):
        routing_train(actor=None)
    assert not RoutingModel.objects.exists()


def test_training_builds_an_active_version_that_serves_suggestions(history, default_tree, routing_dir):
    data = training_set()
    assert len(data.labels) == 18 and len(data.counts) == 3
    row = routing_train(actor=None)
    assert row.active and row.n_train == 18 and sorted(row.labels) == sorted(data.counts)
    assert (routing_dir / row.path).exists() and row.size_bytes > 0 and len(row.sha256) == 64
    assert {"macro_f1", "accuracy", "top3_accuracy", "temperature"} <= set(row.metrics)
    suggestions = suggest_categories(title="路灯坏了", description="晚上黑")
    assert suggestions.model_version == row.version and suggestions.calibrated
    assert suggestions.items[0].category == default_tree["路灯照明"]
    assert 0 < suggestions.items[0].score <= 1


def test_a_new_version_is_picked_up_without_a_restart_and_can_be_rolled_back(history):
    first = routing_train(actor=None)
    assert suggest_categories(title="停水", description="").model_version == first.version
    second = routing_train(actor=None)
    first.refresh_from_db()
    assert not first.active and second.active
    assert suggest_categories(title="停水", description="").model_version == second.version
    routing_activate(actor=None, model=first)
    assert suggest_categories(title="停水", description="").model_version == first.version
    assert RoutingModel.objects.filter(active=True).count() == 1


def test_a_tampered_model_file_is_not_loaded(history, routing_dir):
    row = routing_train(actor=None)
    (routing_dir / row.path).write_bytes(b"not the file that was trained")
    registry.reset()
    assert suggest_categories(title="停水", description="").model_kind == "keywords"


def test_confident_cases_are_classified_automatically_by_the_bot(history, default_tree, intake, settings,
                                                                 django_capture_on_commit_callbacks):
    routing_train(actor=None)
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("小区又停水了", "家里没有自来水")
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.category == default_tree["供水"]
    event = CaseEvent.objects.get(case=case, action="classify")
    assert event.actor.username == BOT_USERNAME and "自动分类" in event.note
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.AUTO and suggestion.accepted
    bot = User.objects.get(username=BOT_USERNAME)
    assert bot.role == Role.COUNTY_STAFF and not bot.is_active and not bot.has_usable_password()
    assert case.owner_id == intake.users["community"].pk  # the clerk stays the 首问责任人


def test_below_the_threshold_a_person_decides(history, intake, settings, django_capture_on_commit_callbacks):
    routing_train(actor=None)
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 1.01
    with django_capture_on_commit_callbacks(execute=True):
        case = intake.submit("小区又停水了", "家里没有自来水")
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    result = routing_auto_classify(case)
    assert not result.classified and "低于阈值" in result.reason


def test_a_category_chosen_at_intake_is_not_overruled(history, default_tree, intake, settings):
    routing_train(actor=None)
    settings.GONGZHI_ROUTING_AUTO_THRESHOLD = 0.0
    case = intake.submit("小区又停水了", "家里没有自来水", category=default_tree["垃圾清运"])
    result = routing_auto_classify(case)
    assert not result.classified and result.case.status == Status.RECEIVED


def test_the_bot_acts_only_in_its_own_county(tree):
    from regions import services as region_services

    bot = routing_bot_for(tree.east_grid1)
    assert bot.region == tree.county
    other = region_services.region_create(actor=None, code="610425", name="邻县")
    assert routing_bot_for(other) is None


def test_the_train_command_lists_and_activates_versions(history):
    from io import StringIO

    out = StringIO()
    call_command("routing_train", stdout=out)
    version = RoutingModel.objects.get(active=True).version
    assert version in out.getvalue()
    call_command("routing_train", "--no-activate", stdout=StringIO())
    assert RoutingModel.objects.get(active=True).version == version
    listing = StringIO()
    call_command("routing_train", "--list", stdout=listing)
    assert f"* {version}" in listing.getvalue()


def test_the_bodies_of_a_category_are_kept_for_the_reload_interval(default_tree, settings,
                                                                    django_assert_num_queries):
    lamp = default_tree["路灯照明"]
    settings.GONGZHI_ROUTING_RELOAD_SECONDS = 60
    assert registry.responsibles(lamp).lead.name == "乾县住房和城乡建设局"
    with django_assert_num_queries(0):
        assert registry.responsibles(lamp).lead.name == "乾县住房和城乡建设局"
    settings.GONGZHI_ROUTING_RELOAD_SECONDS = 0
    with django_assert_num_queries(2):  # the category's ancestors, then their links
        registry.responsibles(lamp)
