"""Masking walk: known phone numbers, ID numbers and addresses never appear in the clear.

People and cases are created with personal data of known values; then, for every role, every route of
the URLconf that answers a GET (its path arguments filled with the ids of those objects, so detail
pages, exports and API records are reached) is fetched without any reveal, and the body is searched
for the plain values. Spreadsheets are read back cell by cell and JSON is decoded, so an escaped or
zipped value cannot hide. Public pages (the portal, its 公示 and tracking pages, Open311) are fetched
by a visitor and must not show even the masked remainder (last digits, the start of an address).

The admin site is left out: it is the back office of administrators, not a staff page.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from itertools import product

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from api.tests.conftest import Api
from cases import services as case_services
from cases.models import Case, Channel, Kind
from consultations import services as consultation_services
from consultations.models import Comment
from core.validators import id_number_check_char
from govservices import services as service_services
from govservices.models import Provider
from govservices.tests import factories as service_factories
from halls import services as hall_services
from halls.models import Appointment, Room
from halls.workflow import WindowKind
from meetings import services as meeting_services
from meetings.models import MatterStep
from meetings.workflow import BodyKind, Stage
from organisations import services as org_services
from regions.models import Facility
from tasks import services as task_services
from tasks.models import TaskCategory
from tests.case_world import CaseWorld
from tests.urlwalk import Route, routes
from volunteers import services as volunteer_services

MEMBER_PHONE, PERSON_PHONE, CASE_PHONE, DIFFICULTY_PHONE = "13755508642", "13655507531", "15955509753", "18955504286"
COMMENT_PHONE = "13355506427"  # a resident's, left with a comment on a consultation
BOOKING_PHONE, PARTY_PHONE = "13255503197", "15155508264"  # a room booking's contact, a mediation party's
APPOINTMENT_PHONE = "13555502468"  # a window appointment's contact
# A social service organisation's phone: masked everywhere, and on the public list masked as 138****1234 on
# purpose (a resident checks a number they were given), so only the whole number is searched for.
PROVIDER_PHONE = "13855507319"
MEMBER_ADDRESS = "东街幸福小区七号楼三单元五零二室"
PERSON_ADDRESS = "东街和平巷十八号院二排九号"
DIFFICULTY_ADDRESS = "东街光明里四号楼一单元六零一室"


def _id(body: str) -> str:
    return body + id_number_check_char(body)


MEMBER_ID, PERSON_ID = _id("61042419850315274"), _id("61042419721108391")

PHONES = (MEMBER_PHONE, PERSON_PHONE, CASE_PHONE, DIFFICULTY_PHONE, COMMENT_PHONE, BOOKING_PHONE, PARTY_PHONE,
          APPOINTMENT_PHONE)
IDS = (MEMBER_ID, PERSON_ID)
ADDRESSES = (MEMBER_ADDRESS, PERSON_ADDRESS, DIFFICULTY_ADDRESS)


def plain_values() -> list[str]:
    """What must never show to anyone who has not revealed it: each value whole, and each address's tail
    (the part its mask hides)."""
    return [*PHONES, PROVIDER_PHONE, *IDS, *ADDRESSES, *(address[6:] for address in ADDRESSES)]


def public_values() -> list[str]:
    """What a public page must not show at all: besides the whole values, what a mask keeps."""
    return [*plain_values(), *(phone[-4:] for phone in PHONES), *(number[-4:] for number in IDS),
            *(address[:4] for address in ADDRESSES)]


ROLES = ("county", "street", "community", "grid", "dept", "member", "resident")
# Routes that are not pages to read: signing out would end the walk's session.
SKIPPED = {"accounts/logout/"}
PUBLIC_PREFIXES = ("public/", "open311/")


class Objects:
    """The objects whose ids fill the routes' arguments."""


@pytest.fixture(autouse=True)
def fresh_cache(scratch_media_and_cache):
    """Every test here starts with an empty cache and scratch uploads (conftest.scratch_media_and_cache)."""


@pytest.fixture
def objects(tree, users) -> Objects:
    o = Objects()
    o.tree, o.users = tree, users
    world = CaseWorld(tree, users)
    o.category = world.category
    o.member_person = org_services.person_create(
        actor=None, name="王建国", phone=MEMBER_PHONE, id_number=MEMBER_ID, address=MEMBER_ADDRESS,
        home_region=tree.east_grid1,
    )
    o.member = org_services.party_member_register(
        actor=None, person=o.member_person, branch=tree.east_party, registered_community=tree.east,
        registered_on=dt.date(2026, 1, 5), grid=tree.east_grid1, skills="法律咨询",
    )
    o.person = org_services.person_create(
        actor=None, name="李秀兰", phone=PERSON_PHONE, id_number=PERSON_ID, address=PERSON_ADDRESS,
        home_region=tree.east_grid1,
    )
    o.facility = Facility.objects.create(name="东街日间照料中心", kind=Facility.Kind.choices[0][0], region=tree.east)
    now = dt.datetime.now(dt.UTC)
    o.case = world.dispatch(world.register(now, phone=CASE_PHONE), now)
    o.difficulty, _ = case_services.case_submit(
        actor=users["community"], channel=Channel.OPINION_WINDOW, kind=Kind.DIFFICULTY, title="独居老人需要助餐",
        description="老人行动不便，希望每天有人送餐", region=tree.east_grid1, address=DIFFICULTY_ADDRESS,
        contact_name="赵大娘", contact_phone=DIFFICULTY_PHONE, target_group="elderly",
        reporter_user=users["resident"],
    )
    o.department = tree.department
    # A 党员大会 whose roll has the party member and the resident in it, with an open meeting and a matter.
    staff = users["community"]
    body = meeting_services.body_create(actor=staff, kind=BodyKind.PARTY_MEMBERS, name="东街社区党员大会",
                                        region=tree.east)
    for person in (o.member_person, o.person):
        meeting_services.roll_member_add(actor=staff, body=body, person=person)
    o.matter, _ = meeting_services.matter_register(actor=staff, region=tree.east, title="加装电梯",
                                                   description=f"联系人电话 {PERSON_PHONE}")
    o.meeting, _ = meeting_services.meeting_schedule(
        actor=staff, body=body, title="党员大会", scheduled_at=now + dt.timedelta(days=3),
        agenda=[meeting_services.AgendaSpec(title="加装电梯", matter=o.matter)],
    )
    meeting_services.meeting_transition(actor=staff, meeting=o.meeting, action="open",
                                        expected_version=o.meeting.version)
    # A 居民代表会议 held (its minutes public) and a 决议公开 on show, their texts quoting her phone and
    # ID number: the public pages print them.
    quoted = f"李秀兰（{PERSON_PHONE}，{PERSON_ID}）"
    representatives = meeting_services.body_create(actor=staff, kind=BodyKind.RESIDENTS_REPRESENTATIVES,
                                                   name="东街社区居民代表会议", region=tree.east)
    meeting_services.roll_member_add(actor=staff, body=representatives, person=o.person)
    o.public_meeting, _ = meeting_services.meeting_schedule(
        actor=staff, body=representatives, title="居民代表会议", scheduled_at=now + dt.timedelta(days=8),
        agenda=[meeting_services.AgendaSpec(title=f"加装电梯，联系人{quoted}")],
    )
    o.public_meeting = meeting_services.meeting_transition(
        actor=staff, meeting=o.public_meeting, action="open", expected_version=o.public_meeting.version)
    o.public_meeting = meeting_services.meeting_transition(
        actor=staff, meeting=o.public_meeting, action="close", expected_version=o.public_meeting.version,
        minutes=f"会议记录 {quoted}", public_summary=f"会议摘要 {quoted}")
    today = timezone.localdate()
    o.disclosure = MatterStep.objects.create(  # arranged: a 决议公开 on show, without the meetings before it
        matter=o.matter, seq=1, action="disclose_resolution", label="决议公开", from_stage=Stage.RESOLVED,
        to_stage=Stage.RESOLUTION_DISCLOSED, note=f"决议公开 {quoted}", public_from=today,
        public_until=today + dt.timedelta(days=30))
    # A consultation open for comments, with a resident's comment carrying a phone (and one typed in the text).
    o.consultation, _ = consultation_services.consultation_create(
        actor=staff, region=tree.east, facility=o.facility, title="日间照料中心布局调整",
        plan=f"方案咨询电话 {PERSON_PHONE}")
    o.consultation = consultation_services.consultation_open(actor=staff, consultation=o.consultation,
                                                             expected_version=o.consultation.version)
    o.comment, _ = consultation_services.comment_add(
        consultation=o.consultation, text=f"建议增加休息区，联系我 {COMMENT_PHONE}", display_name="孙立新",
        phone=COMMENT_PHONE)
    _halls(o, staff)
    # A micro-wish published with her phone typed into its title and its text.
    wish = volunteer_services.wish_post(actor=users["resident"], community=tree.east,
                                        title=f"修轮椅 {PERSON_PHONE}", text=f"请打 {PERSON_PHONE}")
    volunteer_services.wish_transition(actor=staff, wish=wish, action="publish", expected_version=wish.version)
    # A service item and a request taken at a window, finished and rated 不满意 (its follow-up open).
    o.service_item = service_factories.item(users["county"])
    o.service_request = service_factories.finished(
        staff, service_factories.taken(staff, o.service_item, tree.east, name="李秀兰"), rating=service_factories.BAD)
    # A social service organisation serving the community, rated by the resident.
    o.provider = service_factories.provider(staff, tree.east, [tree.east], phone=PROVIDER_PHONE)
    service_services.provider_rate(actor=users["resident"], provider=o.provider, level=5)
    # An admitted county task whose legal basis carries a phone typed by its filer.
    o.task, _ = task_services.task_request_file(
        actor=users["county"], region=tree.county, department=tree.department,
        category=TaskCategory.objects.get(code="employment"), title="就业援助初审",
        legal_basis=f"就业援助办法，咨询电话 {PERSON_PHONE}", authority="受理与初审", funds="5000.00")
    o.task = task_services.task_request_decide(actor=users["county"], request=o.task, action="admit",
                                               expected_version=o.task.version)
    return o


def _halls(o: Objects, staff) -> None:
    """A hall with a window and a called ticket, a room booked by the resident, a mediation with its parties."""
    tree = o.tree
    o.hall = Facility.objects.create(name="东街便民服务大厅", kind=Facility.Kind.SERVICE_HALL, region=tree.east)
    o.window = hall_services.window_create(actor=staff, hall=o.hall, name="1号窗口", kind=WindowKind.GENERAL,
                                           opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
    hall_services.ticket_take(hall=o.hall, kind=WindowKind.GENERAL)
    o.ticket = hall_services.ticket_call_next(actor=staff, window=o.window)
    room = Facility.objects.create(name="东街调解室", kind=Facility.Kind.MEDIATION_ROOM, region=tree.east)
    o.room = hall_services.room_create(actor=staff, facility=room, kind=Room.Kind.MEDIATION, weekdays="1234567",
                                       opens_at=dt.time(0, 0), closes_at=dt.time(23, 59), min_notice_hours=1)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    o.booking, _ = hall_services.booking_request(
        actor=o.users["resident"], room=o.room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
        contact_name="孙立新", contact_phone=BOOKING_PHONE, purpose="邻里协商")
    o.appointment, _ = hall_services.appointment_book(
        hall=o.hall, kind=WindowKind.GENERAL, day=hall_services.appointment_days()[0], starts_at=dt.time(9, 0),
        item_code="ZM001", item_name="居住证明开具", contact_name="钱美华", contact_phone=APPOINTMENT_PHONE)
    # Its day has come, so the counter page lists it.
    Appointment.objects.filter(pk=o.appointment.pk).update(day=timezone.localdate())
    o.mediation = hall_services.mediation_open(
        actor=staff, region=tree.east, room=o.room, title="邻里漏水纠纷", facts="楼上漏水", disputed_points="维修费",
        parties=[hall_services.PartySpec("applicant", "周建华", PARTY_PHONE),
                 hall_services.PartySpec("respondent", "吴秀英")])


def argument_values(route: Route, o: Objects) -> dict[str, list]:
    """The values a route's arguments take in the walk; a route with an argument not named here fails the
    walk, so a new detail page gets its object rather than being skipped."""
    path = route.route
    table: list[tuple[str, str, list]] = [
        ("organisations/people/", "pk", [o.member_person.pk, o.person.pk]),
        ("organisations/party-members/", "pk", [o.member.pk]),
        ("organisations/", "pk", [o.tree.east_party.pk]),
        ("regions/facilities/", "pk", [o.facility.pk]),
        ("regions/", "code", [o.tree.east.code, o.tree.east_grid1.code]),
        ("cases/", "pk", [o.case.pk, o.difficulty.pk]),
        ("routing/cases/", "pk", [o.case.pk, o.difficulty.pk]),
        ("cases/", "action", ["note"]),  # POST only: a GET answers 405
        # A photo is sent as its own bytes with no text; no photo exists here, so the route answers 404.
        ("cases/", "attachment_id", [0]),
        ("reports/departments/", "pk", [o.department.pk]),
        ("meetings/matters/", "pk", [o.matter.pk]),
        # A member's certificate and the quarterly record of the member's unit print the member's identity.
        ("volunteers/members/", "pk", [o.member.pk]),
        ("volunteers/units/", "pk", [o.member.branch_id]),
        ("volunteers/", "pk", [0]),  # no activity, registration, post, sign-up or wish here: 404 (or 405)
        ("volunteers/", "action", ["confirm"]),  # POST only
        ("volunteers/", "move", ["claim"]),  # POST only
        ("api/v1/", "activity_id", [0]),
        ("api/v1/", "signup_id", [0]),
        ("consultations/", "pk", [o.consultation.pk]),
        ("consultations/", "action", ["open"]),  # POST only: a GET answers 405
        ("consultations/", "comment_pk", [o.comment.pk]),  # POST only
        ("consultations/", "move", ["hide"]),  # POST only
        ("public/consultations/", "pk", [o.consultation.pk]),
        ("services/providers/", "pk", [o.provider.pk]),
        ("public/services/providers/", "pk", [o.provider.pk]),
        ("services/follow-ups/", "pk", [o.service_request.rating.follow_up.pk]),  # POST only
        ("services/", "pk", [o.service_request.pk]),
        ("services/", "action", ["deliver"]),  # POST only: a GET answers 405
        ("public/services/items/", "code", [o.service_item.code]),
        ("public/services/requests/", "code", [o.service_request.tracking_code]),
        ("api/v1/service-items/", "code", [o.service_item.code]),
        ("api/v1/", "request_id", [o.service_request.pk]),  # POST only
        ("tasks/lists/", "code", [o.tree.east.code]),
        ("tasks/", "code", [o.tree.east.code]),  # POST only: a community refusing a task
        ("gradings/", "team_pk", [0]),  # POST only
        ("gradings/", "pk", [0]),  # POST only
        ("tasks/", "pk", [o.task.pk]),
        ("tasks/", "action", ["admit"]),  # POST only: a GET answers 405
        ("meetings/", "pk", [o.meeting.pk]),
        ("meetings/", "action", ["open"]),  # POST only: a GET answers 405
        ("meetings/", "item_pk", [o.meeting.agenda.get().pk]),  # POST only
        # Photos of meetings and of the 公开 are sent as their own bytes; none exists here, so they answer 404.
        ("meetings/", "photo_pk", [0]),
        ("public/disclosures/", "photo_pk", [0]),
        ("routing/cases/", "pk", [o.case.pk, o.difficulty.pk]),
        ("notifications/", "pk", [0]),
        ("public/track/", "code", [o.case.tracking_code, o.difficulty.tracking_code]),
        ("public/disclosures/", "pk", [o.disclosure.pk, 0]),
        ("public/meetings/", "pk", [o.public_meeting.pk, o.meeting.pk]),
        ("api/v1/regions/", "code", [o.tree.east.code]),
        ("api/v1/categories/", "code", [o.category.code]),
        ("api/v1/task-requests/", "code", [o.tree.east.code]),  # POST only
        ("api/v1/", "case_id", [o.case.pk, o.difficulty.pk]),
        ("api/v1/", "member_id", [o.member.pk]),
        ("api/v1/", "organisation_id", [o.tree.east_party.pk]),
        ("api/v1/", "facility_id", [o.facility.pk]),
        ("api/v1/", "meeting_id", [o.meeting.pk]),
        ("api/v1/", "matter_id", [o.matter.pk]),
        ("api/v1/tasks/", "task_id", [o.task.pk, 0]),
        ("api/v1/", "task_id", [0]),
        ("api/v1/", "request_id", [o.task.pk]),
        ("api/v1/", "consultation_id", [o.consultation.pk]),
        ("api/v1/", "comment_id", [o.comment.pk]),
        ("open311/", "code", [o.category.code]),
        ("open311/", "request_id", [o.case.pk, o.difficulty.pk]),
        ("open311/", "token", ["unknown-token"]),
        ("open311/", "path", ["unknown"]),
        ("halls/tickets/", "pk", [o.ticket.pk]),
        ("halls/appointments/", "pk", [o.appointment.pk]),  # POST only
        ("public/services/appointments/", "code", [o.appointment.code]),
        ("halls/rooms/", "pk", [o.room.pk]),
        ("halls/bookings/", "pk", [o.booking.pk]),
        ("halls/mediations/", "pk", [o.mediation.pk]),
        ("halls/", "pk", [o.hall.pk]),
        ("halls/", "window_pk", [o.window.pk]),  # POST only
        ("halls/", "action", ["serve"]),  # POST only: a GET answers 405
        ("api/v1/", "booking_id", [o.booking.pk]),
        ("api/v1/", "hall_id", [o.hall.pk]),
        ("api/v1/", "window_id", [o.window.pk]),
        ("", "fmt", ["json", "xml"]),
    ]
    values = {}
    for name in route.arguments:
        found = next((choices for prefix, arg, choices in table if arg == name and path.startswith(prefix)), None)
        assert found is not None, f"the masking walk has no value for argument {name!r} of {path}"
        values[name] = found
    return values


# Query strings that reach more of a page: the difficulty list, finished handling, the spreadsheet forms.
EXTRA_QUERIES = {
    "cases/": [{"kind": "difficulty"}, {"status": "dispatched"}],
    "cases/export.xlsx": [{"kind": "difficulty"}],
    "cases/handling/export.xlsx": [{"all": "1"}],
    "reports/dashboard/monthly/": [{"format": "xlsx"}],
    "organisations/party-members/": [{"q": "王建国"}],
}


def walk_urls(o: Objects, *, public_only: bool = False) -> list[str]:
    """Every GET URL of the walk, filled in with the objects' ids."""
    urls = []
    for route in routes():
        if route.route.startswith("admin/") or route.route in SKIPPED:
            continue
        if public_only and not route.route.startswith(PUBLIC_PREFIXES):
            continue
        values = argument_values(route, o)
        names = list(values)
        for combination in product(*(values[name] for name in names)):
            url = route.url(dict(zip(names, map(str, combination), strict=True)))
            urls.append(url)
            for query in EXTRA_QUERIES.get(route.route, []):
                urls.append(url + "?" + "&".join(f"{key}={value}" for key, value in query.items()))
    public = [f"/public/track/?code={o.case.tracking_code}", f"/public/track/?code={o.difficulty.tracking_code}"]
    return sorted(set(urls + public))


def body_text(response) -> str:
    """The response as text: spreadsheet cells, decoded JSON, or the page."""
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        workbook = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows()
                         for cell in row if cell.value is not None)
    text = response.content.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def leaks(response, values: list[str]) -> list[str]:
    text = body_text(response)
    return [value for value in values if _shown(value, text)]


def _shown(value: str, text: str) -> bool:
    # Four digits (what a mask keeps) leak only as a number of their own, as in 138****1234: inside a longer
    # run of letters and digits (a photo's random file name, a nonce) they are chance, not a phone.
    if len(value) == 4 and value.isdigit():
        return re.search(rf"(?<![0-9A-Za-z]){value}(?![0-9A-Za-z])", text) is not None
    return value in text


def test_the_walk_reaches_detail_pages_exports_and_api_records(objects):
    urls = walk_urls(objects)
    o = objects
    for expected in (f"/organisations/people/{o.member_person.pk}/", f"/organisations/people/{o.person.pk}/",
                     f"/organisations/party-members/{o.member.pk}/edit/", "/organisations/party-members/export.xlsx",
                     f"/cases/{o.difficulty.pk}/", "/cases/export.xlsx", "/cases/handling/export.xlsx",
                     f"/api/v1/cases/{o.difficulty.pk}", f"/api/v1/party-members/{o.member.pk}",
                     "/reports/dashboard/export/", f"/open311/v2/requests/{o.case.pk}.xml", "/public/",
                     f"/public/meetings/{o.public_meeting.pk}/", f"/public/disclosures/{o.disclosure.pk}/poster/",
                     f"/public/consultations/{o.consultation.pk}/", f"/consultations/{o.consultation.pk}/",
                     f"/api/v1/consultations/{o.consultation.pk}", f"/services/providers/{o.provider.pk}/",
                     f"/public/services/providers/{o.provider.pk}/", "/public/services/providers/",
                     "/api/v1/service-providers"):
        assert expected in urls


def test_the_values_are_really_stored_and_masking_is_what_hides_them(objects):
    """The walk would pass vacuously if the values were never stored: they are, in full."""
    o = objects
    o.member_person.refresh_from_db()
    assert (o.member_person.phone, o.member_person.id_number, o.member_person.address) == (
        MEMBER_PHONE, MEMBER_ID, MEMBER_ADDRESS)
    assert Case.objects.get(pk=o.difficulty.pk).address == DIFFICULTY_ADDRESS
    assert Case.objects.get(pk=o.case.pk).contact_phone == CASE_PHONE
    assert Comment.objects.get(pk=o.comment.pk).phone == COMMENT_PHONE
    assert Provider.objects.get(pk=o.provider.pk).phone == PROVIDER_PHONE


@pytest.mark.parametrize("role", ROLES)
def test_no_page_export_or_api_response_shows_personal_data_in_the_clear(client, objects, role):
    user = objects.users[role]
    api = Api(Client())
    token = api.token(role)
    client.force_login(user)
    seen, found = 0, {}
    for url in walk_urls(objects):
        cache.clear()  # the portal's lookup limit would otherwise stop the walk
        if url.startswith("/api/"):
            response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        else:
            response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            seen += 1
            if leaked := leaks(response, plain_values()):
                found[url] = leaked
    assert found == {}
    assert seen >= 10  # every role reaches at least its own pages, the portal and Open311


def test_a_reveal_shows_the_value_so_the_walk_would_see_one(client, objects):
    """The same check catches a value in the clear: after a logged reveal the person page shows it."""
    client.force_login(objects.users["community"])
    url = f"/organisations/people/{objects.member_person.pk}/reveal/"
    response = client.post(url, {"field": "phone", "reason": "核实报到信息"})
    assert response.status_code == 200
    assert leaks(response, plain_values()) == [MEMBER_PHONE]


def test_public_pages_show_no_personal_data_at_all(objects):
    visitor = Client()
    seen, found = [], {}
    for url in walk_urls(objects, public_only=True):
        cache.clear()
        response = visitor.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            seen.append(url)
            if leaked := leaks(response, public_values()):
                found[url] = leaked
    assert found == {}
    assert len(seen) >= 8
    # The pages that print the texts quoting her phone and ID number were read, not skipped.
    o = objects
    for url in (f"/public/meetings/{o.public_meeting.pk}/", f"/public/disclosures/{o.disclosure.pk}/",
                f"/public/disclosures/{o.disclosure.pk}/poster/"):
        assert url in seen
