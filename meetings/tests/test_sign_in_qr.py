"""The meeting page shows a QR code of the members' sign-in page from the notice until the meeting closes;
a phone reading it opens that page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.tests.qr import decoded_qr
from meetings.workflow import BodyKind

pytestmark = pytest.mark.django_db


def page(client, meeting) -> str:
    return client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_the_qr_code_on_an_open_meeting_reads_as_its_sign_in_address(client, council):
    client.force_login(council.staff)
    meeting = council.held(BodyKind.TWO_COMMITTEES, close=False)
    assert decoded_qr(page(client, meeting)) == [f"http://testserver/meetings/{meeting.pk}/sign-in/"]


def test_a_meeting_on_notice_shows_its_code_to_print_and_a_closed_one_does_not(client, council):
    client.force_login(council.staff)
    on_notice, _ = services.meeting_schedule(
        actor=council.staff, body=council.bodies[BodyKind.PARTY_MEMBERS], title="党员大会",
        scheduled_at=timezone.now() + dt.timedelta(days=8))
    closed = council.held(BodyKind.TWO_COMMITTEES)
    assert decoded_qr(page(client, on_notice)) == [f"http://testserver/meetings/{on_notice.pk}/sign-in/"]
    assert decoded_qr(page(client, closed)) == [] and "data-sign-in-url" not in page(client, closed)
