from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from halls import services
from halls.models import Room
from halls.workflow import WindowKind
from regions import services as region_services
from regions.models import Facility


class Hall:
    """The east community's hall with a window of each kind, its rooms, and the other street's hall."""

    def __init__(self, tree, users):
        self.tree, self.users = tree, users
        self.staff = users["community"]
        make = region_services.facility_create
        self.hall = make(actor=None, name="东街社区便民服务大厅", kind=Facility.Kind.SERVICE_HALL, region=tree.east)
        self.windows = {
            kind: services.window_create(actor=self.staff, hall=self.hall, name=f"{n}号窗口", kind=kind,
                                         opens_at=dt.time(0, 0), closes_at=dt.time(23, 59),
                                         on_duty=[users["grid"]] if kind == WindowKind.DIRECT else ())
            for n, kind in enumerate(WindowKind.values, start=1)
        }
        self.north_hall = make(actor=None, name="北关社区便民服务大厅", kind=Facility.Kind.SERVICE_HALL,
                               region=tree.north)
        self.north_window = services.window_create(actor=users["county"], hall=self.north_hall, name="1号窗口",
                                                   kind=WindowKind.GENERAL)
        reception = make(actor=None, name="东街社区“两代表一委员”接待室", kind=Facility.Kind.RECEPTION_ROOM,
                         region=tree.east)
        self.room = services.room_create(actor=self.staff, facility=reception, kind=Room.Kind.RECEPTION,
                                         opens_at=dt.time(0, 0), closes_at=dt.time(23, 59), weekdays="1234567",
                                         min_notice_hours=1, buffer_minutes=30, reception_hours="每周三上午")
        mediation = make(actor=None, name="东街社区调解室", kind=Facility.Kind.MEDIATION_ROOM, region=tree.east)
        self.approval_room = services.room_create(actor=self.staff, facility=mediation, kind=Room.Kind.MEDIATION,
                                                  opens_at=dt.time(0, 0), closes_at=dt.time(23, 59),
                                                  weekdays="1234567", min_notice_hours=1, needs_approval=True)

    def slot(self, days: int = 2, hour: int = 10, minutes: int = 60) -> tuple[dt.datetime, dt.datetime]:
        day = timezone.localdate() + dt.timedelta(days=days)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        return start, start + dt.timedelta(minutes=minutes)


@pytest.fixture
def hall(tree, users) -> Hall:
    return Hall(tree, users)
