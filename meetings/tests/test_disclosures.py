"""The two 公开 of 四议两公开 on the residents' portal: shown for their period, masked, then off the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import MatterStep
from meetings.workflow import Stage

pytestmark = pytest.mark.django_db
LIST = "/public/disclosures/"


def disclosed(council, note: str):
    matter = council.matter(stage=Stage.RESOLVED)
    matter = services.matter_transition(actor=council.staff, matter=matter, action="disclose_resolution",
                                        expected_version=matter.version, note=note)
    return matter, matter.steps.get(action="disclose_resolution")


def test_a_resident_reads_a_disclosed_resolution_with_its_vote_and_no_personal_data(client, council):
    matter, step = disclosed(council, "经居民代表会议表决通过。\n联系人：13912345678，身份证610424199001011234")
    listing = client.get(LIST).content.decode()
    assert matter.title in listing and "决议公开" in listing
    page = client.get(f"{LIST}{step.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "经居民代表会议表决通过" in html
    # A public page hides a number whole: not even the masked remainder shows.
    assert "13912345678" not in html and "610424199001011234" not in html and "5678" not in html
    assert "（号码已隐去）" in html
    # The resolving meeting's counts: 6 representatives due, 6 present, all in favour.
    assert "应到</dt><dd>6 人" in html and "赞成</dt><dd>6 票" in html
    for seat in council.seats["residents_representatives"]:
        assert seat.person.name not in html


def test_a_disclosure_past_its_period_leaves_the_page_and_stays_on_record(client, council, settings):
    matter, step = disclosed(council, "决议内容")
    MatterStep.objects.filter(pk=step.pk).update(public_until=timezone.localdate() - dt.timedelta(days=1))
    assert matter.title not in client.get(LIST).content.decode()
    gone = client.get(f"{LIST}{step.pk}/")
    assert gone.status_code == 404 and "公开期满" in gone.content.decode()
    assert MatterStep.objects.filter(pk=step.pk).exists()


def test_a_matter_not_yet_disclosed_is_not_on_the_portal(client, council):
    matter = council.matter(stage=Stage.RESOLVED)
    assert matter.title not in client.get(LIST).content.decode()
    assert client.get(f"{LIST}{matter.steps.get(action='resolve').pk}/").status_code == 404
