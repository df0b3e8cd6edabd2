"""Items and requests for tests, written through the services like the product writes them."""

from __future__ import annotations

from govservices import services
from govservices.models import Item, Rating, ServiceRequest

MATERIALS = [
    {"name": "居民身份证", "sample": "本人有效身份证件", "original": True, "copies": 1},
    {"name": "户口簿", "sample": "户主页和本人页", "original": True, "copies": 1},
    {"name": "申请表", "sample": "社区提供，可现场填写", "original": True, "copies": 1},
]


def guide(**overrides) -> dict:
    values = {
        "authority": "城关街道东街社区居民委员会", "legal_basis": "《中华人民共和国城市居民委员会组织法》",
        "conditions": "本社区常住居民", "materials": MATERIALS, "fee": "不收费", "fee_basis": "",
        "legal_days": 5, "promised_days": 3, "kind": "promised", "visits": 1, "handled_locally": True,
        "forwarded_to": "", "forms": [{"name": "居住证明申请表", "url": "/static/favicon.svg"}],
        "questions": [{"q": "可以代办吗？", "a": "可以，须携带委托书和双方身份证。"}],
    }
    return values | overrides


def item(admin, *, code: str = "ZM001", name: str = "居住证明开具", category: str = "证明开具", **overrides) -> Item:
    group, _ = services.category_ensure(actor=admin, name=category)
    services.item_publish(actor=admin, category=group, code=code, name=name, guide=guide(**overrides))
    return Item.objects.get(code=code)


def taken(actor, found: Item, region, *, name: str = "王秀英", **kwargs) -> ServiceRequest:
    """A request taken at a window by `actor` (its 首问), accepted."""
    request, _ = services.request_create(actor=actor, item=found, region=region, channel="window",
                                         applicant_name=name, **kwargs)
    return request


def move(actor, request: ServiceRequest, action: str, **kwargs) -> ServiceRequest:
    request.refresh_from_db()
    return services.request_transition(actor=actor, request=request, action=action,
                                       expected_version=request.version, **kwargs)


def finished(actor, request: ServiceRequest, *, rating: int | None = None, comment: str = "") -> ServiceRequest:
    """Handled, finished and handed out by `actor`; rated if `rating` is given."""
    request = move(actor, request, "handle")
    request = move(actor, request, "complete", result="已出具居住证明")
    request = move(actor, request, "deliver")
    if rating is not None:
        services.rating_add(request=request, level=rating, comment=comment or "等待时间太长")
    return request


BAD = Rating.Level.DISSATISFIED


PROVIDER_PHONE = "13855507319"


def provider(actor, region, communities, *, name: str = "东街阳光家政服务中心", phone: str = PROVIDER_PHONE,
             kind: str = "housekeeping"):
    """A social service organisation registered by `actor` at `region`, serving `communities`."""
    return services.provider_register(actor=actor, name=name, kind=kind, services="上门保洁、月嫂、钟点工",
                                      hours="每日 8:00-20:00", phone=phone, address="东街文化路 12 号",
                                      region=region, communities=communities)
