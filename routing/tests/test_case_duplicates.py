"""A registered case's likely duplicates on its page, through HTTP: the case page loads them while the
case may still be merged, and each one's 合并 button merges the case into it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from cases.workflow import Status

pytestmark = pytest.mark.django_db

LAMP = {"title": "路灯坏了", "description": "东街3号楼前的路灯不亮好几天了，晚上走路很黑"}
LAMP_AGAIN = {"title": "3号楼前路灯不亮", "description": "3号楼门口的路灯坏了，晚上一片漆黑"}
WATER = {"title": "小区停水", "description": "家里没有自来水，已经一整天了"}


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _take_in(client: Client, region, texts: dict) -> Case:
    response = client.post(reverse("cases:intake"), {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window", "region": region.pk,
        "address": "东街3号楼", "lat": "", "long": "", "contact_name": "张大爷", "contact_phone": "13912345678",
        "target_group": "", "category": "", "idempotency_key": uuid.uuid4().hex, **texts,
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    return Case.objects.get(title=texts["title"])


def _merge_form(html: str, code: str) -> dict:
    """The hidden fields of the 合并 form offered for the duplicate `code`."""
    item = re.search(rf'<li data-routing-duplicate="{code}">(.*?)</li>', html, re.S)
    assert item, f"{code} is not offered as a duplicate"
    fields = dict(re.findall(r'<input type="hidden" name="(merge-[a-z]+)" value="([^"]*)"', item.group(1)))
    action = re.search(r'<form method="post" action="([^"]+)"', item.group(1)).group(1)
    return {"action": action, **fields}


def test_the_case_page_offers_the_earlier_report_and_one_click_merges_into_it(tree, users):
    client = _login("community")
    first = _take_in(client, tree.east_grid1, LAMP)
    second = _take_in(client, tree.east_grid1, LAMP_AGAIN)

    page = client.get(reverse("cases:detail", args=[second.pk])).content.decode()
    assert reverse("routing:case_duplicates", args=[second.pk]) in page

    html = client.get(reverse("routing:case_duplicates", args=[second.pk])).content.decode()
    assert "可能重复" in html and "同一网格或楼栋" in html
    form = _merge_form(html, first.tracking_code)
    assert form["action"] == reverse("cases:transition", args=[second.pk, "merge"])
    assert form["merge-survivor"] == first.tracking_code and form["merge-version"] == str(second.version)

    response = client.post(form.pop("action"), form)
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first
    first.refresh_from_db()
    assert first.status == Status.RECEIVED

    # Merged, the case offers nothing more: no duplicates region on its page.
    page = client.get(reverse("cases:detail", args=[second.pk])).content.decode()
    assert reverse("routing:case_duplicates", args=[second.pk]) not in page
    assert "该事项当前不能合并" in client.get(reverse("routing:case_duplicates", args=[second.pk])).content.decode()


def test_an_unrelated_case_is_not_offered(tree, users):
    client = _login("community")
    first = _take_in(client, tree.east_grid1, LAMP)
    water = _take_in(client, tree.east_grid1, WATER)
    html = client.get(reverse("routing:case_duplicates", args=[water.pk])).content.decode()
    assert first.tracking_code not in html and "没有相似的在办事项" in html


def test_a_stale_merge_button_is_refused_and_merges_nothing(tree, users):
    client = _login("community")
    first = _take_in(client, tree.east_grid1, LAMP)
    second = _take_in(client, tree.east_grid1, LAMP_AGAIN)
    form = _merge_form(client.get(reverse("routing:case_duplicates", args=[second.pk])).content.decode(),
                       first.tracking_code)
    Case.objects.filter(pk=second.pk).update(version=second.version + 1)  # someone else moved it meanwhile
    response = client.post(form.pop("action"), form)
    assert response.status_code == 409
    second.refresh_from_db()
    assert second.status == Status.RECEIVED and second.merged_into is None


def test_a_clerk_of_another_community_cannot_read_the_case_duplicates(tree, users):
    client = _login("community")
    second = _take_in(client, tree.east_grid1, LAMP_AGAIN)
    outsider = User.objects.filter(role=users["community"].role).exclude(region=users["community"].region).first()
    if outsider is None:
        outsider = User.objects.create_user(username="north_clerk", password=None, role=users["community"].role,
                                            region=tree.north)
    other = Client()
    other.force_login(outsider)
    assert other.get(reverse("routing:case_duplicates", args=[second.pk])).status_code == 404
