"""Fixtures for routing: a private model folder, the default category tree with one department, and
helpers that take cases in and classify them through the real case services."""

from __future__ import annotations

import pytest

from cases import services as case_services
from cases.models import Case, Channel, Kind
from categories.models import Category, UrgencyLevel
from categories.services import categories_load_defaults
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


@pytest.fixture
def default_tree(tree):
    """The project's default category tree; 市政设施 is led by the county's housing bureau."""
    UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    org_services.organisation_create(
        actor=None, name="乾县住房和城乡建设局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    categories_load_defaults(actor=None)
    return {category.name: category for category in Category.objects.all()}


class Intake:
    """Takes cases in as the east community's clerk and classifies them as that clerk."""

    def __init__(self, users, tree):
        self.users, self.tree = users, tree

    def submit(self, title: str, description: str, region=None, actor=None, **extra) -> Case:
        case, _ = case_services.case_submit(
            actor=actor or self.users["community"], channel=Channel.OPINION_WINDOW, kind=Kind.PROBLEM, title=title,
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
