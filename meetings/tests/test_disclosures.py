"""The two 公开 of 四议两公开 on the residents' portal: shown for their period, masked, then off the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import MatterStep
from meetings.tests.qr import decoded_qr
from meetings.workflow import Stage
from organisations import services as org_services

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


# --------------------------------------------------------------------------------------------------
# The 公示 notice to print (A4, for the 公开栏)
# --------------------------------------------------------------------------------------------------

RESIDENT = "张秀英"


def with_resident_on_the_roll(council):
    """A resident named in full on the representatives' roll, so the notice has a real name to mask."""
    seat = services.roll_member_add(
        actor=council.staff, body=council.bodies["residents_representatives"],
        person=org_services.person_create(actor=None, name=RESIDENT, phone="13722223333",
                                          home_region=council.tree.east))
    council.seats["residents_representatives"].append(seat)


def poster(client, step):
    return client.get(f"{LIST}{step.pk}/poster/")


def test_the_resolution_notice_has_its_heading_content_vote_period_and_issuers(client, council):
    with_resident_on_the_roll(council)
    matter, step = disclosed(council, f"经居民代表会议表决通过。{RESIDENT}提议，联系电话13912345678。")
    response = poster(client, step)
    assert response.status_code == 200
    html = response.content.decode()
    assert "东街社区“四议两公开”决议公示" in html and matter.title in html
    # The resolving meeting: 7 representatives due, 7 present and in favour.
    assert 'data-count="expected">7 人' in html and 'data-count="in_favour">7 票' in html
    assert 'data-count="against">0 票' in html and 'data-count="abstained">0 票' in html
    # Every step that decided it, in order, with its body.
    for label in ("党组织提议", "两委会商议", "党员大会审议", "居民（代表）会议决议"):
        assert label in html
    assert "东街社区党员大会" in html
    period = f"{step.public_from:%Y}年{step.public_from.month}月{step.public_from.day}日至"
    assert period in html and "共 31 天" in html
    assert "东街社区党委" in html and "东街社区居民委员会" in html
    # No personal data: the number hidden whole, the resident's name masked, no name of the roll.
    assert "13912345678" not in html and "5678" not in html and RESIDENT not in html and "张**" in html
    for seat in council.seats["residents_representatives"]:
        assert seat.person.name not in html


def test_the_result_notice_carries_the_resolving_vote_too(client, council):
    matter = council.matter(stage=Stage.RESOLUTION_DISCLOSED)
    matter = services.matter_transition(actor=council.staff, matter=matter, action="disclose_result",
                                        expected_version=matter.version, note="电梯已安装完毕并投入使用。")
    html = poster(client, matter.steps.get(action="disclose_result")).content.decode()
    assert "东街社区“四议两公开”实施结果公示" in html and "电梯已安装完毕" in html
    assert 'data-count="present">6 人' in html and "决议公开" not in html.split("决策程序")[1]


def test_the_notice_links_to_the_disclosure_online_by_a_qr_code(client, council):
    _, step = disclosed(council, "决议内容")
    html = poster(client, step).content.decode()
    assert decoded_qr(html) == [f"http://testserver{LIST}{step.pk}/"]


def test_a_notice_off_its_period_or_of_no_disclosure_is_not_found(client, council):
    matter, step = disclosed(council, "决议内容")
    assert poster(client, matter.steps.get(action="resolve")).status_code == 404
    assert client.get(f"{LIST}0/poster/").status_code == 404
    MatterStep.objects.filter(pk=step.pk).update(public_until=timezone.localdate() - dt.timedelta(days=1))
    gone = poster(client, step)
    assert gone.status_code == 404 and matter.title not in gone.content.decode()
