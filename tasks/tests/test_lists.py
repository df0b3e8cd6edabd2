"""The community's lists: items with type, legal basis and units on a public page; a change is a new version with
its date and reason, the earlier kept in the history; two changes from one version, the second is stale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tasks import services
from tasks.models import ListItem, ListKind
from tasks.workflow import StaleVersion

pytestmark = pytest.mark.django_db


def _item(tree, users, **extra):
    fields = dict(kind=ListKind.DUTIES, title="居民最低生活保障申请受理", item_type="公共服务",
                  legal_basis="《社会救助暂行办法》第十一条", responsible_unit="东街社区居委会",
                  supporting_units="城关街道民政办", reason="依法由社区协助受理")
    fields.update(extra)
    return services.list_item_add(actor=users["community"], region=tree.east, **fields)


def test_the_lists_are_public_with_each_items_type_basis_and_units(tree, users):
    _item(tree, users)
    services.list_item_add(actor=users["county"], region=tree.county, kind=ListKind.POWERS, title="征得同意权",
                           item_type="社区权力", legal_basis="县委关于权力下沉的意见",
                           responsible_unit="社区党组织", reason="县级统一清单")
    page = Client().get(f"/tasks/lists/{tree.east.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "居民最低生活保障申请受理" in html and "城关街道民政办" in html and "征得同意权" in html
    assert "居民最低生活保障" not in Client().get(f"/tasks/lists/{tree.north.code}/").content.decode()
    assert Client().get("/tasks/lists/999999/").status_code == 404


def test_a_change_is_a_new_version_with_its_date_and_reason(tree, users):
    first = _item(tree, users)
    second = services.list_item_change(
        actor=users["community"], item=first, expected_version=1, title=first.title, item_type="公共服务",
        legal_basis=first.legal_basis, responsible_unit="东街社区居委会", supporting_units="城关街道民政办、县民政局",
        reason="县民政局参与复核", effective_on=dt.date(2026, 12, 1))
    assert (second.key, second.version) == (first.key, 2)
    first.refresh_from_db()
    assert first.superseded_at is not None
    with pytest.raises(StaleVersion):
        services.list_item_change(actor=users["community"], item=first, expected_version=1, title="另一改法",
                                  item_type="公共服务", legal_basis="依据", responsible_unit="社区", reason="理由")
    history = Client().get(f"/tasks/lists/{tree.east.code}/history/").content.decode()
    assert "县民政局参与复核" in history and "依法由社区协助受理" in history and "2026-12-01" in history
    listed = Client().get(f"/tasks/lists/{tree.east.code}/").content.decode()
    assert "第 2 版" in listed and "第 1 版" not in listed
    services.list_item_change(actor=users["community"], item=second, expected_version=2, title=second.title,
                              item_type="公共服务", legal_basis=second.legal_basis, responsible_unit="社区",
                              reason="该事项收回县民政局", retire=True)
    assert "居民最低生活保障" not in Client().get(f"/tasks/lists/{tree.east.code}/").content.decode()
    assert ListItem.objects.filter(key=first.key).count() == 3


def test_a_list_change_needs_its_reason_and_the_regions_staff(tree, users):
    with pytest.raises(ValidationError) as caught:
        _item(tree, users, reason="")
    assert "reason" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.list_item_add(actor=users["community2"], region=tree.east, kind=ListKind.NEGATIVE, title="x",
                               item_type="x", legal_basis="x", responsible_unit="x", reason="x")
