"""Who may take which edge: every role against representative actions, through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cases import services
from cases.models import Case, CaseEvent
from cases.workflow import Status

pytestmark = pytest.mark.django_db

def outcome(call) -> str:
    try:
        call()
    except PermissionDenied:
        return "denied"
    return "ok"


@pytest.mark.parametrize("who, expected", [
    ("county", "ok"), ("street", "ok"), ("community", "ok"), ("clerk2", "ok"),
    ("community2", "denied"), ("grid", "denied"), ("dept", "denied"), ("member", "denied"), ("resident", "denied"),
])
def test_classifying_is_for_staff_whose_area_holds_the_case(flow, who, expected):
    case = flow.submit()
    result = outcome(lambda: services.case_classify(
        case=case, actor=flow.u[who], expected_version=case.version, category=flow.w.category,
    ))
    assert result == expected
    if expected == "denied":
        # A refused move leaves no trace on the case: the version bump was rolled back.
        assert Case.objects.get(pk=case.pk).version == case.version
        assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("who, expected", [
    ("dept", "ok"), ("dept2", "denied"), ("community", "denied"), ("street", "denied"), ("property", "denied"),
])
def test_only_the_assigned_department_reports_in_on_its_assignment(flow, who, expected):
    case = flow.reach(Status.DISPATCHED)
    result = outcome(lambda: services.case_accept(
        case=case, actor=flow.u[who], expected_version=case.version, assignment=flow.lead(case),
    ))
    assert result == expected


@pytest.mark.parametrize("who, expected", [("street", "ok"), ("county", "ok"), ("community", "denied"),
                                           ("dept", "denied")])
def test_only_street_or_county_staff_arbitrate_a_disputed_return(flow, who, expected):
    case = flow.dispatch(flow.reach(Status.REGISTERED))
    case = services.case_return(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=flow.lead(case), reason="非本单位",
    )
    returned = case.assignments.get(status="returned")
    result = outcome(lambda: services.case_arbitrate(
        case=case, actor=flow.u[who], expected_version=case.version, assignment=returned, note="住建局主办",
    ))
    assert result == expected


@pytest.mark.parametrize("who, expected", [
    ("resident", "ok"), ("community", "ok"), ("resident2", "denied"), ("dept", "denied"), ("grid", "denied"),
])
def test_rating_is_for_the_reporter_or_staff_recording_a_return_call(flow, who, expected):
    case = flow.reach(Status.CLOSED)
    result = outcome(lambda: services.case_rate(
        case=case, actor=flow.u[who], expected_version=case.version, result="satisfied",
    ))
    assert result == expected
    if expected == "ok":
        rating = case.ratings.get()
        assert rating.recorded_by_staff == (who == "community")


def test_a_resident_without_an_account_rates_with_the_tracking_code(flow):
    case = flow.reach(Status.CLOSED)
    with pytest.raises(PermissionDenied):
        services.case_rate(case=case, actor=None, expected_version=case.version, result="satisfied",
                           tracking_code="WRONGCODE2")
    case = services.case_rate(
        case=case, actor=None, expected_version=case.version, result="satisfied",
        tracking_code=case.tracking_code.lower(),
    )
    assert case.status == Status.RATED
    rating = case.ratings.get()
    assert rating.rated_by is None and not rating.recorded_by_staff
    assert case.events.get(action="rate").actor_label == "反映人（凭查询码）"


@pytest.mark.parametrize("who, expected", [("dept3", "ok"), ("dept", "denied"), ("community", "ok")])
def test_a_summoned_department_or_community_staff_record_the_report_in(flow, world, who, expected):
    from accounts.models import Role, User

    User.objects.create_user(username="dept3", role=Role.DEPARTMENT_HANDLER, organisation=world.dept3)
    flow.u["dept3"] = User.objects.get(username="dept3")
    case = flow.whistle(flow.reach(Status.IN_PROGRESS), organisations=[world.dept3])
    summons = case.whistles.get().summons.get()
    result = outcome(lambda: services.case_report_in(
        case=case, actor=flow.u[who], expected_version=case.version, summons=summons,
    ))
    assert result == expected


@pytest.mark.parametrize("who, expected", [("community", "ok"), ("clerk2", "ok"), ("grid", "denied"),
                                           ("dept", "denied")])
def test_the_owner_or_staff_in_scope_transfer_the_first_responsibility(flow, who, expected):
    case = flow.reach(Status.REGISTERED)
    target = flow.u["clerk2"] if who != "clerk2" else flow.u["street"]
    result = outcome(lambda: services.case_transfer_owner(
        case=case, actor=flow.u[who], expected_version=case.version, owner=target, reason="轮岗",
    ))
    assert result == expected
    if expected == "ok":
        event = Case.objects.get(pk=case.pk).events.order_by("-seq").first()
        assert event.data == {"edge": "移交首问责任", "from_owner": flow.u["community"].pk, "to_owner": target.pk}


def test_the_new_owner_must_be_staff_of_the_case_area(flow):
    from django.core.exceptions import ValidationError

    case = flow.reach(Status.REGISTERED)
    for outsider in ("community2", "dept", "resident"):
        with pytest.raises(ValidationError):
            services.case_transfer_owner(
                case=case, actor=flow.u["community"], expected_version=case.version, owner=flow.u[outsider],
                reason="交接",
            )


def test_departments_and_summoned_bodies_may_write_handling_notes_on_their_own_assignment(flow):
    case = flow.reach(Status.IN_PROGRESS)
    case = services.case_note(case=case, actor=flow.u["dept"], expected_version=case.version, note="已到现场勘查")
    event = case.events.order_by("-seq").first()
    assert event.assignment == flow.lead(case)
    with pytest.raises(PermissionDenied):
        services.case_note(case=case, actor=flow.u["property"], expected_version=case.version, note="路过")
    with pytest.raises(PermissionDenied):
        services.case_note(case=case, actor=flow.u["resident"], expected_version=case.version, note="催办")


def test_a_grid_worker_may_write_a_note_but_not_dispatch(flow):
    case = flow.reach(Status.REGISTERED)
    case = services.case_note(case=case, actor=flow.u["grid"], expected_version=case.version, note="现场已拍照")
    with pytest.raises(PermissionDenied):
        services.case_dispatch(
            case=case, actor=flow.u["grid"], expected_version=case.version,
            assignees=[services.AssigneeSpec(organisation=flow.w.dept)],
        )
