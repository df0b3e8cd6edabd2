"""Fixtures for routing: a private model folder, the default category tree with one department, and
helpers that take cases in and classify them through the real case services."""

from __future__ import annotations

import pytest

from cases import services as case_services
from cases.models import Case, Channel, Kind
from categories.models import Category, UrgencyLevel
from categories.services import categories_load_defaults
from core.roles import STAFF_ROLES
from organisations import services as org_services
from organisations.models import Organisation
from routing import registry


@pytest.fixture(autouse=True)
def routing_dir(settings, tmp_path):
    settings.GONGZHI_ROUTING_DIR = str(tmp_path / "routing")
    settings.GONGZHI_ROUTING_RELOAD_SECONDS = 0
    registry.reset()
    yield tmp_path / "routing"
    registry.reset()


def load_default_tree(tree) -> dict[str, Category]:
    """The project's default category tree, by name; 市政设施 is led by the county's housing bureau."""
    UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    org_services.organisation_create(
        actor=None, name="乾县住房和城乡建设局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    categories_load_defaults(actor=None)
    return {category.name: category for category in Category.objects.all()}


@pytest.fixture
def default_tree(tree):
    return load_default_tree(tree)


class Intake:
    """Takes cases in as the east community's clerk and classifies them as that clerk."""

    def __init__(self, users, tree):
        self.users, self.tree = users, tree

    def submit(self, title: str, description: str, region=None, actor=None, **extra) -> Case:
        actor = actor or self.users["community"]
        # A resident reports on the web; only staff take a report at the window.
        channel = Channel.OPINION_WINDOW if actor.role in STAFF_ROLES else Channel.WEB
        case, _ = case_services.case_submit(
            actor=actor, channel=channel, kind=Kind.PROBLEM, title=title,
            description=description, region=region or self.tree.east_grid1, contact_name="居民乙",
            contact_phone="13900002222", **extra,
        )
        return case

    def classify(self, case: Case, category: Category, actor=None) -> Case:
        case.refresh_from_db()
        return case_services.case_classify(
            case=case, actor=actor or self.users["community"], expected_version=case.version, category=category,
        )


@pytest.fixture
def intake(users, tree) -> Intake:
    return Intake(users, tree)


TEXTS = {
    "路灯照明": ["路灯不亮", "楼道灯坏了", "小区路灯一直闪", "晚上路灯全灭了", "路灯杆歪了要倒", "门口路灯没亮"],
    "供水": ["家里停水了", "自来水发黄有异味", "水管爆裂一直漏水", "小区停水三天", "水压太低上不了楼", "水表坏了"],
    "垃圾清运": [
        "垃圾没人清运", "垃圾桶满了溢出来", "垃圾站臭味大", "建筑垃圾乱堆", "垃圾好几天没拉走", "楼下垃圾成堆",
    ],
}


@pytest.fixture
def history(default_tree, intake, django_capture_on_commit_callbacks, settings):
    """Six cases per category, taken in and classified by the community clerk (so confirmed)."""
    settings.GONGZHI_ROUTING_MIN_CASES = 5
    cases = []
    for name, titles in TEXTS.items():
        for title in titles:
            with django_capture_on_commit_callbacks(execute=True):
                case = intake.submit(title, f"{title}，请有关部门尽快处理。")
            with django_capture_on_commit_callbacks(execute=True):
                cases.append(intake.classify(case, default_tree[name]))
    return cases
