"""Pages of the halls, mounted at /halls/.

- Residents, signed in or not: 取号 on a phone (`take`) or at the hall's kiosk (`kiosk`), their ticket,
  the hall's calling screen (`screen`, for the TV: it refreshes itself through static/js/halls.js), the
  rooms and booking one (signing in first), their own bookings.
- Staff who manage the hall's region or are on duty at a window: the clerk's counter page (叫号 and
  finishing a ticket, the day's window appointments turned into queue numbers on arrival), the bookings
  of their rooms to approve, mediations (人民调解).

Views parse, find the object through a scoped selector (out of scope answers 404, like one that does
not exist) and call one service. A refused write shows the page again with what was typed kept.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.pii import mask_name, mask_phone
from regions.models import Level
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to

from . import selectors, services
from .forms import BookingActionForm, BookingForm, MediationActionForm, MediationForm, TakeForm, VersionForm
from .models import QueueTicket
from .workflow import (
    APPOINTMENT_ACTIONS,
    BOOKING_ACTIONS,
    MEDIATION_ACTIONS,
    TICKET_ACTIONS,
    StaleVersion,
    TransitionNotAllowed,
    WindowKind,
)

PAGE_SIZE = 50
SCREEN_REFRESH_SECONDS = 3
CONFLICT = "该记录已被他人更新，请查看最新内容后重试"
# 取号 is open to anyone at the door: counted per address like other anonymous writes.
TAKE_LIMIT = ratelimit.Limit(count=30, window_seconds=600)


def _manager(user) -> None:
    if not can_manage_region(user, None):
        raise Http404


def _hall_in_scope(user, pk: int):
    hall = selectors.counter_halls(user).filter(pk=pk).first()
    if hall is None:
        raise Http404
    return hall


# --------------------------------------------------------------------------------------------------
# Staff: halls and the counter
# --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def hall_list(request: HttpRequest) -> HttpResponse:
    """Halls in scope, with their windows and who waits."""
    _manager(request.user)
    halls = []
    for hall in selectors.halls_visible_to(request.user).order_by("region__code", "name"):
        waiting = selectors.waiting_counts(hall)
        halls.append({"hall": hall, "windows": list(selectors.windows_of(hall)), "waiting": sum(waiting.values())})
    return render(request, "halls/hall_list.html", {"halls": halls})


def _counter(request: HttpRequest, hall, *, alert: str = "", status: int = 200) -> HttpResponse:
    windows = list(selectors.windows_of(hall))
    chosen = next((w for w in windows if str(w.pk) == request.GET.get("window", "")), None)
    if chosen is None:
        chosen = next((w for w in windows if request.user in w.on_duty.all()), windows[0] if windows else None)
    current = selectors.window_current(chosen) if chosen else None
    actions = []
    if current is not None:
        actions = [{"action": a, "label": TICKET_ACTIONS[a]} for a in selectors.ticket_actions(current)]
    waiting = selectors.waiting_counts(hall)
    appointments = [
        {"appointment": a, "name": mask_name(a.contact_name), "phone": mask_phone(a.contact_phone),
         "actions": [{"action": x, "label": APPOINTMENT_ACTIONS[x]} for x in selectors.appointment_actions(a)]}
        for a in selectors.day_appointments(hall)
    ]
    return render(request, "halls/counter.html", {
        "hall": hall, "windows": windows, "window": chosen, "current": current, "actions": actions,
        "waiting": [{"label": WindowKind(k).label, "count": n} for k, n in waiting.items()],
        "waiting_total": sum(waiting.values()), "alert": alert, "appointments": appointments,
    }, status=status)


@never_cache
@login_required
@require_GET
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk's page at a window: the number being served, 叫号, finish it."""
    return _counter(request, _hall_in_scope(request.user, pk))


@login_required
@require_POST
def call_next(request: HttpRequest, pk: int, window_pk: int) -> HttpResponse:
    """叫号: the window calls its next number."""
    hall = _hall_in_scope(request.user, pk)
    window = selectors.windows_of(hall).filter(pk=window_pk).first()
    if window is None:
        raise Http404
    try:
        ticket = services.ticket_call_next(actor=request.user, window=window)
    except PermissionDenied as error:
        raise Http404 from error
    if ticket is None:
        messages.info(request, "当前没有等候的号码。")
    else:
        messages.success(request, f"请 {ticket.code} 号到 {window.name} 办理。")
    return redirect(f"{reverse('halls:counter', args=[hall.pk])}?window={window.pk}")


@login_required
@require_POST
def ticket_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Call a ticket again, or finish it as served or absent."""
    ticket = selectors.counter_tickets(request.user).filter(pk=pk).first()
    if ticket is None or action not in TICKET_ACTIONS:
        raise Http404
    form = VersionForm(request.POST)
    alert, status = "", 200
    if not form.is_valid():
        alert, status = "页面已过期，请刷新后重试", 400
    else:
        try:
            services.ticket_transition(actor=request.user, ticket=ticket, action=action,
                                       expected_version=form.cleaned_data["version"])
        except StaleVersion:
            alert, status = CONFLICT, 409
        except TransitionNotAllowed as error:
            alert, status = str(error), 400
        except PermissionDenied as error:
            raise Http404 from error
    if alert:
        request.GET = request.GET.copy()
        request.GET["window"] = str(ticket.window_id or "")
        return _counter(request, ticket.hall, alert=alert, status=status)
    messages.success(request, f"{ticket.code} 号：{TICKET_ACTIONS[action]}。")
    return redirect(f"{reverse('halls:counter', args=[ticket.hall_id])}?window={ticket.window_id}")


@login_required
@require_POST
def appointment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """At the counter: the resident with an appointment arrived (a queue number is taken for them), did not
    come, or the appointment is cancelled."""
    appointment = selectors.counter_appointments(request.user).filter(pk=pk).first()
    if appointment is None or action not in APPOINTMENT_ACTIONS:
        raise Http404
    form = VersionForm(request.POST)
    alert, status = "", 200
    if not form.is_valid():
        alert, status = "页面已过期，请刷新后重试", 400
    else:
        try:
            appointment = services.appointment_transition(actor=request.user, appointment=appointment,
                                                          action=action,
                                                          expected_version=form.cleaned_data["version"])
        except StaleVersion:
            alert, status = CONFLICT, 409
        except TransitionNotAllowed as error:
            alert, status = str(error), 400
        except ValidationError as error:
            alert, status = "；".join(error.messages), 400
        except PermissionDenied as error:
            raise Http404 from error
    if alert:
        return _counter(request, appointment.hall, alert=alert, status=status)
    note = f"，排队号 {appointment.ticket.code}" if appointment.ticket_id else ""
    messages.success(request, f"预约 {appointment.code}：{APPOINTMENT_ACTIONS[action]}{note}。")
    return redirect("halls:counter", pk=appointment.hall_id)


# --------------------------------------------------------------------------------------------------
# Residents: 取号, the ticket, the calling screen
# --------------------------------------------------------------------------------------------------


def _public_hall(pk: int):
    hall = selectors.public_hall(pk)
    if hall is None:
        raise Http404
    return hall


def _take(request: HttpRequest, pk: int, *, kiosk: bool) -> HttpResponse:
    hall = _public_hall(pk)
    kinds = services.hall_kinds(hall)
    template = "halls/kiosk.html" if kiosk else "halls/take.html"
    channel = QueueTicket.Channel.KIOSK if kiosk else QueueTicket.Channel.PHONE
    form = TakeForm(request.POST if request.method == "POST" else None, kinds=kinds)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(request, "halls-take", TAKE_LIMIT).allowed:
            form.add_error(None, "取号过于频繁，请稍后再试或到服务台咨询")
            status = 429
        else:
            try:
                ticket = services.ticket_take(hall=hall, kind=form.cleaned_data["kind"], channel=channel,
                                              actor=request.user)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return redirect("halls:ticket", pk=ticket.pk)
    waiting = selectors.waiting_counts(hall)
    return render(request, template, {
        "hall": hall, "form": form,
        "kinds": [{"kind": k, "label": WindowKind(k).label, "waiting": waiting.get(k, 0)} for k in kinds],
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, pk: int) -> HttpResponse:
    """取号 on a phone (the QR code at the hall's door leads here)."""
    return _take(request, pk, kiosk=False)


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    """取号 at the kiosk by the door: large buttons, and the number shown to note down."""
    return _take(request, pk, kiosk=True)


@never_cache
@require_GET
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """A ticket as its holder sees it: the number, how many wait before it, where to go once called."""
    found = QueueTicket.objects.select_related("hall", "window").filter(pk=pk).first()
    if found is None or found.day != timezone.localdate():
        raise Http404
    return render(request, "halls/ticket.html", {"ticket": found, "ahead": selectors.ahead_of(found)})


@never_cache
@require_GET
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The hall's calling screen: the latest calls, which number goes to which window."""
    hall = _public_hall(pk)
    rows = selectors.screen_rows(hall)
    waiting = selectors.waiting_counts(hall)
    return render(request, "halls/screen.html", {
        "hall": hall, "latest": rows[0] if rows else None, "rows": rows[1:], "waiting": sum(waiting.values()),
        "refresh_seconds": SCREEN_REFRESH_SECONDS, "now": timezone.localtime(),
    })


# --------------------------------------------------------------------------------------------------
# Rooms and bookings
# --------------------------------------------------------------------------------------------------


def _day(text: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return default


@require_GET
def rooms(request: HttpRequest) -> HttpResponse:
    """The rooms residents may book, by community."""
    return render(request, "halls/rooms.html", {"rooms": selectors.rooms_public().order_by(
        "facility__region__code", "facility__name")})


@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a room on a phone: the free slots of a day, then the form. Booking needs signing in."""
    room = selectors.rooms_public().filter(pk=pk).first()
    if room is None:
        raise Http404
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    today = timezone.localdate()
    form = BookingForm(request.POST if request.method == "POST" else None, initial={"day": today, "duration": "60"})
    status = 200
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        data = form.cleaned_data
        try:
            booking, _ = services.booking_request(
                actor=request.user, room=room, starts_at=starts_at, ends_at=ends_at,
                contact_name=data["contact_name"], contact_phone=data["contact_phone"], purpose=data["purpose"],
            )
        except services.SlotTaken as error:
            form.add_error("start", str(error))
            status = 409
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            note = "，请等待工作人员审核" if booking.status == "pending" else ""
            when = timezone.localtime(booking.starts_at)
            messages.success(request, f"已提交预约：{room} {when:%m月%d日 %H:%M}{note}。")
            return redirect("halls:my_bookings")
    day = getattr(form, "cleaned_data", {}).get("day") or _day(request.GET.get("day", ""), today)
    return render(request, "halls/book.html", {
        "room": room, "form": form, "day": day,
        "slots": [timezone.localtime(s) for s in services.free_slots(room, day)],
    }, status=status)


@login_required
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """The signed-in resident's bookings, newest first, each cancellable while it stands."""
    rows = [{"booking": b, "cancellable": "cancel" in selectors.booking_actions(b)}
            for b in selectors.own_bookings(request.user)[:100]]
    return render(request, "halls/my_bookings.html", {"rows": rows})


@login_required
@require_GET
def booking_list(request: HttpRequest) -> HttpResponse:
    """Bookings of the rooms in scope, pending first, with approve and reject."""
    _manager(request.user)
    qs = selectors.pending_first(selectors.bookings_visible_to(request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"booking": b, "name": mask_name(b.contact_name), "phone": mask_phone(b.contact_phone),
             "actions": [{"action": a, "label": BOOKING_ACTIONS[a]} for a in selectors.booking_actions(b)]}
            for b in page.object_list]
    return render(request, "halls/booking_list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def booking_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, reject or cancel a booking; back to where it was done from."""
    booking = selectors.bookings_visible_to(request.user).filter(pk=pk).first()
    if booking is None or action not in BOOKING_ACTIONS:
        raise Http404
    staff = services.can_decide_booking(request.user, booking)
    back = "halls:bookings" if staff else "halls:my_bookings"
    form = BookingActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "页面已过期，请刷新后重试。")
        return redirect(back)
    try:
        services.booking_transition(actor=request.user, booking=booking, action=action,
                                    expected_version=form.cleaned_data["version"], note=form.cleaned_data["note"])
    except StaleVersion:
        messages.error(request, CONFLICT)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except PermissionDenied as error:
        raise Http404 from error
    else:
        messages.success(request, f"{BOOKING_ACTIONS[action]}：{booking.room}。")
    return redirect(back)


# --------------------------------------------------------------------------------------------------
# Mediation (人民调解)
# --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def mediation_list(request: HttpRequest) -> HttpResponse:
    """Mediations in scope, newest first, with their one-month clock."""
    _manager(request.user)
    page = Paginator(selectors.mediations_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "halls/mediation_list.html", {"page": page, "today": timezone.localdate()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mediation_new(request: HttpRequest) -> HttpResponse:
    """Accept a dispute for mediation."""
    user = request.user
    _manager(user)
    communities = regions_visible_to(user).filter(level=Level.COMMUNITY).order_by("code")
    form = MediationForm(request.POST if request.method == "POST" else None, regions=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parties = [services.PartySpec("applicant", data["applicant_name"], data["applicant_phone"]),
                   services.PartySpec("respondent", data["respondent_name"], data["respondent_phone"])]
        try:
            mediation = services.mediation_open(
                actor=user, region=form.regions[data["region"]], title=data["title"], facts=data["facts"],
                disputed_points=data["disputed_points"], parties=parties,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已受理调解：{mediation.title}。")
            return redirect("halls:mediation", pk=mediation.pk)
    return render(request, "halls/mediation_new.html", {"form": form})


def _mediation_page(request, mediation, *, bound=None, alert: str = "", status: int = 200) -> HttpResponse:
    actions = []
    for action in selectors.mediation_actions(mediation):
        form = bound if bound is not None and bound.action == action else MediationActionForm(
            action=action, initial={"version": mediation.version, "held_on": timezone.localdate()})
        actions.append({"action": action, "label": MEDIATION_ACTIONS[action], "form": form})
    parties = [{"side": p.get_side_display(), "name": mask_name(p.name), "phone": mask_phone(p.phone)}
               for p in mediation.parties.all()]
    return render(request, "halls/mediation_detail.html", {
        "mediation": mediation, "parties": parties, "steps": mediation.steps.all(), "actions": actions,
        "alert": alert, "overdue": mediation.status in ("accepted", "mediating") and
        mediation.due_on < timezone.localdate(),
    }, status=status)


def _visible_mediation(user, pk: int):
    _manager(user)
    mediation = selectors.mediations_visible_to(user).filter(pk=pk).first()
    if mediation is None:
        raise Http404
    return mediation


@login_required
@require_GET
def mediation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A mediation: the parties (masked), facts, disputed points, its sessions and the next steps."""
    return _mediation_page(request, _visible_mediation(request.user, pk))


@login_required
@require_POST
def mediation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the mediation table, from its form on the mediation page."""
    mediation = _visible_mediation(request.user, pk)
    if action not in MEDIATION_ACTIONS:
        raise Http404
    form = MediationActionForm(request.POST, action=action)
    if not form.is_valid():
        return _mediation_page(request, mediation, bound=form, status=400)
    data = form.cleaned_data
    try:
        services.mediation_transition(
            actor=request.user, mediation=mediation, action=action, expected_version=data["version"],
            note=data["note"], held_on=data.get("held_on"), signed=data.get("signed", False),
            agreement_form=data.get("agreement_form", ""), agreement_terms=data.get("agreement_terms", ""),
            perform_by=data.get("perform_by"), referred_to=data.get("referred_to", ""),
        )
    except StaleVersion:
        return _mediation_page(request, mediation, bound=form, alert=CONFLICT, status=409)
    except TransitionNotAllowed as error:
        return _mediation_page(request, mediation, bound=form, alert=str(error), status=400)
    except ValidationError as error:
        form.add_service_errors(error)
        return _mediation_page(request, mediation, bound=form, status=400)
    messages.success(request, f"{MEDIATION_ACTIONS[action]}：已记录。")
    return redirect("halls:mediation", pk=mediation.pk)
