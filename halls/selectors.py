"""Reads of halls, windows, tickets, rooms, bookings and mediations, scoped by the reader's place in the
region tree: staff see what sits in their subtree, and nothing else exists for them. What residents may
read (a hall's calling screen, the rooms and their free slots, their own bookings) is public or their own.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from core.roles import REGION_STAFF_ROLES
from regions.models import Facility, Region
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Appointment, Booking, Mediation, QueueTicket, Room, ServiceWindow
from .workflow import (
    APPOINTMENT_KINDS,
    APPOINTMENT_TABLE,
    BOOKING_TABLE,
    MEDIATION_TABLE,
    TICKET_TABLE,
    BookingStatus,
    TicketStatus,
    allowed,
)

SCREEN_ROWS = 8


def _root(user):
    if not user.is_authenticated:
        return None
    if sees_everything(user):
        return "all"
    if user.role not in REGION_STAFF_ROLES:
        return None
    return scope_root(user)


def _scoped(qs: QuerySet, user, field: str) -> QuerySet:
    root = _root(user)
    if root is None:
        return qs.none()
    return qs if root == "all" else qs.filter(subtree_q(root, field))


def halls_visible_to(user) -> QuerySet[Facility]:
    """Service halls in `user`'s scope."""
    qs = Facility.objects.active().filter(kind=Facility.Kind.SERVICE_HALL).select_related("region")
    return _scoped(qs, user, "region__")


def counter_halls(user) -> QuerySet[Facility]:
    """Halls whose counter page `user` may work: those in scope, and those where they are on duty."""
    if not user.is_authenticated:
        return Facility.objects.none()
    on_duty = Q(windows__on_duty=user, windows__archived_at__isnull=True)
    in_scope = halls_visible_to(user).values("pk")
    return (Facility.objects.active().filter(kind=Facility.Kind.SERVICE_HALL).filter(on_duty | Q(pk__in=in_scope))
            .select_related("region").distinct())


def counter_tickets(user) -> QuerySet[QueueTicket]:
    """Tickets `user` may finish: in scope, or called to a window they are on duty at."""
    if not user.is_authenticated:
        return QueueTicket.objects.none()
    in_scope = tickets_visible_to(user).values("pk")
    return (QueueTicket.objects.filter(Q(window__on_duty=user) | Q(pk__in=in_scope))
            .select_related("hall__region", "window").distinct())


def public_hall(pk: int) -> Facility | None:
    """An active service hall by id, for the pages anyone at the door may open (取号, the screen)."""
    return Facility.objects.active().filter(kind=Facility.Kind.SERVICE_HALL, pk=pk).select_related("region").first()


def windows_of(hall: Facility) -> QuerySet[ServiceWindow]:
    return ServiceWindow.objects.active().filter(hall=hall).prefetch_related("on_duty")


def windows_visible_to(user) -> QuerySet[ServiceWindow]:
    return _scoped(ServiceWindow.objects.active().select_related("hall__region"), user, "hall__region__")


def tickets_visible_to(user) -> QuerySet[QueueTicket]:
    return _scoped(QueueTicket.objects.select_related("hall__region", "window"), user, "hall__region__")


def waiting_counts(hall: Facility, day: dt.date | None = None) -> dict[str, int]:
    """Tickets waiting today in `hall`, by kind."""
    day = day or timezone.localdate()
    counts: dict[str, int] = {}
    for kind in QueueTicket.objects.filter(hall=hall, day=day, status=TicketStatus.WAITING).values_list(
            "kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def ahead_of(ticket: QueueTicket) -> int:
    """Tickets of the same kind taken before `ticket` and still waiting."""
    return QueueTicket.objects.filter(hall_id=ticket.hall_id, day=ticket.day, kind=ticket.kind,
                                      status=TicketStatus.WAITING, taken_at__lt=ticket.taken_at).count()


def screen_rows(hall: Facility, day: dt.date | None = None) -> list[QueueTicket]:
    """What the calling screen shows: the latest calls today, newest first."""
    day = day or timezone.localdate()
    return list(QueueTicket.objects.filter(hall=hall, day=day, status=TicketStatus.CALLED)
                .select_related("window").order_by("-called_at", "-id")[:SCREEN_ROWS])


def window_current(window: ServiceWindow) -> QueueTicket | None:
    """The ticket the window has called and not finished yet."""
    return QueueTicket.objects.filter(window=window, status=TicketStatus.CALLED).order_by("-called_at").first()


def ticket_actions(ticket: QueueTicket) -> list[str]:
    return allowed(TICKET_TABLE, ticket.status)


def rooms_public() -> QuerySet[Room]:
    """Rooms anyone may book: active, in an active facility."""
    return Room.objects.active().filter(facility__archived_at__isnull=True).select_related("facility__region")


def rooms_visible_to(user) -> QuerySet[Room]:
    return _scoped(rooms_public(), user, "facility__region__")


def bookings_visible_to(user) -> QuerySet[Booking]:
    """Staff: the bookings of rooms in their scope. Anyone else signed in: their own bookings."""
    qs = Booking.objects.select_related("room__facility__region", "booked_by")
    if not user.is_authenticated:
        return qs.none()
    if _root(user) is not None:
        return _scoped(qs, user, "room__facility__region__")
    return qs.filter(booked_by=user)


def own_bookings(user) -> QuerySet[Booking]:
    if not user.is_authenticated:
        return Booking.objects.none()
    return Booking.objects.filter(booked_by=user).select_related("room__facility").order_by("-starts_at", "-id")


def pending_first(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    pending = Case(When(status=BookingStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.order_by(pending, "-starts_at", "-id")


def booking_actions(booking: Booking) -> list[str]:
    return allowed(BOOKING_TABLE, booking.status)


def appointment_halls() -> QuerySet[Facility]:
    """Halls a resident may book a window slot at: active service halls with an open window of a kind that
    takes appointments."""
    return (Facility.objects.active().filter(kind=Facility.Kind.SERVICE_HALL, windows__archived_at__isnull=True,
                                             windows__kind__in=APPOINTMENT_KINDS)
            .select_related("region").distinct().order_by("region__code", "name"))


def counter_appointments(user) -> QuerySet[Appointment]:
    """Appointments `user` may handle at the counter: at halls in scope or where they are on duty."""
    return Appointment.objects.filter(hall__in=counter_halls(user).values("pk")).select_related(
        "hall__region", "ticket")


def day_appointments(hall: Facility, day: dt.date | None = None) -> QuerySet[Appointment]:
    """A hall's appointments of a day, in the order of their slots."""
    day = day or timezone.localdate()
    return Appointment.objects.filter(hall=hall, day=day).select_related("ticket").order_by("starts_at", "id")


def public_appointment(code: str) -> Appointment | None:
    """An appointment by its code, for the resident who holds it."""
    return (Appointment.objects.select_related("hall__region", "ticket")
            .filter(code=(code or "").strip().upper()[:12]).first())


def appointment_by_key(key: str, user) -> Appointment | None:
    """The appointment an earlier submission of the same form made (a second click), if it was this user's
    (or nobody's, for a visitor)."""
    if not key:
        return None
    resident = user.pk if getattr(user, "is_authenticated", False) else None
    return Appointment.objects.filter(idempotency_key=key[:64], resident_id=resident).first()


def appointment_actions(appointment: Appointment) -> list[str]:
    return allowed(APPOINTMENT_TABLE, appointment.status)


def mediations_visible_to(user) -> QuerySet[Mediation]:
    qs = Mediation.objects.active().select_related("region", "mediator", "room__facility")
    return _scoped(qs, user, "region__")


def mediation_actions(mediation: Mediation) -> list[str]:
    return allowed(MEDIATION_TABLE, mediation.status)


def window_kinds_in(region: Region) -> int:
    """How many distinct window kinds the halls of `region`'s subtree have configured (the figure
    `service_window_kinds`)."""
    return (ServiceWindow.objects.active().filter(subtree_q(region, "hall__region__"), hall__archived_at__isnull=True,
                                                  hall__kind=Facility.Kind.SERVICE_HALL)
            .values("kind").distinct().count())
