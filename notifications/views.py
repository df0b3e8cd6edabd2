"""The staff inbox: list, mark one read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .selectors import case_url, inbox_for, unread_count
from .services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 30


def _back(request) -> str:
    """Back to the inbox page the form was on (only the page number and filter are kept)."""
    params = [f"{name}={request.POST[name]}" for name in ("unread", "page") if request.POST.get(name, "").isdigit()]
    url = reverse("notifications:inbox")
    return f"{url}?{'&'.join(params)}" if params else url


@login_required
def inbox(request):
    """The signed-in user's notifications, newest first; `?unread=1` shows only unread ones."""
    only_unread = request.GET.get("unread") == "1"
    rows = inbox_for(request.user)
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"notification": n, "case_url": case_url(n.case_id)} for n in page.object_list]
    return render(request, "notifications/inbox.html", {
        "page": page, "items": items, "only_unread": only_unread, "unread": unread_count(request.user),
    })


@login_required
@require_POST
def mark_read(request, pk: int):
    """Mark one of the user's own notifications read (another's answers 404)."""
    notification = get_object_or_404(inbox_for(request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request):
    """Mark all of the user's notifications read."""
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读" if count else "没有未读消息")
    return redirect(_back(request))
