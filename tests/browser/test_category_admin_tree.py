"""The category list in the admin site shows the tree by indenting names, through a stylesheet class
(the policy refuses style attributes), so the indent really appears in the browser."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sub_categories_are_indented_under_their_parent(page, live_server, users, login):
    from categories.services import category_create

    User.objects.create_superuser(username="root", password=PASSWORD, role=Role.COUNTY_STAFF)
    top = category_create(actor=None, name="市容环境")
    middle = category_create(actor=None, name="占道经营", parent=top)
    category_create(actor=None, name="流动摊贩", parent=middle)
    login(page, "root")
    page.goto(f"{live_server.url}/admin/categories/category/")

    def indent(name: str) -> float:
        return page.locator("span", has_text=name).first.evaluate(
            "element => parseFloat(getComputedStyle(element).paddingLeft)"
        )

    assert indent("市容环境") == 0
    assert 0 < indent("占道经营") < indent("流动摊贩")
    assert page.locator("[style]").count() == 0
