"""Writes of gradings and the county's evaluation weights, each in one transaction with its audit row. Consent to
a head's appointment is written with the team it gates (`tasks.services.consent_record`).

The community proposes one grade a year for each dispatched team's head, with its written opinion; the county
records the result at the version it read (compare-and-swap: of two decisions at once, the second is
`StaleVersion`), with the reason required where the result differs from the community's proposal.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.roles import Role
from core.text import plain_text
from regions.permissions import can_manage_region
from regions.selectors import sees_everything
from tasks.models import DispatchedTeam
from tasks.workflow import StaleVersion

from .models import EvaluationWeights, Grade, Grading

REASON_MAX_LENGTH = 2000


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def can_decide(actor) -> bool:
    """The county records the result."""
    return getattr(actor, "is_authenticated", False) and (
        sees_everything(actor) or (actor.role == Role.COUNTY_STAFF and can_manage_region(actor, None)))


@transaction.atomic
def grading_propose(*, actor, team: DispatchedTeam, year: int, proposal: str, opinion: str) -> Grading:
    """The community's proposed grade for the year of the team's head (the person in its seat), with its opinion."""
    if not can_manage_region(actor, team.community):
        raise PermissionDenied("您无权评定该下沉力量负责人")
    errors: dict[str, str] = {}
    if proposal not in Grade.values:
        errors["proposal"] = "请选择评定建议：优秀、称职、基本称职或不称职"
    opinion = plain_text(errors, "opinion", opinion, label="评价意见", required=True, max_length=REASON_MAX_LENGTH)
    if not 2000 <= year <= timezone.localdate().year:
        errors["year"] = "年度不正确"
    if team.head_seat_id is None:
        errors["team"] = "该下沉力量尚未登记负责人"
    _check(errors)
    try:
        with transaction.atomic():
            grading = Grading.objects.create(team=team, year=year, head=team.head_seat.person, proposal=proposal,
                                             opinion=opinion, proposed_by=actor)
    except IntegrityError:
        raise ValidationError({"year": [f"{year} 年度已评定，请勿重复提交"]}) from None
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=grading,
                 changes={"year": [None, year], "proposal": [None, proposal]}, reason=opinion)
    return grading


@transaction.atomic
def grading_decide(*, actor, grading: Grading, expected_version: int, result: str, reason: str = "") -> Grading:
    """The county's result; where it differs from the community's proposal, the reason is required."""
    if not can_decide(actor):
        raise PermissionDenied("只有县级可以审定考核结果")
    grading = Grading.objects.get(pk=grading.pk)
    errors: dict[str, str] = {}
    if result not in Grade.values:
        errors["result"] = "请选择评定结果"
    reason = plain_text(errors, "result_reason", reason, label="理由", max_length=REASON_MAX_LENGTH)
    if result in Grade.values and result != grading.proposal and not reason and "result_reason" not in errors:
        errors["result_reason"] = (f"评定结果与社区建议（{Grade(grading.proposal).label}）不一致，须填写理由："
                                   "社区评定建议是重要依据")
    _check(errors)
    if not Grading.objects.filter(pk=grading.pk, version=expected_version).update(
            result=result, result_reason=reason, decided_by=actor, decided_at=timezone.now(),
            version=F("version") + 1):
        raise StaleVersion("该评定已被他人审定，请刷新后重试")
    before = grading.result
    grading.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=grading,
                 changes={"result": [before or None, result], "version": [expected_version, grading.version]},
                 reason=reason or "与社区建议一致")
    return grading


@transaction.atomic
def weights_set(*, actor, county, year: int, response: int, resolution: int, satisfaction: int) -> EvaluationWeights:
    """Set the county's weights of the year's evaluation of departments (响应/解决/满意, adding up to 100)."""
    if not can_decide(actor) or not can_manage_region(actor, county):
        raise PermissionDenied("只有县级可以设置考评权重")
    errors: dict[str, str] = {}
    values = {"response": response, "resolution": resolution, "satisfaction": satisfaction}
    if any(not isinstance(v, int) or not 0 <= v <= 100 for v in values.values()):
        errors["response"] = "权重应为 0 到 100 的整数"
    elif sum(values.values()) != 100:
        errors["response"] = f"三项权重之和应为 100，现为 {sum(values.values())}"
    _check(errors)
    before = EvaluationWeights.objects.filter(county=county, year=year).first()
    weights, _ = EvaluationWeights.objects.update_or_create(county=county, year=year,
                                                            defaults={**values, "set_by": actor})
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
                 target=weights, changes={name: [getattr(before, name, None), value] for name, value in values.items()})
    return weights
