"""Dispatch and whistles reach only bodies that serve the case's place."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import AssignmentRole
from organisations import services as org_services
from organisations.models import Organisation


@pytest.fixture
def registered_case(tree, users):
    case, _ = services.case_submit(
        actor=users["community"], channel="opinion_window", kind="problem", title="楼道灯坏了",
        description="东街1号楼楼道灯坏了三天", region=tree.east_grid1, contact_name="张三", contact_phone="13800002222",
    )
    from categories import services as category_services
    category = category_services.category_create(actor=None, name="市政设施")
    return services.case_classify(case=case, actor=users["community"], expected_version=case.version,
                                  category=category)


def test_a_body_of_another_community_cannot_be_dispatched_or_summoned(tree, users, registered_case):
    elsewhere = org_services.organisation_create(
        actor=None, name="北关物业公司", kind=Organisation.Kind.PROPERTY_COMPANY, region=tree.north)
    spec = services.AssigneeSpec(organisation=elsewhere, role=AssignmentRole.LEAD)
    with pytest.raises(ValidationError, match="不负责该事项所在区域"):
        services.case_dispatch(case=registered_case, actor=users["community"],
                               expected_version=registered_case.version, assignees=[spec])
    with pytest.raises(ValidationError, match="不负责该事项所在区域"):
        services.case_whistle(case=registered_case, actor=users["community"], expected_version=registered_case.version,
                              reasons=["multi_department"], organisations=[elsewhere])


def test_county_departments_and_the_communitys_own_companies_serve_it(tree, users, registered_case):
    lead = services.AssigneeSpec(organisation=tree.department, role=AssignmentRole.LEAD)
    assist = services.AssigneeSpec(organisation=tree.property_company, role=AssignmentRole.ASSIST)
    case = services.case_dispatch(case=registered_case, actor=users["community"],
                                  expected_version=registered_case.version, assignees=[lead, assist])
    assert case.assignments.count() == 2
