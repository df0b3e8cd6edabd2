"""The 问题清单 pages by keyset: every page takes the same number of queries, and following the cursors
walks the whole list in order, each case once."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors
from tests.case_world import CaseWorld, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(tree, users) -> list:
    """Twelve open problems: registered ones with deadlines (some on the same minute), undated ones."""
    w = CaseWorld(tree, users)
    cases = []
    for n in range(8):
        cases.append(w.register(at(2026, 11, 1 + n % 4, 9), region=tree.east_grid1))
    for n in range(4):
        cases.append(w.submit(at(2026, 11, 10, 9) + dt.timedelta(hours=n), region=tree.east_grid1))
    return cases


def test_the_pages_walk_the_whole_list_in_order(users, listed):
    user = users["community"]
    whole = [case.pk for case in selectors.case_list(user)]
    assert len(whole) == 12
    seen, cursor = [], None
    while True:
        page = selectors.case_list_page(user, cursor=cursor, size=5)
        assert page.is_first == (cursor is None)
        seen += [case.pk for case in page.object_list]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == whole
    assert selectors.case_list_page(user, cursor="不是翻页标记", size=5).is_first  # unreadable: first page


def test_the_first_and_a_deep_page_take_the_same_queries(client, users, listed):
    client.force_login(users["community"])
    url = reverse("cases:problem_list")
    counts, cursor, pages = [], None, []
    with mock.patch("cases.views.PAGE_SIZE", 3):
        while True:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, {"cursor": cursor} if cursor else {})
            assert response.status_code == 200
            counts.append(len(queries))
            page = response.context["page"]
            pages.append([case.pk for case in page.object_list])
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert len(pages) == 4 and all(len(rows) == 3 for rows in pages)
    assert len(set(counts)) == 1, counts  # the fourth page costs what the first does
    body = response.content.decode()
    assert "第一页" in body and "下一页" not in body


def test_a_cursor_of_another_list_starts_the_page_list_again(client, users, listed):
    from core import cursor as cursor_codec

    client.force_login(users["community"])
    foreign = cursor_codec.encode("received_at", listed[0].received_at, listed[0].pk)
    response = client.get(reverse("cases:problem_list"), {"cursor": foreign})
    assert response.status_code == 200
    assert response.context["page"].is_first
