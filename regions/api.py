from ninja import Router, Schema

from api.errors import not_found
from api.schemas import ErrorOut

from .models import Region
from .selectors import region_children, regions_visible_to

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


def _out(region: Region) -> dict:
    parent = region.parent.code if region.parent_id else None
    return {"code": region.code, "name": region.name, "level": region.level, "parent": parent}


@router.get("", response={200: list[RegionOut], 404: ErrorOut})
def list_regions(request, parent: str | None = None):
    """The caller's scope root, or with `parent=CODE` the children of that region."""
    if parent is None:
        regions = region_children(user=request.user, parent=None)
    else:
        node = regions_visible_to(request.user).filter(code=parent).first()
        if node is None:
            raise not_found("区域不存在或无权访问")
        regions = region_children(user=request.user, parent=node)
    return [_out(r) for r in regions.select_related("parent")]
