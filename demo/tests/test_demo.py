"""The demo county: its records produce the article's figures, loading twice changes nothing, every
demo account signs in with the demo password and lands in its own scope, and its year of cases runs
through the transition table."""

from __future__ import annotations

import io
import itertools
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.checks import DEMO_PASSWORD
from accounts.models import Role, User
from cases.models import Assignment, Case, CaseEvent, Channel, Extension, Kind, Rating, Whistle, WhistleSummons
from cases.workflow import OPEN_STATUSES, TABLE, Status
from core.models import AuditEvent
from core.validators import id_number_error
from demo.cases import KEY_PREFIX
from demo.cases import load as load_demo_cases
from demo.county import SOCIAL_ORGANISATIONS
from govservices.models import Provider, ProviderRating
from halls.models import Appointment
from organisations.models import Organisation, Pact, PartyMember, Person, Position
from organisations.selectors import cross_appointments
from regions.models import Facility, Region
from regions.selectors import scope_root
from reports.selectors import figures_for
from tasks.models import Consent, DispatchedTeam
from tasks.services import consent_refusal

# The figures of 乾县's 三联三沉 account.
ARTICLE_FIGURES = {
    "agency_party_orgs_linked": 62,
    "two_new_orgs_linked": 21,
    "cultural_activity_centers": 5,
    "joint_activities": 32,
    "property_companies_linked": 12,
    "opinion_windows": 8,
    "problems_collected": 283,
    "day_care_centers": 2,
    "after_school_centers": 3,
    "difficulties_solved": 670,
    "reception_and_mediation_rooms": 15,
    "service_halls": 8,
    "red_scarf_volunteer_services": 18,
    "deeds_done": 1092,
    "service_item_categories": 6,
    "service_items": 32,
    "service_window_kinds": 5,
    "community_task_categories": 9,
}
# Figures the demo adds beyond the article: its year of meetings, 四议两公开 and 征求意见 (11 联席会议, 12 meetings
# of 东街社区's matters, 12 民情议事会 in each of the 8 communities, and the consultation's review meeting).
# The demo's resolutions give no tasks yet, so none is overdue.
DEMO_FIGURES = {**ARTICLE_FIGURES, "meetings_held": 120, "matters_decided": 3, "joint_council_quarters_missed": 1,
                "resolution_tasks_overdue": 0, "consultations_held": 1, "opinions_adopted": 2}
COUNTED_MODELS = (Region, Organisation, Facility, Person, PartyMember, Position, Pact, User, AuditEvent, Case,
                  CaseEvent, Assignment, Rating, Whistle, Provider, ProviderRating, Appointment)


# The demo county takes about two minutes to load: every test of this module runs on one worker (conftest
# SHARED_WORKER), so the module-scoped load below happens once per run, not once per worker.
@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_demo", stdout=io.StringIO())
            if connection.vendor == "postgresql":
                # The tables were filled inside this transaction, so autovacuum has not measured them: without
                # statistics the planner takes every table for a handful of rows and the figures' joins crawl.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            yield
            transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def test_the_county_figures_are_the_articles(demo, db):
    assert figures_for(Region.objects.get(code="610424")) == DEMO_FIGURES


def test_loading_again_changes_nothing(demo, db):
    before = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == before
    assert figures_for(Region.objects.get(code="610424")) == DEMO_FIGURES


def test_the_tree_has_streets_communities_grids_and_buildings(demo, db):
    by_level = {level: Region.objects.filter(level=level).count()
                for level in ("county", "street", "community", "grid", "building")}
    assert by_level["county"] == 1 and by_level["street"] == 3 and by_level["community"] == 8
    assert by_level["grid"] >= 16 and by_level["building"] >= by_level["grid"] * 2
    assert Region.objects.get(code="610424").name == "乾县"
    assert Region.objects.get(code="610424001").name == "城关街道"
    assert all(len(code) == 15 for code in Region.objects.filter(level="grid").values_list("code", flat=True))


def test_records_were_written_through_the_audited_services(demo, db):
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE)
    assert audited.filter(target_type="regions.region").count() == Region.objects.count()
    assert audited.filter(target_type="organisations.pact").count() == Pact.objects.count()
    assert audited.filter(target_type="organisations.person").count() == Person.objects.count()


def test_people_and_party_members_are_realistic(demo, db):
    members = PartyMember.objects.all()
    assert 180 <= members.count() <= 260
    assert members.filter(registered_community__isnull=False).exists()
    assert members.filter(is_central_household=True).exists()
    for person in Person.objects.all()[:50]:
        assert len(person.id_number) == 18
        # The validator the forms and imports use accepts every demo number.
        assert id_number_error(person.id_number) is None
        assert len(person.phone) == 11 and person.phone.startswith("1")
    # Positions over time: former secretaries whose posts have ended.
    assert Position.objects.filter(ended_on__isnull=False, is_leader=True).exists()


@pytest.mark.parametrize("username, role, root_code", [
    ("county", Role.COUNTY_STAFF, "610424"),
    ("street", Role.STREET_STAFF, "610424001"),
    ("community", Role.COMMUNITY_STAFF, "610424001001"),
    ("community2", Role.COMMUNITY_STAFF, "610424001002"),
    ("grid", Role.GRID_WORKER, "610424001001001"),
    ("dept", Role.DEPARTMENT_HANDLER, "610424"),
    ("member", Role.PARTY_MEMBER, "610424001001"),
    ("resident", Role.RESIDENT, None),
])
def test_each_demo_account_signs_in_and_lands_in_its_scope(demo, db, client, username, role, root_code):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = User.objects.get(username=username)
    assert user.role == role
    assert not user.must_change_password
    root = scope_root(user)
    assert (root.code if root else None) == root_code
    assert client.get("/").status_code == 200  # not sent to the password-change page


def test_demo_accounts_details(demo, db):
    assert User.objects.get(username="dept").organisation.name == "乾县住房和城乡建设局"
    member = User.objects.get(username="member").person.party_member
    assert member.registered_community.code == "610424001001"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)


def test_the_two_community_accounts_are_in_the_same_street(demo, db):
    first, second = (User.objects.get(username=name).region for name in ("community", "community2"))
    assert first != second and first.parent == second.parent
    assert User.objects.get(username="grid").region.parent == first


def test_an_agency_head_sits_on_a_community_committee(demo, db):
    entries = cross_appointments(user=User.objects.get(username="county"))
    heads = [entry for entry in entries if entry["agency_head_on_committee"]]
    assert heads
    kinds = {p.organisation.kind for p in heads[0]["positions"]}
    assert {Organisation.Kind.DISPATCHED_AGENCY, Organisation.Kind.COMMUNITY_PARTY} <= kinds
    # 双向进入、交叉任职: a property manager on the community committee as well.
    assert any(
        {p.organisation.kind for p in entry["positions"]} >= {Organisation.Kind.PROPERTY_COMPANY,
                                                              Organisation.Kind.COMMUNITY_PARTY}
        for entry in entries
    )


def test_every_demo_head_was_appointed_with_consent_and_the_refused_candidate_was_not(demo, db):
    teams = list(DispatchedTeam.objects.select_related("head_seat__person"))
    assert len(teams) == 6 and all(team.head_seat for team in teams)
    for team in teams:
        latest = consent_refusal(team, team.head_seat.person)
        assert latest == "", f"{team}: {latest}"
    refused = list(Consent.objects.filter(consented=False))
    assert len(refused) == 1
    assert not DispatchedTeam.objects.filter(head_seat__person=refused[0].candidate).exists()


def test_the_command_refuses_outside_the_demo(demo, db):
    before = counts()
    with override_settings(DEMO=False), pytest.raises(CommandError, match="GONGZHI_DEMO"):
        call_command("load_demo")
    assert counts() == before


# ---- the year of cases -------------------------------------------------------------------------------


def demo_cases():
    return Case.objects.filter(idempotency_key__startswith=f"{KEY_PREFIX}-")


def test_a_second_run_finds_every_demo_case_in_one_query(demo, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert load_demo_cases() == {}


def test_the_window_problems_come_from_the_eight_windows_over_the_year(demo, db):
    window = demo_cases().filter(kind=Kind.PROBLEM, channel=Channel.OPINION_WINDOW)
    assert window.count() == 283
    assert window.filter(status=Status.MERGED).exists() and window.filter(status=Status.REJECTED).exists()
    windows = Facility.objects.filter(kind=Facility.Kind.OPINION_WINDOW).values_list("name", flat=True)
    for name in windows:
        assert window.filter(description__contains=f"（{name}收集）").count() >= 30
    months = {timezone.localtime(moment).strftime("%Y-%m") for moment in window.values_list("received_at", flat=True)}
    assert len(months) >= 12
    assert demo_cases().exclude(channel=Channel.OPINION_WINDOW).filter(kind=Kind.PROBLEM).exists()


def test_every_demo_case_moves_along_the_edges_of_the_transition_table(demo, db):
    rows = CaseEvent.objects.filter(case__in=demo_cases()).order_by("case_id", "seq").values_list(
        "case_id", "seq", "action", "from_status", "to_status", "created_at", "data"
    )
    now = timezone.now()
    cases = 0
    for case_id, events in itertools.groupby(rows, key=lambda row: row[0]):
        cases += 1
        status, moment = None, None
        for number, (_, seq, action, source, target, created_at, data) in enumerate(events, start=1):
            assert seq == number, (case_id, seq)
            assert created_at <= now and (moment is None or created_at >= moment), (case_id, seq)
            moment = created_at
            if action == "submit":
                assert (status, source, target) == (None, "", Status.RECEIVED), case_id
            elif data.get("edge") == "合并（保留事项）":
                # The record a merge leaves on the case kept: its status does not change.
                assert source == target == status, case_id
            else:
                assert source == status, (case_id, seq, action)
                assert any(edge.action == action and source in edge.sources and edge.target_from(source) == target
                           for edge in TABLE), (case_id, seq, action, source, target)
            status = target
        assert Case.objects.get(pk=case_id).status == status
    assert cases == demo_cases().count()


def test_the_demo_cases_have_the_side_paths_of_real_work(demo, db):
    cases = demo_cases()
    now = timezone.now()
    events = CaseEvent.objects.filter(case__in=cases)
    overdue = cases.filter(status__in=OPEN_STATUSES, finish_due__lt=now)
    assert overdue.filter(status=Status.IN_PROGRESS).count() >= 5
    assert events.filter(action="return").exists()
    assert events.filter(action="arbitrate").exists()
    assert Whistle.objects.filter(case__in=cases).count() >= 10
    summons = WhistleSummons.objects.filter(whistle__case__in=cases)
    assert summons.filter(score__isnull=False).exists() and summons.filter(reported_at__isnull=True).exists()
    assert events.filter(action="rework", data__edge="不满意返工").exists()
    assert events.filter(action="rework", data__edge="核查不通过返工").exists()
    assert events.filter(action="escalate").exists() and events.filter(action="resume").exists()
    extensions = Extension.objects.filter(assignment__case__in=cases)
    assert extensions.filter(status=Extension.Status.GRANTED).exists()
    assert extensions.filter(status=Extension.Status.REFUSED).exists()
    assert events.filter(action="accept", data__on_time=False).exists()
    ratings = Rating.objects.filter(case__in=cases)
    assert ratings.filter(result="satisfied").count() > ratings.filter(result="basically_satisfied").count() > 0
    assignments = Assignment.objects.filter(case__in=cases)
    assert assignments.filter(role="assist").exists()
    assert assignments.filter(party_member__isnull=False).exists()
    assert assignments.filter(facility__isnull=False).exists()
    assert assignments.filter(organisation__kind=Organisation.Kind.DISPATCHED_AGENCY).exists()
    assert assignments.filter(organisation__kind=Organisation.Kind.PROPERTY_COMPANY).exists()
    assert {Status.RECEIVED, Status.REGISTERED, Status.DISPATCHED, Status.REPLIED, Status.ESCALATED} <= set(
        cases.values_list("status", flat=True)
    )


def test_the_demo_resident_follows_her_own_cases(demo, db):
    resident = User.objects.get(username="resident")
    mine = demo_cases().filter(reporter_user=resident)
    assert mine.count() == 4
    assert Rating.objects.filter(case__in=mine, rated_by=resident).exists()


def test_the_demo_meets_and_decides_by_the_four_deliberations_and_two_disclosures(demo, db):
    from meetings.models import Attendance, Body, Matter
    from meetings.workflow import BodyKind, Stage

    councils = Body.objects.filter(kind=BodyKind.STREET_JOINT_COUNCIL)
    held = {body.region.name: body.meetings.filter(status="closed").count() for body in councils}
    assert held == {"城关街道": 4, "漠西街道": 4, "乾陵街道": 3}  # one street missed a quarter
    assert all(body.roll.filter(organisation__isnull=False).count() >= 5 for body in councils)
    matters = Matter.objects.filter(region__name="东街社区")
    assert set(matters.values_list("stage", flat=True)) == set(Stage.values)  # every stage of 四议两公开
    # One 党员大会 missed its quorum (9 of 24) and was held again; the step names the second meeting.
    again = matters.get(title="社区养老服务站改造")
    party_meetings = again.agenda_items.filter(meeting__body__kind=BodyKind.PARTY_MEMBERS)
    assert party_meetings.count() == 2
    first = party_meetings.order_by("meeting__scheduled_at").first().meeting
    assert Attendance.objects.filter(meeting=first, status="present").count() == 9
    review = again.steps.get(action="review")
    assert review.meeting != first and review.present * 2 > review.expected
    # Secretary and director in one person: proposal and consultation in one step.
    merged = matters.get(title="背街小巷路灯增设")
    assert list(merged.steps.values_list("action", flat=True)) == ["propose", "review"]
    assert merged.steps.get(action="propose").to_stage == Stage.CONSULTED


def test_the_283_window_problems_sit_on_the_agendas_of_their_own_communitys_meetings(demo, db):
    from meetings.models import AgendaItem
    from meetings.workflow import BodyKind, MeetingStatus

    window = Case.objects.filter(channel=Channel.OPINION_WINDOW)
    assert window.count() == 283
    items = list(AgendaItem.objects.filter(case__in=window).select_related("case__region", "meeting__body__region"))
    assert sorted(item.case_id for item in items) == sorted(window.values_list("pk", flat=True))  # each once
    for item in items:
        body = item.meeting.body
        assert body.kind == BodyKind.AFFAIRS_COUNCIL and body.region.level == "community"
        assert item.case.region.code.startswith(body.region.code)  # its own community's meeting
        assert item.heard and item.meeting.created_at <= timezone.now()
        assert item.case.received_at < item.meeting.scheduled_at
        if item.meeting.status == MeetingStatus.CLOSED:
            assert item.voted and item.resolution
        else:  # the latest problems wait for the next sitting, on notice
            assert item.meeting.status == MeetingStatus.SCHEDULED and item.meeting.scheduled_at > timezone.now()
    assert sum(1 for item in items if item.meeting.status == MeetingStatus.CLOSED) > 200


def test_the_figures_endpoint_gives_the_demo_year_and_a_recount_of_the_records_gives_the_same(demo, db, client):
    from consultations.models import Consultation, Opinion
    from meetings.models import MatterStep, Meeting, ResolutionTask

    response = client.post("/api/v1/auth/token", {"username": "county", "password": DEMO_PASSWORD},
                           content_type="application/json")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    served = client.get("/api/v1/reports/figures", **bearer).json()
    assert {key: served[key] for key in DEMO_FIGURES} == DEMO_FIGURES
    # The meeting and consultation figures, recounted from the rows themselves (the demo is one county); the
    # case figures' rollups rebuilt from the records are compared with the kept ones in reports' rollup tests.
    recount = {
        "meetings_held": Meeting.objects.filter(status="closed").count(),
        "matters_decided": MatterStep.objects.filter(action="resolve").values("matter").distinct().count(),
        "consultations_held": Consultation.objects.filter(closed_at__isnull=False).count(),
        "opinions_adopted": Opinion.objects.filter(outcome=Opinion.Outcome.ADOPTED).count(),
        "resolution_tasks_overdue": ResolutionTask.objects.filter(done_at__isnull=True,
                                                                  due__lt=timezone.now()).count(),
    }
    assert recount == {key: DEMO_FIGURES[key] for key in recount}


def test_the_five_social_organisations_serve_their_communities_and_three_are_rated(demo, db):
    providers = {p.name: p for p in Provider.objects.prefetch_related("communities")}
    assert set(providers) == {name for name, _ in SOCIAL_ORGANISATIONS}
    assert all(p.organisation is not None and p.organisation.name == p.name for p in providers.values())
    assert providers["乾县明理法律咨询服务中心"].communities.count() == 8
    assert {c.name for c in providers["乾县乐龄居家养老服务中心"].communities.all()} == {"西街社区", "北关社区"}
    assert sorted(ProviderRating.objects.values_list("level", flat=True)) == [2, 4, 5]
    assert all(len(p.phone) == 12 for p in providers.values())  # 029-3551260x, stored encrypted


def test_residents_booked_window_slots_at_the_two_staffed_halls(demo, db):
    appointments = Appointment.objects.select_related("hall__region")
    assert {a.hall.region.name for a in appointments} == {"东街社区", "西街社区"}
    by_status = Counter(appointments.values_list("status", flat=True))
    assert by_status == {"booked": 6, "no_show": 2, "cancelled": 2}
    today = timezone.localdate()
    assert all(a.day > today for a in appointments if a.status == "booked")
    assert all(a.contact_phone.startswith("139") and a.item_code for a in appointments)
