"""The inbox page, marking read, the unread count, and the notify service's own guarantees."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import PASSWORD
from notifications import receivers
from notifications.models import Notification
from notifications.selectors import inbox_for, unread_count
from notifications.services import (
    events_for_notification,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    notify_for_event,
)
from tests.case_world import at, frozen


def note(user, key, message="事项已派遣，请报到", kind=Notification.Kind.DISPATCHED):
    return notify(recipient=user, message=message, kind=kind, dedupe_key=key)[0]


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_notify_with_a_known_key_returns_the_first_notification(users):
    first, created = notify(recipient=users["dept"], message="甲", kind="dispatched", dedupe_key="k1")
    again, created_again = notify(recipient=users["dept"], message="乙", kind="dispatched", dedupe_key="k1")
    assert created and not created_again and again.pk == first.pk and again.message == "甲"
    assert Notification.objects.count() == 1


def test_notify_refuses_an_unknown_kind_or_an_empty_key(users):
    with pytest.raises(ValueError):
        notify(recipient=users["dept"], message="甲", kind="gossip", dedupe_key="k1")
    with pytest.raises(ValueError):
        notify(recipient=users["dept"], message="甲", kind="dispatched", dedupe_key="")


def test_only_the_recipient_may_mark_a_notification_read(users):
    n = note(users["dept"], "k1")
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=n, user=users["street"])
    first = notification_mark_read(notification=n, user=users["dept"]).read_at
    assert first is not None
    assert notification_mark_read(notification=n, user=users["dept"]).read_at == first  # the first reading stays


def test_unread_count_and_mark_all_read(users):
    note(users["dept"], "k1")
    note(users["dept"], "k2")
    note(users["street"], "k3")
    assert unread_count(users["dept"]) == 2
    assert notifications_mark_all_read(user=users["dept"]) == 2
    assert unread_count(users["dept"]) == 0 and unread_count(users["street"]) == 1


def test_the_inbox_lists_only_the_users_own_notifications(client, users):
    note(users["dept"], "k1", message="给住建局的消息")
    note(users["street"], "k2", message="给街道的消息")
    response = signed_in(client, users["dept"]).get(reverse("notifications:inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "给住建局的消息" in body and "给街道的消息" not in body
    assert 'data-unread-count>1<' in body
    assert response.context["unread_notifications"] == 1  # the context processor


def test_the_unread_filter_hides_read_notifications(client, users):
    read = note(users["dept"], "k1", message="已经读过的消息")
    notification_mark_read(notification=read, user=users["dept"])
    note(users["dept"], "k2", message="还没读的消息")
    body = signed_in(client, users["dept"]).get(reverse("notifications:inbox") + "?unread=1").content.decode()
    assert "还没读的消息" in body and "已经读过的消息" not in body


def test_marking_read_is_a_post_and_returns_to_the_inbox(client, users):
    n = note(users["dept"], "k1")
    client = signed_in(client, users["dept"])
    url = reverse("notifications:mark_read", args=[n.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"page": "1", "unread": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:inbox") + "?unread=1&page=1"
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_answers_404(client, users):
    n = note(users["street"], "k1")
    response = signed_in(client, users["dept"]).post(reverse("notifications:mark_read", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_from_the_page(client, users):
    note(users["dept"], "k1")
    note(users["dept"], "k2")
    response = signed_in(client, users["dept"]).post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert unread_count(users["dept"]) == 0


def test_the_inbox_needs_a_sign_in(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_inbox_is_paged_with_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    for number in range(45):
        note(users["dept"], f"k{number}")
    client = signed_in(client, users["dept"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:inbox") + "?page=2")
    assert len(response.context["items"]) == 15
    assert inbox_for(users["dept"]).count() == 45


def test_a_failing_notification_never_fails_the_move(world, users, django_capture_on_commit_callbacks,
                                                     monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("收件箱不可用")

    monkeypatch.setattr(receivers, "notify_for_event", broken)
    case = world.register(at(2026, 11, 2, 9))
    with frozen(at(2026, 11, 2, 10)), django_capture_on_commit_callbacks(execute=True):
        case = world.dispatch(case, at(2026, 11, 2, 10))
    assert case.status == "dispatched"
    assert "将由 run_clocks 补发" in caplog.text
    assert not Notification.objects.exists()


def test_every_page_links_to_the_inbox_with_the_unread_count(client, users):
    note(users["dept"], "k1")
    note(users["dept"], "k2")
    body = signed_in(client, users["dept"]).get(reverse("console:home")).content.decode()
    assert reverse("notifications:inbox") in body and '2<span class="visually-hidden">条未读</span>' in body


def test_a_notification_links_to_its_case(client, world, users):
    when = at(2026, 11, 2, 10)
    case = world.dispatch(world.register(at(2026, 11, 2, 9)), when)
    for event in events_for_notification().filter(case=case):
        notify_for_event(event, now=when)
    body = signed_in(client, users["dept"]).get(reverse("notifications:inbox")).content.decode()
    assert reverse("cases:detail", args=[case.pk]) in body and case.tracking_code in body


def test_nothing_is_announced_on_commit_while_muted(world, users, django_capture_on_commit_callbacks):
    case = world.register(at(2026, 11, 2, 9))
    with frozen(at(2026, 11, 2, 10)), receivers.muted(), django_capture_on_commit_callbacks(execute=True):
        world.dispatch(case, at(2026, 11, 2, 10))
    assert not Notification.objects.exists()
