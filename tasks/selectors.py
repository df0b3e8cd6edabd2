"""Reads of task requests, the tasks pushed down to communities, and their ledgers.

A request concerns every community of its region: region staff see the requests of their subtree and
those of the regions above them (a county's task reaches each of its communities); a department's
handlers see their department's requests. The ledger shows to each only the communities in their scope.
Out of scope does not exist (404).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from core.roles import REGION_STAFF_ROLES, Role
from organisations.models import Person, Position
from organisations.selectors import people_visible_to, positions_on
from regions.models import Region
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import CommunityTask, Consent, DispatchedTeam, LedgerEntry, ListItem, TaskCategory, TaskRequest
from .workflow import Status, allowed_actions

ZERO = Decimal("0.00")


def _enclosing(code: str) -> list[str]:
    """The codes of the region `code` and of the regions above it, down from the county."""
    return [code[:length] for length in range(6, len(code) + 1, 3)]


def task_requests_visible_to(user) -> QuerySet[TaskRequest]:
    """Requests `user` may read (see the module's docstring)."""
    qs = TaskRequest.objects.filter(archived_at__isnull=True).select_related("region", "department", "category")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_everything(user):
        return qs
    if user.role == Role.DEPARTMENT_HANDLER:
        return qs.filter(department_id=user.organisation_id) if user.organisation_id else qs.none()
    root = scope_root(user) if user.role in REGION_STAFF_ROLES else None
    if root is None:
        return qs.none()
    return qs.filter(subtree_q(root, "region__") | Q(region__code__in=_enclosing(root.code)))


def community_scope_q(user, prefix: str = "community__") -> Q | None:
    """The communities of `user`'s scope whose tasks and ledgers they read; None for all of them."""
    if sees_everything(user) or getattr(user, "role", None) in (Role.DEPARTMENT_HANDLER, Role.COUNTY_STAFF):
        return None
    root = scope_root(user)
    return subtree_q(root, prefix) if root is not None else Q(pk__in=[])


def request_actions(request: TaskRequest) -> list[str]:
    """The moves the table allows now."""
    return allowed_actions(request.status)


def categories() -> QuerySet[TaskCategory]:
    """The configured categories in use, in the county's order."""
    return TaskCategory.objects.filter(archived_at__isnull=True).order_by("order", "id")


def community_tasks_visible_to(user) -> QuerySet[CommunityTask]:
    """Tasks pushed down to communities, of requests `user` may read and communities in their scope."""
    qs = CommunityTask.objects.filter(request__in=task_requests_visible_to(user)).select_related(
        "request__department", "request__category", "community")
    scope = community_scope_q(user)
    return qs if scope is None else qs.filter(scope)


def unadmitted_tasks_visible_to(user) -> QuerySet[CommunityTask]:
    """Tasks pushed down though their request was not admitted (未经准入), listed as such."""
    return community_tasks_visible_to(user).exclude(request__status=Status.ADMITTED)


@dataclass
class LedgerLine:
    """One community's money on one task: committed, received (拨付) and spent, and whether it balances."""

    community: Region
    committed: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """spent ≤ received ≤ committed."""
        return self.spent <= self.received <= self.committed


KIND_FIELD = {LedgerEntry.Kind.COMMITMENT: "committed", LedgerEntry.Kind.TRANSFER: "received",
              LedgerEntry.Kind.SPENDING: "spent"}


def ledger_of(user, request: TaskRequest) -> list[LedgerLine]:
    """The request's ledger, one line per community in `user`'s scope, each with its entries (one query)."""
    qs = request.ledger_entries.select_related("community", "recorded_by")
    scope = community_scope_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    lines: dict[int, LedgerLine] = {}
    for entry in qs.order_by("community__code", "on", "id"):
        line = lines.setdefault(entry.community_id, LedgerLine(community=entry.community))
        setattr(line, KIND_FIELD[entry.kind], getattr(line, KIND_FIELD[entry.kind]) + entry.amount)
        line.entries.append(entry)
    return list(lines.values())


def unbalanced_requests(qs: QuerySet[TaskRequest]) -> set[int]:
    """The ids among `qs` whose ledger does not balance in some community (flagged on lists and the report)."""
    sums = (LedgerEntry.objects.filter(request__in=qs).values("request_id", "community_id")
            .annotate(committed=Sum("amount", filter=Q(kind=LedgerEntry.Kind.COMMITMENT)),
                      received=Sum("amount", filter=Q(kind=LedgerEntry.Kind.TRANSFER)),
                      spent=Sum("amount", filter=Q(kind=LedgerEntry.Kind.SPENDING))).order_by())
    return {row["request_id"] for row in sums
            if not (row["spent"] or ZERO) <= (row["received"] or ZERO) <= (row["committed"] or ZERO)}


@dataclass
class MoneyRow:
    """Tasks against money for one department or one community."""

    name: str
    tasks: int = 0
    unadmitted: int = 0
    committed: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    unbalanced: int = 0

    @property
    def balanced(self) -> bool:
        return self.unbalanced == 0


def money_report(user) -> tuple[list[MoneyRow], list[MoneyRow]]:
    """Per department and per community in `user`'s scope: admitted tasks, tasks pushed down without admission,
    and the money committed, received and spent (a fixed handful of queries)."""
    requests = task_requests_visible_to(user)
    entries = LedgerEntry.objects.filter(request__in=requests)
    pushed = community_tasks_visible_to(user)
    scope = community_scope_q(user)
    if scope is not None:
        entries = entries.filter(scope)
    by_department: dict[int, MoneyRow] = {}
    by_community: dict[int, MoneyRow] = {}
    for row in requests.filter(status=Status.ADMITTED).values("department_id", "department__name").annotate(
            n=Count("pk")).order_by():
        by_department[row["department_id"]] = MoneyRow(row["department__name"], tasks=row["n"])
    cells = (entries.values("request_id", "request__department_id", "request__department__name", "community_id",
                            "community__name", "kind").annotate(total=Sum("amount")).order_by())
    balance: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for cell in cells:
        department = by_department.setdefault(cell["request__department_id"],
                                              MoneyRow(cell["request__department__name"]))
        community = by_community.setdefault(cell["community_id"], MoneyRow(cell["community__name"]))
        name = KIND_FIELD[cell["kind"]]
        for row in (department, community):
            setattr(row, name, getattr(row, name) + cell["total"])
        balance[(cell["request_id"], cell["community_id"])][name] += cell["total"]
        balance[(cell["request_id"], cell["community_id"])]["department"] = cell["request__department_id"]
    for (_, community_id), money in balance.items():
        if not money["spent"] <= money["received"] <= money["committed"]:
            by_community[community_id].unbalanced += 1
            by_department[money["department"]].unbalanced += 1
    for row in pushed.values("community_id", "community__name", "request__department_id",
                             "request__department__name", "request__status").annotate(n=Count("pk")).order_by():
        community = by_community.setdefault(row["community_id"], MoneyRow(row["community__name"]))
        department = by_department.setdefault(row["request__department_id"],
                                              MoneyRow(row["request__department__name"]))
        if row["request__status"] == Status.ADMITTED:
            community.tasks += row["n"]
        else:
            community.unadmitted += row["n"]
            department.unadmitted += row["n"]
    return (sorted(by_department.values(), key=lambda row: row.name),
            sorted(by_community.values(), key=lambda row: row.name))


def admitted_categories(region: Region, *, before: dt.datetime | None = None) -> int:
    """`community_task_categories`: categories with at least one task admitted (before `before`) in `region` — a
    request of the subtree, or one above it that reaches the region (a county's task reaches its communities)."""
    q = subtree_q(region, "region__") | Q(region__code__in=_enclosing(region.code))
    qs = TaskRequest.objects.filter(q, archived_at__isnull=True, status=Status.ADMITTED)
    if before is not None:
        qs = qs.filter(reviewed_at__lt=before)
    return qs.values("category_id").distinct().count()


def list_items_of(region: Region, *, kind: str | None = None) -> QuerySet[ListItem]:
    """The items in force on the lists that reach `region` (its own and those of the regions above it): the
    current version of each, those taken off the list left out. Public: the lists are published."""
    qs = ListItem.objects.filter(region__code__in=_enclosing(region.code), superseded_at__isnull=True,
                                 retired=False).select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "region__code", "key")


def list_item_history(region: Region) -> QuerySet[ListItem]:
    """Every version of every item that reaches `region`, newest first: each change with its date and reason."""
    return (ListItem.objects.filter(region__code__in=_enclosing(region.code)).select_related("region")
            .order_by("-recorded_at", "-id"))


def list_item_visible_to(user, pk: int) -> ListItem | None:
    """The current version `pk` of an item in `user`'s scope, for staff who change it."""
    root = scope_root(user) if not sees_everything(user) else None
    qs = ListItem.objects.filter(pk=pk, superseded_at__isnull=True, retired=False).select_related("region")
    if root is not None:
        qs = qs.filter(subtree_q(root, "region__"))
    elif not sees_everything(user):
        return None
    return qs.first()


def teams_visible_to(user) -> QuerySet[DispatchedTeam]:
    """Dispatched teams of the communities in `user`'s scope (the home unit's handlers see their own teams)."""
    qs = DispatchedTeam.objects.filter(archived_at__isnull=True).select_related(
        "community", "home_unit", "head_seat__person")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_everything(user):
        return qs
    if user.role == Role.DEPARTMENT_HANDLER:
        return qs.filter(home_unit_id=user.organisation_id) if user.organisation_id else qs.none()
    root = scope_root(user) if user.role in REGION_STAFF_ROLES else None
    return qs.none() if root is None else qs.filter(subtree_q(root, "community__"))


def assignments_done(team: DispatchedTeam, start: dt.date, end: dt.date) -> dict[str, int]:
    """The team's assignments due from `start` to `end`: given, done, and done by their due date."""
    qs = team.assignments.filter(due_on__gte=start, due_on__lte=end)
    return qs.aggregate(given=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)),
                        on_time=Count("pk", filter=Q(done_at__date__lte=F("due_on"))))


def consents_of(team: DispatchedTeam) -> QuerySet[Consent]:
    """The team's consent decisions (refusals too), newest first: shown with the head's seat."""
    return team.consents.select_related("candidate").order_by("-decided_on", "-id")


def consent_candidates(user, team: DispatchedTeam) -> QuerySet[Person]:
    """People the community may decide on for heading `team`: those in `user`'s reach who live in, hold a post in
    the team's community, or serve in the team."""
    community = team.community
    return people_visible_to(user).filter(
        subtree_q(community, "home_region__")
        | Q(pk__in=Position.objects.filter(subtree_q(community, "organisation__region__")).values("person_id"))
        | Q(team_memberships__team=team)).distinct().order_by("name", "id")


def head_seats_for(team: DispatchedTeam) -> QuerySet[Position]:
    """Current positions in the organisations of the team's community: the seats a head may be appointed to."""
    return positions_on().filter(subtree_q(team.community, "organisation__region__")).select_related(
        "person", "organisation").order_by("organisation__name", "person__name", "id")
