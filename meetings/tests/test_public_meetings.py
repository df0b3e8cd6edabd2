"""会议公开 on the residents' portal: the held meetings of bodies whose minutes are public, with their
counts, agenda and resolutions, never who attended; any other meeting is not found."""

from __future__ import annotations

import pytest

from api.tests.conftest import Api
from meetings import services
from meetings.models import Body
from meetings.workflow import BodyKind
from organisations import services as org_services

pytestmark = pytest.mark.django_db
LIST = "/public/meetings/"
RESIDENT = "李桂芳"


def test_the_residents_meetings_are_public_by_default_and_the_committees_are_not(council):
    public = {kind for kind, body in council.bodies.items() if body.minutes_public}
    assert public == {BodyKind.RESIDENTS_REPRESENTATIVES, BodyKind.RESIDENTS}
    party = services.body_create(actor=council.staff, kind=BodyKind.PARTY_MEMBERS, name="党员大会（公开）",
                                 region=council.tree.east, minutes_public=True)
    assert party.minutes_public


def held_with_summary(council):
    """A 居民代表会议 held with a resident named on its roll, and a summary naming her with her phone."""
    seat = services.roll_member_add(
        actor=council.staff, body=council.bodies[BodyKind.RESIDENTS_REPRESENTATIVES],
        person=org_services.person_create(actor=None, name=RESIDENT, home_region=council.tree.east))
    council.seats[BodyKind.RESIDENTS_REPRESENTATIVES].append(seat)
    matter = council.matter()
    meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, matter, present=5, in_favour=4, close=False)
    return services.meeting_transition(
        actor=council.staff, meeting=meeting, action="close", expected_version=meeting.version,
        minutes=f"{RESIDENT}发言……", public_summary=f"会议审议加装电梯方案，{RESIDENT}（13800005555）介绍了方案。",
    )


def test_a_resident_reads_a_held_meeting_with_its_counts_and_resolution_but_no_one_who_attended(client, council):
    meeting = held_with_summary(council)
    listing = client.get(LIST).content.decode()
    assert f"{LIST}{meeting.pk}/" in listing and "东街社区居民代表会议" in listing
    response = client.get(f"{LIST}{meeting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "应到 7 人，实到 5 人" in html
    assert "赞成 4 票，反对 0 票，弃权 1 票" in html and "决议：同意东街小区加装电梯" in html
    assert "会议审议加装电梯方案" in html and "李**" in html
    # Nobody's name, no phone, not the minutes themselves.
    assert RESIDENT not in html and "13800005555" not in html and "5555" not in html and "发言……" not in html
    for seat in council.seats[BodyKind.RESIDENTS_REPRESENTATIVES]:
        assert seat.person.name not in html


def test_meetings_not_held_or_of_bodies_with_closed_minutes_are_not_found(client, council):
    committees = council.held(BodyKind.TWO_COMMITTEES)
    on_notice = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, close=False)
    held = council.held(BodyKind.RESIDENTS)
    listing = client.get(LIST).content.decode()
    assert f"{LIST}{held.pk}/" in listing
    for hidden in (committees, on_notice):
        assert f"{LIST}{hidden.pk}/" not in listing
        gone = client.get(f"{LIST}{hidden.pk}/")
        assert gone.status_code == 404 and hidden.title not in gone.content.decode()
    assert client.get(f"{LIST}0/").status_code == 404
    # A body retired from the register takes its meetings off the portal.
    Body.objects.filter(pk=held.body_id).update(archived_at=held.closed_at)
    assert client.get(f"{LIST}{held.pk}/").status_code == 404


def test_the_list_is_paged_newest_first(client, council, monkeypatch):
    monkeypatch.setattr("portal.views.MEETINGS_PER_PAGE", 2)
    held = [council.held(BodyKind.RESIDENTS) for _ in range(3)]
    first = client.get(LIST).content.decode()
    second = client.get(f"{LIST}?page=2").content.decode()
    assert "第 1 页，共 2 页" in first and f"{LIST}{held[0].pk}/" in second
    assert f"{LIST}{held[0].pk}/" not in first
    assert client.get(f"{LIST}?page=x").status_code == 200


def test_the_api_says_which_bodies_have_public_minutes(client, council):
    items = Api(client).ok("community", "/api/v1/bodies")["items"]
    assert {item["name"]: item["minutes_public"] for item in items} == {
        "东街社区两委会": False, "东街社区党员大会": False, "东街社区居民代表会议": True, "东街社区居民会议": True}


def test_the_list_reads_a_fixed_number_of_queries(client, council, django_assert_max_num_queries):
    council.held(BodyKind.RESIDENTS)
    with django_assert_max_num_queries(20) as one:
        client.get(LIST)
    for _ in range(3):
        council.held(BodyKind.RESIDENTS_REPRESENTATIVES)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(LIST).content.decode().count('class="case-item"') == 4
