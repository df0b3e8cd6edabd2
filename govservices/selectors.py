"""Reads of the catalogue (public: anyone may read a guide) and of requests, scoped for staff by their
place in the region tree, plus the handler's own and the 首问's handed-over lists and the 好差评 rates;
social service organisations (社会服务组织) for staff in scope and for residents by community."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from core.roles import REGION_STAFF_ROLES, STAFF_ROLES
from regions.models import Region
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Category, FollowUp, Item, Provider, Rating, ServiceRequest
from .workflow import FINISHED_STATUSES, OPEN_STATUSES, allowed_actions

SEARCH_MAX_WORDS = 5


def public_items() -> QuerySet[Item]:
    """Items residents may read: not archived and published."""
    return (Item.objects.filter(archived_at__isnull=True, current__isnull=False)
            .select_related("category", "current"))


def item_search(q: str) -> QuerySet[Item]:
    """Items matching every word of `q` by name, code or pinyin initials ("zm" finds 证明开具)."""
    qs = public_items()
    for word in (q or "").split()[:SEARCH_MAX_WORDS]:
        word = word[:50]
        condition = Q(name__icontains=word) | Q(code__iexact=word)
        if word.isascii() and word.isalnum():
            condition |= Q(initials__contains=word.lower())
        qs = qs.filter(condition)
    return qs.order_by("category__order", "code")


def public_item(code: str) -> Item | None:
    return public_items().filter(code=code).first()


def categories_with_items() -> list[tuple[Category, list[Item]]]:
    items = list(public_items().order_by("category__order", "code"))
    groups: dict[int, tuple[Category, list[Item]]] = {}
    for item in items:
        groups.setdefault(item.category_id, (item.category, []))[1].append(item)
    return list(groups.values())


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    """Requests of the communities in `user`'s scope, and those they took first or handle."""
    qs = ServiceRequest.objects.select_related("item_version__item", "region", "hall", "first_receiver", "handler",
                                               "department")
    if not user.is_authenticated:
        return qs.none()
    if sees_everything(user):
        return qs
    mine = Q(first_receiver=user) | Q(handler=user)
    root = scope_root(user) if user.role in REGION_STAFF_ROLES else None
    return qs.filter(mine | subtree_q(root, "region__")) if root is not None else qs.filter(mine)


def overdue(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """Open requests past their promised limit (a request waiting for 补正 has its clock stopped)."""
    return qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now(), paused_days_left__isnull=True)


def handed_over_by(user) -> QuerySet[ServiceRequest]:
    """What `user` took first (首问) and handed to someone else to handle, newest first, with its result."""
    return (requests_visible_to(user).filter(first_receiver=user, handler__isnull=False)
            .exclude(handler=user).order_by("-submitted_at", "-id"))


def request_actions(request: ServiceRequest) -> list[str]:
    return allowed_actions(request.status)


def public_request(code: str) -> ServiceRequest | None:
    """A request by its tracking code, for the resident who holds it."""
    return (ServiceRequest.objects.select_related("item_version__item", "rating__follow_up")
            .filter(tracking_code=(code or "").strip().upper()[:12]).first())


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    requests = requests_visible_to(user).values("pk")
    return (FollowUp.objects.filter(rating__request__in=requests)
            .select_related("rating__request__item_version__item", "rating__request__region").order_by(
                "replied_at", "due_at", "id"))


def _rates(qs: QuerySet[Rating], by: str, label: str, within: str = "") -> list[dict]:
    """Ratings grouped by `by`, named by `label` (after `within`'s value, e.g. a window's hall)."""
    fields = [by, label, *([within] if within else [])]
    rows = (qs.values(*fields).annotate(total=Count("id"), bad=Count("id", filter=Q(level__lte=2)),
                                        average=Avg("level")).order_by(*fields[:0:-1] if within else [label]))

    def name(row) -> str:
        if not row[label]:
            return "—"
        return f"{row[within]} {row[label]}" if within else row[label]

    return [{"name": name(row), "total": row["total"], "bad": row["bad"],
             "good_rate": round(100 * (row["total"] - row["bad"]) / row["total"], 1),
             "average": round(row["average"], 2)} for row in rows]


def rating_rates(user) -> dict[str, list[dict]]:
    """好差评 per hall, window, item and handler, for the requests in `user`'s scope."""
    ratings = Rating.objects.filter(request__in=requests_visible_to(user).values("pk"))
    return {
        "halls": _rates(ratings, "request__hall_id", "request__hall__name"),
        "windows": _rates(ratings, "request__window_id", "request__window__name", "request__window__hall__name"),
        "items": _rates(ratings, "request__item_version__item_id", "request__item_version__item__name"),
        "staff": _rates(ratings, "request__handler_id", "request__handler__username"),
    }


def request_tiles(user) -> dict[str, object]:
    """Requests taken, the 即办 share, the on-time rate and the good-rating rate in `user`'s scope."""
    qs = requests_visible_to(user)
    taken = qs.exclude(status="submitted").count()
    immediate = qs.exclude(status="submitted").filter(item_version__kind="immediate").count()
    finished = qs.filter(status__in=FINISHED_STATUSES, due_at__isnull=False)
    finished_count = finished.count()
    on_time = sum(1 for completed, due in finished.values_list("completed_at", "due_at") if completed <= due)
    ratings = Rating.objects.filter(request__in=qs.values("pk"))
    rated = ratings.count()
    good = ratings.filter(level__gte=3).count()

    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "—"

    return {"taken": taken, "immediate_share": share(immediate, taken), "on_time_rate": share(on_time, finished_count),
            "good_rate": share(good, rated), "overdue": overdue(qs).count()}


# --------------------------------------------------------------------------------------------------
# Social service organisations (社会服务组织)
# --------------------------------------------------------------------------------------------------


def _rated(qs: QuerySet[Provider]) -> QuerySet[Provider]:
    # An aggregate drops Meta.ordering: the order is given again.
    return qs.annotate(rating_average=Avg("ratings__level"),
                       rating_count=Count("ratings", distinct=True)).order_by("kind", "name", "id")


def providers_visible_to(user) -> QuerySet[Provider]:
    """Active providers registered in `user`'s subtree or serving a community in it; none for non-staff."""
    qs = Provider.objects.active().select_related("region", "registered_by").prefetch_related("communities")
    if not user.is_authenticated or not (sees_everything(user) or user.role in STAFF_ROLES):
        return qs.none()
    if sees_everything(user):
        return _rated(qs)
    root = scope_root(user)
    if root is None:
        return qs.none()
    serving = Provider.communities.through.objects.filter(subtree_q(root, "region__")).values("provider_id")
    return _rated(qs.filter(subtree_q(root, "region__") | Q(pk__in=serving)))


def public_providers(community: Region | None = None) -> QuerySet[Provider]:
    """Providers residents may read, with their average rating: those serving `community`, or all."""
    qs = Provider.objects.active().prefetch_related("communities")
    if community is not None:
        qs = qs.filter(pk__in=Provider.communities.through.objects.filter(region=community).values("provider_id"))
    return _rated(qs)


def public_provider(pk: int) -> Provider | None:
    return public_providers().filter(pk=pk).first()


def provider_rated_this_month(provider: Provider, user) -> bool:
    """Whether the signed-in `user` has rated `provider` in the current calendar month."""
    if not getattr(user, "is_authenticated", False):
        return False
    month = timezone.localdate().replace(day=1)
    return provider.ratings.filter(rater=user, month=month).exists()
