"""The permission matrix (`console.matrix`), walked cell by cell over HTTP, pages and API alike.

The world is built once for the module through the real services, inside a transaction that is rolled
back at the end; every test runs in a savepoint of its own, so the writes a cell makes (a done
transition, a reveal, a denied row) never reach the next cell.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import api_token_issue
from cases import services as case_services
from cases import workflow
from cases.models import Extension, Kind, Meeting, TargetGroup
from cases.tests.images import image_bytes
from conftest import PASSWORD, build_tree, build_users
from console.matrix import ROLE_KEYS, ROWS, Row, render_markdown
from consultations import services as consultation_services
from core.models import AuditEvent
from govservices.tests import factories as service_factories
from gradings import services as grading_services
from gradings.models import Grade
from halls import services as hall_services
from halls.models import Room
from halls.workflow import WindowKind
from meetings import services as meeting_services
from meetings.models import AgendaItem, DisclosurePhoto, MatterStep, MeetingAttachment
from meetings.workflow import BodyKind, Stage
from notifications.models import Notification
from notifications.services import notify
from organisations import services as org_services
from regions import services as region_services
from regions.models import Facility
from tasks import services as task_services
from tasks.models import DispatchedTeam, TaskCategory
from tasks.tests.factories import team_with_head
from tests.case_world import CaseWorld, at
from volunteers import services as volunteer_services

PNG = image_bytes("PNG")
# The reporter's personal data as the world enters it; no public page or endpoint may show any of it.
REPORTER_NAME, REPORTER_PHONE, HOME_ADDRESS = "居民乙", "13900002222", "东街3号楼2单元401"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "security.md"


class World:
    """Everything the matrix's placeholders name, and a signed-in user (and API token) per role."""

    def __init__(self):
        tree = build_tree()
        users = build_users(tree)
        users["auditor"] = User.objects.create_user(username="auditor", password=PASSWORD, role=Role.AUDITOR)
        users["superuser"] = User.objects.create_superuser(username="superuser", password=PASSWORD)
        w = CaseWorld(tree, users)
        self.users = users
        self.tokens = {
            key: api_token_issue(username=key, password=PASSWORD) for key in ROLE_KEYS if key != "anonymous"
        }
        category = w.category
        facility = region_services.facility_create
        north_member_person = org_services.person_create(
            actor=None, name="党员丙", phone="13700003333", home_region=tree.north
        )
        north_member = org_services.party_member_register(
            actor=None, person=north_member_person, branch=tree.north_party, registered_community=tree.north,
            registered_on=tree.today,
        )
        east_member = users["member"].person.party_member
        t0 = at(2026, 11, 2, 9)
        hour = dt.timedelta(hours=1)

        def photo() -> SimpleUploadedFile:
            return SimpleUploadedFile("photo.png", PNG, content_type="image/png")

        def submit(title: str, region=None, description: str = "楼前的路灯坏了一周", **extra):
            region = region or tree.east_grid1
            case, _ = case_services.case_submit(
                actor=w.staff(region), channel="opinion_window", kind=extra.pop("kind", Kind.PROBLEM), title=title,
                description=description, region=region, contact_name=REPORTER_NAME, contact_phone=REPORTER_PHONE,
                reporter_user=extra.pop("reporter_user", users["resident"]), **extra,
            )
            return case

        received = submit("路灯不亮", photos=[photo()])
        registered = w.classify(submit("井盖松动"), t0)
        dispatched = submit("道路破损", description=f"路面塌了一块，请回电{REPORTER_PHONE}")
        dispatched = w.dispatch(w.classify(dispatched, t0), t0)
        returned = w.return_(w.dispatch(w.classify(submit("树枝挡路"), t0), t0), t0 + hour)
        in_progress = w.accept(w.dispatch(w.classify(submit("水管漏水"), t0), t0), t0 + hour)
        in_progress = w.request_extension(in_progress, t0 + 2 * hour, until=t0 + 96 * hour)
        replied = w.reply(w.accept(w.dispatch(w.classify(submit("垃圾未清"), t0), t0), t0 + hour), t0 + 2 * hour)
        verified = w.verify(
            w.reply(w.accept(w.dispatch(w.classify(submit("绿化损坏"), t0), t0), t0 + hour), t0 + 2 * hour),
            t0 + 3 * hour,
        )
        whistled = w.whistle(submit("违章搭建"), t0, [tree.department])
        closed = w.whistle(w.classify(submit("噪音扰民"), t0), t0, [tree.department])
        closed = w.report_in(closed, t0 + hour, tree.department)
        closed = w.reply(w.accept(w.dispatch(closed, t0 + hour), t0 + 2 * hour), t0 + 3 * hour)
        closed = w.finish(closed, t0 + 4 * hour, rating=None)
        escalated = self._escalate(w, w.classify(submit("停车难"), t0))
        north = submit("北关路灯不亮", region=tree.north, photos=[photo()], reporter_user=None)
        north = w.dispatch(w.classify(north, t0), t0, lead=w.dept2)
        difficulty = submit("独居老人需要助餐", kind=Kind.DIFFICULTY, address=HOME_ADDRESS,
                            target_group=TargetGroup.values[0])
        notification, _ = notify(
            recipient=users["community"], message="事项已退回", kind=Notification.Kind.values[0], case=returned,
            dedupe_key="matrix-returned",
        )
        assert Extension.objects.filter(assignment__case=in_progress, status=Extension.Status.REQUESTED).exists()

        cases = {
            "received": received, "registered": registered, "dispatched": dispatched, "returned": returned,
            "in_progress": in_progress, "replied": replied, "verified": verified, "whistled": whistled,
            "closed": closed, "escalated": escalated, "north": north, "difficulty": difficulty,
        }
        self.values: dict[str, object] = {
            "east": tree.east.code, "north": tree.north.code, "east_grid": tree.east_grid1.code,
            "facility_east": facility(actor=None, name="东街一网格党群服务站", kind=Facility.Kind.VOLUNTEER_STATION,
                                      region=tree.east_grid1).pk,
            "facility_north": facility(actor=None, name="北关社区调解室", kind=Facility.Kind.MEDIATION_ROOM,
                                       region=tree.north).pk,
            "org_east": tree.east_party.pk, "org_north": tree.north_party.pk,
            "member_east": east_member.pk, "member_north": north_member.pk,
            "person_east": east_member.person_id, "person_north": north_member_person.pk,
            "category": category.code, "dept": tree.department.pk, "dept_north": w.dept2.pk,
            "photo": received.attachments.get().pk, "photo_north": north.attachments.get().pk,
            "notification_community": notification.pk, "code_closed": closed.tracking_code,
        }
        self.values.update(self._meetings(tree, users["superuser"]))
        self.values.update(self._consultations(tree, users["superuser"]))
        self.values.update(self._volunteers(tree, users))
        self.values.update(self._halls(tree, users))
        self.values.update(self._services(tree, users["superuser"]))
        self.values.update(self._tasks(tree, users))
        self.audit_mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for name, case in cases.items():
            case.refresh_from_db()
            self.values[f"case_{name}"] = case.pk
            self.values[f"version_{name}"] = case.version

    @staticmethod
    def _meetings(tree, admin) -> dict[str, object]:
        """A 党员大会 in the east community and one in the other street, each with a meeting on notice and a
        matter just registered."""
        values: dict[str, object] = {}
        for place, region in [("east", tree.east), ("north", tree.north)]:
            body = meeting_services.body_create(actor=admin, kind=BodyKind.PARTY_MEMBERS, name=f"{region.name}党员大会",
                                                region=region)
            seat = meeting_services.roll_member_add(
                actor=admin, body=body, person=org_services.person_create(actor=None, name=f"{region.name}党员",
                                                                          home_region=region),
            )
            matter, _ = meeting_services.matter_register(actor=admin, region=region, title="加装电梯",
                                                         description="3号楼加装电梯")
            meeting, _ = meeting_services.meeting_schedule(
                actor=admin, body=body, title="党员大会", scheduled_at=timezone.now() + dt.timedelta(days=20),
                agenda=[meeting_services.AgendaSpec(title="加装电梯", matter=matter)],
            )
            resolved = meeting_services.meeting_schedule(
                actor=admin, body=body, title="上次党员大会", scheduled_at=timezone.now() + dt.timedelta(days=10),
                agenda=[meeting_services.AgendaSpec(title="制定方案")],
            )[0].agenda.get()
            AgendaItem.objects.filter(pk=resolved.pk).update(resolution="同意制定方案")  # arranged: voted
            task = meeting_services.task_assign(actor=admin, item=resolved, organisation=tree.east_party
                                                if place == "east" else tree.north_party, title="制定方案",
                                                working_days=5)
            photo = MeetingAttachment(meeting=meeting, content_type="image/png")  # arranged: on a meeting on notice
            photo.file.save("photo.png", ContentFile(PNG))
            if place == "east":
                values.update(World._public(tree, admin, matter))
            values.update({
                # `task_north` is also a task request's (tasks): resolution tasks have names of their own too.
                f"task_{place}": task.pk, f"resolution_task_{place}": task.pk,
                f"version_resolution_task_{place}": task.version,
                f"body_{place}": body.pk, f"seat_{place}": seat.pk, f"meeting_{place}": meeting.pk,
                f"version_meeting_{place}": meeting.version, f"item_{place}": meeting.agenda.get().pk,
                f"meeting_photo_{place}": photo.pk,
                f"matter_{place}": matter.pk, f"version_matter_{place}": matter.version,
            })
        return values

    @staticmethod
    def _public(tree, admin, matter) -> dict[str, object]:
        """A 居民代表会议 (its minutes public) held, and a 决议公开 of `matter` on show."""
        body = meeting_services.body_create(actor=admin, kind=BodyKind.RESIDENTS_REPRESENTATIVES,
                                            name="东街社区居民代表会议", region=tree.east)
        meeting_services.roll_member_add(actor=admin, body=body, person=org_services.person_create(
            actor=None, name="东街居民代表", home_region=tree.east))
        meeting, _ = meeting_services.meeting_schedule(
            actor=admin, body=body, title="居民代表会议", scheduled_at=timezone.now() + dt.timedelta(days=10))
        for action in ("open", "close"):
            meeting = meeting_services.meeting_transition(actor=admin, meeting=meeting, action=action,
                                                          expected_version=meeting.version, minutes="记录")
        today = timezone.localdate()
        disclosure = MatterStep.objects.create(  # arranged: on show, without the steps before it
            matter=matter, seq=1, action="disclose_resolution", label="决议公开", from_stage=Stage.RESOLVED,
            to_stage=Stage.RESOLUTION_DISCLOSED, note="决议内容", public_from=today,
            public_until=today + dt.timedelta(days=30))
        photo = DisclosurePhoto(step=disclosure, content_type="image/png")  # arranged: as a 公开 takes it
        photo.file.save("photo.png", ContentFile(PNG))
        return {"meeting_public": meeting.pk, "disclosure_east": disclosure.pk, "disclosure_photo_east": photo.pk}

    @staticmethod
    def _consultations(tree, admin) -> dict[str, object]:
        """A consultation open for comments in the east community and one in the other street, each with a
        resident's comment."""
        values: dict[str, object] = {}
        for place, region in [("east", tree.east), ("north", tree.north)]:
            consultation, _ = consultation_services.consultation_create(
                actor=admin, region=region, title=f"{region.name}广场改造方案", plan="广场东侧增设健身器材")
            consultation = consultation_services.consultation_open(actor=admin, consultation=consultation,
                                                                   expected_version=consultation.version)
            comment, _ = consultation_services.comment_add(consultation=consultation, text="建议增设座椅",
                                                           display_name=REPORTER_NAME, phone=REPORTER_PHONE)
            values.update({f"consultation_{place}": consultation.pk, f"comment_{place}": comment.pk,
                           f"version_consultation_{place}": consultation.version})
        return values

    @staticmethod
    def _volunteers(tree, users) -> dict[str, object]:
        """In the east community: a post, an activity the member signed up for (organised by the community's
        staff), a resident's wish to check, a member's registration to confirm and a member not registered;
        an activity in the other street."""
        staff, admin = users["community"], users["superuser"]
        unregistered = org_services.party_member_register(
            actor=None, person=org_services.person_create(actor=None, name="党员戊", home_region=tree.east),
            branch=tree.east_party)
        applicant = org_services.party_member_register(
            actor=None, person=org_services.person_create(actor=None, name="党员己", home_region=tree.west),
            branch=tree.east_party)
        applicant_user = User.objects.create_user(username="applicant", password=PASSWORD, role=Role.PARTY_MEMBER,
                                                  person=applicant.person)
        registration = volunteer_services.registration_submit(actor=applicant_user, community=tree.east)
        post = volunteer_services.post_create(actor=staff, region=tree.east_grid1, category="safety", title="楼道巡查",
                                              duties="巡查消防通道", shift="每周六上午", head_count=3)
        start = timezone.now() + dt.timedelta(days=2)
        activity = volunteer_services.activity_create(
            actor=staff, community=tree.east, title="红领巾助老", place="东街广场", starts_at=start,
            ends_at=start + dt.timedelta(hours=2), capacity=10)
        north = volunteer_services.activity_create(
            actor=admin, community=tree.north, title="北关环境整治", place="北关广场", starts_at=start,
            ends_at=start + dt.timedelta(hours=2), capacity=10)
        signup = volunteer_services.signup_create(actor=users["member"], activity=activity)
        wish = volunteer_services.wish_post(actor=users["resident"], community=tree.east, title="一台收音机",
                                            text="想要一台收音机")
        return {
            "member_unregistered": unregistered.pk, "registration_east": registration.pk,
            "version_registration_east": registration.version, "post_east": post.pk, "activity_east": activity.pk,
            "activity_north": north.pk, "version_activity_east": activity.version,
            "check_code_east": activity.check_code, "signup_east": signup.pk, "wish_east": wish.pk,
            "unit_agency": tree.agency_branch.pk,
        }

    @staticmethod
    def _halls(tree, users) -> dict[str, object]:
        """A hall in the east community with a called ticket and one in the other street; a room that needs
        approval with the resident's pending booking; a mediation in each street."""
        admin = users["superuser"]
        make = region_services.facility_create
        hall = make(actor=None, name="东街社区便民服务大厅", kind=Facility.Kind.SERVICE_HALL, region=tree.east)
        north_hall = make(actor=None, name="北关社区便民服务大厅", kind=Facility.Kind.SERVICE_HALL, region=tree.north)
        window = hall_services.window_create(actor=admin, hall=hall, name="1号窗口", kind=WindowKind.GENERAL,
                                             opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
        hall_services.window_create(actor=admin, hall=north_hall, name="1号窗口", kind=WindowKind.GENERAL)
        hall_services.ticket_take(hall=hall, kind=WindowKind.GENERAL)
        ticket = hall_services.ticket_call_next(actor=admin, window=window)
        hall_services.ticket_take(hall=hall, kind=WindowKind.GENERAL)  # the next one, for 叫号
        room = hall_services.room_create(
            actor=admin, facility=make(actor=None, name="东街社区调解室", kind=Facility.Kind.MEDIATION_ROOM,
                                       region=tree.east),
            kind=Room.Kind.MEDIATION, opens_at=dt.time(0, 0), closes_at=dt.time(23, 59), weekdays="1234567",
            min_notice_hours=1, needs_approval=True)
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
        booking, _ = hall_services.booking_request(
            actor=users["resident"], room=room, starts_at=start, ends_at=start + dt.timedelta(hours=1),
            contact_name=REPORTER_NAME, contact_phone=REPORTER_PHONE, purpose="邻里协商")
        # A window appointment at the east hall, filling its one 综合受理 window's 09:00 slot.
        day = hall_services.appointment_days()[0]
        appointment, _ = hall_services.appointment_book(
            hall=hall, kind=WindowKind.GENERAL, day=day, starts_at=dt.time(9, 0), item_code="ZM001",
            item_name="居住证明开具", contact_name=REPORTER_NAME, contact_phone=REPORTER_PHONE)
        mediations = {}
        for place, region in [("east", tree.east), ("north", tree.north)]:
            mediations[place] = hall_services.mediation_open(
                actor=admin, region=region, title="邻里纠纷", facts="楼上漏水", disputed_points="维修费",
                parties=[hall_services.PartySpec("applicant", "张三"), hall_services.PartySpec("respondent", "李四")])
        return {
            "hall_east": hall.pk, "hall_north": north_hall.pk, "window_east": window.pk, "ticket_east": ticket.pk,
            "version_ticket_east": ticket.version, "room_east": room.pk, "booking_east": booking.pk,
            "version_booking_east": booking.version, "slot_start": start.isoformat(),
            "slot_end": (start + dt.timedelta(hours=1)).isoformat(), "mediation_east": mediations["east"].pk,
            "mediation_north": mediations["north"].pk, "version_mediation_east": mediations["east"].version,
            "appointment_east": appointment.pk, "appointment_code": appointment.code,
            "version_appointment_east": appointment.version, "appointment_day": day.isoformat(),
        }

    @staticmethod
    def _services(tree, admin) -> dict[str, object]:
        """An item of the catalogue, a request taken at a window in the east community and one in the other
        street, and a finished east request rated 不满意 with its follow-up open."""
        item = service_factories.item(admin)
        east = service_factories.taken(admin, item, tree.east)
        north = service_factories.taken(admin, item, tree.north)
        rated = service_factories.finished(admin, service_factories.taken(admin, item, tree.east),
                                           rating=service_factories.BAD)
        # A social service organisation registered at the east community, and one in the other street.
        provider_east = service_factories.provider(admin, tree.east, [tree.east])
        provider_north = service_factories.provider(admin, tree.north, [tree.north], name="北关明理法律咨询服务中心",
                                                    kind="legal")
        return {"item_code": item.code, "request_east": east.pk, "request_north": north.pk,
                "version_request_east": east.version, "version_request_north": north.version,
                "request_code": rated.tracking_code, "follow_up_east": rated.rating.follow_up.pk,
                "provider_east": provider_east.pk, "provider_north": provider_north.pk,
                "version_provider_east": provider_east.version}

    @staticmethod
    def _tasks(tree, users) -> dict[str, object]:
        """A county task request complete for admission, one without funds, one admitted (its ledger), and one
        of the other street."""
        category = TaskCategory.objects.get(code="employment")

        def filed(title: str, region=None, funds="6000.00"):
            request, _ = task_services.task_request_file(
                actor=users["county"], region=region or tree.county, department=tree.department, category=category,
                title=title, legal_basis="《就业促进法》", authority="受理与初审", funds=funds)
            return request

        complete, unfunded, admitted = filed("就业援助初审"), filed("失业登记", funds=None), filed("创业补贴初审")
        admitted = task_services.task_request_decide(actor=users["county"], request=admitted, action="admit",
                                                     expected_version=admitted.version)
        north = filed("漠西街道就业走访", region=tree.other_street)
        # The request without funds, pushed down to the east community anyway: the community may refuse it.
        task_services.task_push(actor=users["county"], request=unfunded, community=tree.east)
        head = org_services.person_create(actor=None, name="张建军", home_region=tree.east)
        seat = org_services.position_assign(actor=None, person=head, organisation=tree.east_party, title="兼职委员",
                                            started_on=tree.today)
        team = team_with_head(actor=users["community"], community=tree.east, name="住建工作站",
                              kind=DispatchedTeam.Kind.OTHER, home_unit=tree.department, seat=seat)
        grading = grading_services.grading_propose(actor=users["community"], team=team, year=2026,
                                                   proposal=Grade.COMPETENT, opinion="完成交办任务")
        # A seat in the community whose holder the community has not consented to.
        unconsented = org_services.position_assign(
            actor=None, person=org_services.person_create(actor=None, name="李建国", home_region=tree.east),
            organisation=tree.east_party, title="兼职委员", started_on=tree.today)
        return {"team_east": team.pk, "head_east": head.pk, "seat_unconsented": unconsented.pk,
                "grading_east": grading.pk, "version_grading_east": grading.version,
                "task_request": complete.pk, "version_task_request": complete.version,
                "task_unfunded": unfunded.pk, "version_task_unfunded": unfunded.version,
                "task_admitted": admitted.pk, "task_north": north.pk}

    @staticmethod
    def _escalate(w: CaseWorld, case):
        return case_services.case_escalate(
            case=case, actor=w.staff(case), expected_version=case.version, meeting=Meeting.values[0],
            note="需要多部门协调",
        )

    def fill(self, text: str) -> str:
        return text.format(**self.values)

    def data(self, row: Row) -> dict:
        # Field names may name objects too (a form prefixed by its agenda item's id).
        return {self.fill(name): self._filled(value) for name, value in row.data.items()}

    def _filled(self, value):
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, list):
            return [self._filled(item) for item in value]
        return value


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once; rolled back when the module is done."""
    # Sessions in signed cookies: a sign-in per cell costs no database write.
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
                              SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
    media.enable()
    with django_db_blocker.unblock(), transaction.atomic():
        built = World()
        yield built
        transaction.set_rollback(True)
    media.disable()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and cached dashboards count in the cache; each cell starts from nothing.
    cache.clear()


def _call(client, world: World, row: Row, role: str):
    url = world.fill(row.url)
    headers = {}
    if row.json:
        if role != "anonymous":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    elif role != "anonymous":
        client.force_login(world.users[role])
    if row.method == "GET":
        return client.get(url, **headers)
    if row.json:
        return client.post(url, json.dumps(world.data(row)), content_type="application/json", **headers)
    return client.post(url, world.data(row), **headers)


ROW_IDS = [f"{n:03d}-{row.method}-{row.route}" for n, row in enumerate(ROWS)]


# Refusals that are not about permission: unknown paths and the public Open311 interface.
NOT_A_DENIAL = ("api:api-root", "api:unknown")


def _audited_denial(row: Row, role: str) -> bool:
    """Whether the cell's refusal must leave a `denied` row (see core.denials)."""
    return (
        row.expect[role] in (403, 404) and role != "anonymous"
        and row.route not in NOT_A_DENIAL and not row.route.startswith("open311:")
    )


@pytest.mark.parametrize("role", ROLE_KEYS)
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_cell(client, world, db, row, role):
    response = _call(client, world, row, role)
    expected = row.expect[role]
    assert response.status_code == expected, (
        f"{role} {row.method} {world.fill(row.url)}: {response.status_code}, expected {expected}"
    )
    # Every refusal of a signed-in user is on the audit log, once; nothing else writes a denied row.
    denied = list(AuditEvent.objects.filter(pk__gt=world.audit_mark, action=AuditEvent.Action.DENIED))
    if _audited_denial(row, role):
        assert len(denied) == 1, f"{role} {row.method} {row.url}: {len(denied)} denied rows"
        assert denied[0].actor == world.users[role] and denied[0].outcome == "denied"
        assert denied[0].ip_address == "127.0.0.1"
    else:
        assert denied == []


# --------------------------------------------------------------------------------------------------
# The matrix covers every route, and the page in docs/security.md is the matrix
# --------------------------------------------------------------------------------------------------


def _routes(patterns, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """Every URL pattern as (route, view name), routes joined the way `ResolverMatch.route` joins them."""
    found: list[tuple[str, str]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += _routes(pattern.url_patterns, route, inner)
        else:
            found.append((route, f"{namespace}{pattern.name}"))
    return found


def _walked_routes() -> dict[str, Row]:
    walked = {}
    for row in ROWS:
        match = resolve(row.url.split("?")[0].format_map(_AnyValue()))
        walked[match.route] = row
    return walked


class _AnyValue(dict):
    """Placeholders filled with a number, enough to resolve a row's URL to its route without a world."""

    def __missing__(self, key: str) -> str:
        return "610424001001" if key in ("east", "north", "east_grid") else "1"


def test_every_route_of_the_urlconf_is_in_the_matrix():
    walked = _walked_routes()
    # The admin site is one row (its index): every page in it is for superusers (is_staff) only.
    routes = [route for route, _ in _routes(get_resolver().url_patterns) if not route.startswith("admin/")]
    missing = sorted(set(routes) - set(walked))
    assert not missing, f"routes the permission matrix does not walk: {missing}"


def test_each_row_names_the_route_its_url_reaches():
    named = set(_routes(get_resolver().url_patterns))
    for row in ROWS:
        match = resolve(row.url.split("?")[0].format_map(_AnyValue()))
        # Two names may share one route (the API's GET and POST on one path): the pair decides.
        assert (match.route, row.route) in named, f"{row.url} reaches {match.view_name}, the row says {row.route}"


def test_the_matrix_in_the_docs_is_the_one_the_test_walks():
    assert render_markdown() in DOCS.read_text(encoding="utf-8"), (
        "docs/security.md must carry console.matrix.render_markdown() verbatim; paste it again"
    )


# --------------------------------------------------------------------------------------------------
# Public pages and Open311 show no one's personal data
# --------------------------------------------------------------------------------------------------

# A phone the reporter wrote into a description may be shown masked (139****2222), never whole.
PERSONAL = (REPORTER_NAME, REPORTER_PHONE, HOME_ADDRESS)


def _public_urls(world: World) -> list[str]:
    return [world.fill(url) for url in (
        "/public/", "/public/report/", "/public/places/?community={east}", "/public/track/?code={code_closed}",
        "/public/consultations/", "/public/consultations/{consultation_east}/",
        "/public/services/appointments/{appointment_code}/",
        "/open311/v2/requests.json", "/open311/v2/requests.xml",
        "/open311/v2/requests.json?service_request_id={case_dispatched},{case_difficulty},{case_closed}",
        "/open311/v2/requests/{case_dispatched}.json", "/open311/v2/requests/{case_dispatched}.xml",
        "/open311/v2/requests/{case_closed}.json",
    )]


@pytest.mark.parametrize("role", ["anonymous", "resident", "member"])
@pytest.mark.parametrize("descriptions", ["open311", "all"])
def test_public_pages_and_open311_requests_show_no_personal_data(client, world, db, settings, role, descriptions):
    # "all" publishes every problem's description too; a phone written into one must still be masked.
    settings.OPEN311_PUBLIC_DESCRIPTIONS = descriptions
    if role != "anonymous":
        client.force_login(world.users[role])
    for url in _public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for value in PERSONAL:
            assert value not in body, f"{url} shows {value}"
    listed = client.get("/open311/v2/requests.json").json()
    ids = {item["service_request_id"] for item in listed}
    assert str(world.values["case_dispatched"]) in ids
    # A difficulty is someone's own hardship at home: it is never a public service request.
    assert str(world.values["case_difficulty"]) not in ids
    if descriptions == "all":
        shown = next(item for item in listed if item["service_request_id"] == str(world.values["case_dispatched"]))
        assert shown["description"].endswith("请回电139****2222")


def test_tracking_by_code_shows_the_progress_but_not_the_reporter_to_someone_else(client, world, db):
    """Another resident holding the code sees the public steps; nothing about who reported it."""
    other = User.objects.create_user(username="resident3", password=PASSWORD, role=Role.RESIDENT)
    client.force_login(other)
    body = client.get(world.fill("/public/track/?code={code_closed}")).content.decode()
    assert world.values["code_closed"] in body and "已结案" in body
    for value in PERSONAL:
        assert value not in body
    assert world.fill("{code_closed}") not in client.get("/public/mine/").content.decode()
    api = client.get(world.fill("/api/v1/cases/{case_closed}"),
                     HTTP_AUTHORIZATION=f"Bearer {api_token_issue(username='resident3', password=PASSWORD)}")
    assert api.status_code == 404


def test_every_role_and_every_workflow_action_has_its_cells():
    role_values = {role for role in Role.values}
    walked_roles = {Role.AUDITOR: "auditor", Role.COUNTY_STAFF: "county", Role.STREET_STAFF: "street",
                    Role.COMMUNITY_STAFF: "community", Role.GRID_WORKER: "grid", Role.DEPARTMENT_HANDLER: "dept",
                    Role.PARTY_MEMBER: "member", Role.RESIDENT: "resident"}
    assert set(walked_roles) == role_values, "a new role needs its column in console.matrix.ROLES"
    assert set(walked_roles.values()) <= set(ROLE_KEYS)
    posted = {row.url.rstrip("/").rsplit("/", 1)[-1] for row in ROWS if row.route == "cases:transition"}
    assert set(workflow.ACTIONS) <= posted, f"workflow actions without a row: {set(workflow.ACTIONS) - posted}"
