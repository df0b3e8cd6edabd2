"""Intake (受理): what is stored, who owns it, and bad input refused with nothing stored half-way."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Attachment, Case, CaseEvent, CaseReporter, Channel, Kind
from cases.permissions import normalise_tracking_code
from cases.services import TRACKING_ALPHABET, TRACKING_LENGTH
from cases.workflow import Status
from core import audit
from core.models import AuditEvent

from .conftest import JPEG, PNG, WEBP, png

pytestmark = pytest.mark.django_db


def submit(flow, **overrides):
    values = dict(
        actor=None, channel=Channel.WEB, kind=Kind.PROBLEM, title="小区门口积水", description="下雨后门口积水很深",
        region=flow.w.tree.east.code, contact_phone="13800138000",
    )
    values.update(overrides)
    return services.case_submit(**values)


def assert_refused(flow, field: str, message_part: str = "", **overrides) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(flow, **overrides)
    errors = exc.value.message_dict
    assert field in errors, errors
    assert message_part in errors[field][0]
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert CaseReporter.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_an_anonymous_web_report_is_received_with_a_random_tracking_code(flow, media_root):
    case, created = submit(flow, photos=[png(), png("b.jpg", JPEG), png("c.webp", WEBP)],
                           latitude="34.527", longitude="108.23")
    assert created
    assert case.status == Status.RECEIVED and case.version == 1
    assert len(case.tracking_code) == TRACKING_LENGTH
    assert set(case.tracking_code) <= set(TRACKING_ALPHABET)
    assert case.owner is None and case.created_by is None
    assert str(case.latitude) == "34.527000"
    event = case.events.get()
    assert (event.seq, event.action, event.from_status, event.to_status) == (1, "submit", "", Status.RECEIVED)
    assert sorted(case.attachments.values_list("content_type", flat=True)) == ["image/jpeg", "image/png", "image/webp"]
    # Stored under a random name with the extension of the real type, never the uploader's name.
    assert all("photo" not in a.file.name for a in case.attachments.all())
    assert len(list((media_root / "cases").rglob("*.*"))) == 3
    audit = AuditEvent.objects.get(target_type="cases.case", action="create")
    assert audit.changes["contact_phone"] == ["***", "***"]
    assert CaseReporter.objects.get(case=case).origin_case == case


def test_tracking_codes_are_not_sequential(flow):
    codes = {submit(flow)[0].tracking_code for _ in range(5)}
    assert len(codes) == 5
    assert normalise_tracking_code(" ab-cd 23 ") == "ABCD23"


def test_the_contact_phone_is_encrypted_at_rest(flow):
    from django.db import connection

    case, _ = submit(flow)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM cases_case WHERE id = %s", [case.pk])
        raw = cursor.fetchone()[0]
    assert "13800138000" not in raw
    assert Case.objects.get(pk=case.pk).contact_phone == "13800138000"


def test_a_window_clerk_taking_a_case_becomes_its_owner(flow):
    case = flow.submit()
    assert case.owner == flow.u["community"]
    assert case.created_by == flow.u["community"]
    assert case.reporter_user == flow.u["resident"]


def test_a_grid_worker_reporting_on_patrol_does_not_own_it_and_the_first_clerk_to_act_does(flow):
    case = flow.submit(actor=flow.u["grid"], channel=Channel.GRID_PATROL, reporter_user=None, contact_phone="")
    assert case.owner is None
    case = flow.classify(case)
    assert case.owner == flow.u["community"]
    assert case.events.get(action="classify").data["owner_taken"] == flow.u["community"].pk


def test_a_resident_with_an_account_is_the_reporter(flow):
    case, _ = submit(flow, actor=flow.u["resident"], contact_phone="")
    assert case.reporter_user == flow.u["resident"]
    assert case.owner is None


def test_the_same_idempotency_key_returns_the_first_case(flow):
    first, created = submit(flow, idempotency_key="abc-123")
    again, created_again = submit(flow, idempotency_key="abc-123", title="另一个标题")
    assert created and not created_again
    assert again.pk == first.pk
    assert Case.objects.count() == 1


def test_another_submitter_cannot_use_someone_elses_idempotency_key(flow):
    submit(flow, actor=flow.u["resident"], idempotency_key="shared-key")
    with pytest.raises(ValidationError) as exc:
        submit(flow, actor=flow.u["resident2"], idempotency_key="shared-key")
    assert "idempotency_key" in exc.value.message_dict


def test_missing_place_is_refused(flow):
    assert_refused(flow, "region", "请选择", region=None)


def test_a_region_outside_the_county_tree_is_refused(flow):
    assert_refused(flow, "region", "不存在", region="610999001001")


def test_a_region_above_community_level_is_refused(flow):
    assert_refused(flow, "region", "社区、网格或楼栋", region=flow.w.tree.street.code)


def test_staff_cannot_file_a_case_outside_their_area(flow):
    assert_refused(flow, "region", "辖区", actor=flow.u["community2"], region=flow.w.tree.east.code)


def test_text_over_four_thousand_characters_is_refused(flow):
    assert_refused(flow, "description", "4000", description="长" * 4001)


def test_a_description_of_exactly_four_thousand_characters_is_accepted(flow):
    case, _ = submit(flow, description="长" * 4000)
    assert len(case.description) == 4000


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "路灯<b>坏了</b>", "<img src=x onerror=alert(1)>", "<script",
    "点击 javascript:alert(1)",
])
def test_html_or_script_in_text_is_refused(flow, text):
    assert_refused(flow, "description", "HTML", description=text)


def test_html_in_the_title_is_refused_too(flow):
    assert_refused(flow, "title", "HTML", title="<a href='x'>链接</a>")


def test_comparisons_in_plain_text_are_not_mistaken_for_html(flow):
    case, _ = submit(flow, description="积水深度 < 10 厘米，面积 > 5 平方米")
    assert "<" in case.description


def test_a_photo_of_the_wrong_type_is_refused_by_its_content(flow):
    fake = png("photo.png", b"GIF89a" + b"\x00" * 32)
    assert_refused(flow, "photos", "JPEG、PNG 或 WebP", photos=[png(), fake])


def test_an_oversized_photo_is_refused(flow):
    big = png("big.png", PNG + b"\x00" * (5 * 1024 * 1024))
    assert_refused(flow, "photos", "5 MB", photos=[big])


def test_more_than_six_photos_are_refused(flow):
    assert_refused(flow, "photos", "6", photos=[png() for _ in range(7)])


def test_an_unknown_category_is_refused(flow):
    assert_refused(flow, "category", "不存在", category="9999")


def test_a_resident_cannot_pick_an_internal_category(flow):
    assert_refused(flow, "category", "不接受", category=flow.w.private_category.code)


def test_an_anonymous_report_needs_a_contact_phone(flow):
    assert_refused(flow, "contact_phone", "联系电话", contact_phone="")


def test_a_malformed_phone_is_refused(flow):
    assert_refused(flow, "contact_phone", "格式", contact_phone="12345")


def test_out_of_range_coordinates_are_refused(flow):
    assert_refused(flow, "lat", "-90", latitude="91", longitude="108")


def test_a_difficulty_needs_its_target_group(flow):
    assert_refused(flow, "target_group", "帮扶对象", kind=Kind.DIFFICULTY)
    case, _ = submit(flow, kind=Kind.DIFFICULTY, target_group="left_behind_child", title="孩子放学无人照看")
    assert case.target_group == "left_behind_child"


def test_a_failed_intake_leaves_no_file_behind(flow, media_root, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        submit(flow, photos=[png()])
    assert Case.objects.count() == 0
    assert not list(media_root.rglob("*.png"))
