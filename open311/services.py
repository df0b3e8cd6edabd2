"""Writes of the Open311 interface: API keys, service attributes, and creating a service request.

A service request becomes an ordinary case through `cases.services.case_submit` (channel 接口, kind
问题, filed under the service's category, placed in the community the client names), so it is on the
problem list, classified, dispatched and closed like any other; `Open311Request` keeps what the
standard carries beside it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cases.models import DESCRIPTION_MAX_LENGTH, Case, Channel, Kind
from cases.services import case_submit
from categories.models import Category
from core import audit
from core.db import retry_sqlite_locks
from core.models import AuditEvent
from regions.models import Level, Region
from regions.selectors import subtree_q

from .errors import Open311Error
from .jurisdictions import Jurisdiction
from .models import COMMUNITY_ATTRIBUTE, ApiKey, Open311Request, ServiceAttribute
from .selectors import CategoryFacts, attributes_for, service_notice

TOKEN_PATTERN = re.compile(r"^[\x21-\x7e]{1,40}$")
TITLE_LENGTH = 40
STRING_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 2000
ID_MAX_LENGTH = 100
CASE_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING)

# Fields of `case_submit`'s validation errors, by the Open311 argument the client sent.
ARGUMENT_OF_FIELD = {
    "title": "description", "description": "description", "address": "address_string", "region": "address_id",
    "contact_name": "first_name/last_name", "contact_phone": "phone", "category": "service_code", "lat": "lat",
    "long": "long", "idempotency_key": "Idempotency-Key",
}


def key_hash(raw: str) -> str:
    """SHA-256 of a key: keys are long random strings, so a plain digest is enough to keep them secret."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# API keys
# --------------------------------------------------------------------------------------------------


class ApiKeyRefused(ValueError):
    """A key cannot be created or revoked as asked; the message says why, in Chinese."""


def _key_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApiKeyRefused("名称不能为空，且不超过 100 个字符")
    return name


@transaction.atomic
def api_key_create(*, actor, name: str, raw: str | None = None) -> tuple[ApiKey, str]:
    """Issue a key for a client application called `name`; returns the key row and the raw key, which
    is shown once and never stored."""
    name = _key_name(name)
    if ApiKey.objects.filter(name=name, revoked_at__isnull=True).exists():
        raise ApiKeyRefused(f"已有名为“{name}”的有效密钥；如需更换，请先吊销")
    raw = raw or secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, key_hash=key_hash(raw))
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=key, changes={"name": [None, name]})
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor, name: str) -> ApiKey:
    """Revoke the live key called `name`: requests with it are refused (403) from now on."""
    name = _key_name(name)
    key = ApiKey.objects.select_for_update().filter(name=name, revoked_at__isnull=True).first()
    if key is None:
        raise ApiKeyRefused(f"没有名为“{name}”的有效密钥")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=AuditEvent.Action.ARCHIVE, target=key, changes={"revoked_at": [None, "now"]})
    return key


def api_key_check(raw: str | None) -> ApiKey | None:
    """The live key `raw` is, or None; marks when it was last used."""
    if not raw:
        return None
    key = ApiKey.objects.filter(key_hash=key_hash(raw), revoked_at__isnull=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


# --------------------------------------------------------------------------------------------------
# Service attributes (admin)
# --------------------------------------------------------------------------------------------------

ATTRIBUTE_FIELDS = [
    "category", "code", "variable", "datatype", "required", "description", "datatype_description", "order", "options",
]


@transaction.atomic
def service_attribute_save(*, actor, attribute: ServiceAttribute) -> ServiceAttribute:
    """Create or change a service attribute, validated, with an audit row of what changed."""
    creating = attribute._state.adding
    before = {} if creating else audit.snapshot(ServiceAttribute.objects.get(pk=attribute.pk), ATTRIBUTE_FIELDS)
    attribute.full_clean()
    attribute.save()
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, target=attribute,
        changes=audit.diff(before, audit.snapshot(attribute, ATTRIBUTE_FIELDS)),
    )
    return attribute


@transaction.atomic
def service_attribute_archive(*, actor, attribute: ServiceAttribute) -> ServiceAttribute:
    """Stop asking a service attribute (archived, never deleted)."""
    if attribute.archived_at is None:
        attribute.archived_at = timezone.now()
        attribute.save(update_fields=["archived_at", "updated_at"])
        audit.record(actor=actor, action=AuditEvent.Action.ARCHIVE, target=attribute)
    return attribute


# --------------------------------------------------------------------------------------------------
# Creating a service request
# --------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    """The arguments of POST requests as the client sent them (strings; lists for attributes)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    token: str = ""


@dataclass(frozen=True)
class Created:
    """A request created (or found again by its token): the case, its Open311 row and whether it is new."""

    case: Case
    request: Open311Request
    created: bool
    service_notice: str | None




def _region_in(jurisdiction: Jurisdiction, code: str) -> Region | None:
    return Region.objects.active().filter(subtree_q(jurisdiction.county), code=code.strip()).first()


def _place(jurisdiction: Jurisdiction, sub: Submission, errors: list[str]) -> Region | None:
    """The community, grid or building the request lies in: `address_id`, else attribute[community]."""
    community_values = sub.attributes.get(COMMUNITY_ATTRIBUTE) or []
    community = None
    if community_values:
        community = _region_in(jurisdiction, community_values[0])
        if len(community_values) > 1 or community is None or community.level != Level.COMMUNITY:
            errors.append(f"attribute[{COMMUNITY_ATTRIBUTE}] {community_values[0][:18]} is not a community of this "
                          "jurisdiction; use a key from the service definition")
            return None
    if sub.address_id:
        place = _region_in(jurisdiction, sub.address_id)
        if place is None or place.level not in CASE_LEVELS:
            errors.append(f"address_id {sub.address_id[:18]} is not a community, grid or building code of this "
                          "jurisdiction")
            return None
        if community is not None and not community.contains(place):
            errors.append(f"address_id {place.code} does not lie in attribute[{COMMUNITY_ATTRIBUTE}] {community.code}")
            return None
        return place
    if community is None:
        errors.append(f"attribute[{COMMUNITY_ATTRIBUTE}] was not provided: every request is handled by the community "
                      "it lies in; send attribute[community] (see the service definition) or a region code as "
                      "address_id")
    return community


def _answer(attribute: ServiceAttribute, values: list[str], errors: list[str]) -> str | list[str] | None:
    """Check one attribute's values against its datatype; returns the value to keep."""
    name = f"attribute[{attribute.code}]"
    values = [v for v in values if v.strip()]
    if not values:
        if attribute.required:
            errors.append(f"{name} was not provided: {attribute.description}")
        return None
    keys = dict(attribute.values())
    datatype = attribute.datatype
    if datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
        unknown = [v for v in values if v not in keys]
        if unknown:
            errors.append(f"{name} has values not in the service definition: {', '.join(v[:20] for v in unknown[:5])}")
            return None
        return list(dict.fromkeys(values))
    if len(values) > 1:
        errors.append(f"{name} takes one value")
        return None
    value = values[0].strip()
    if datatype == ServiceAttribute.Datatype.SINGLEVALUELIST and value not in keys:
        errors.append(f"{name} {value[:20]} is not a value of the service definition")
    elif datatype == ServiceAttribute.Datatype.NUMBER:
        try:
            if not Decimal(value).is_finite():
                raise InvalidOperation(value)
        except InvalidOperation:
            errors.append(f"{name} must be a number")
    elif datatype == ServiceAttribute.Datatype.DATETIME:
        try:
            parsed = parse_datetime(value) or parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            errors.append(f"{name} must be an ISO 8601 date or date-time")
    elif datatype == ServiceAttribute.Datatype.STRING and ("\n" in value or len(value) > STRING_MAX_LENGTH):
        errors.append(f"{name} must be one line of at most {STRING_MAX_LENGTH} characters")
    elif datatype == ServiceAttribute.Datatype.TEXT and len(value) > TEXT_MAX_LENGTH:
        errors.append(f"{name} must be at most {TEXT_MAX_LENGTH} characters")
    return value


def _display(attribute: ServiceAttribute, value: str | list[str]) -> str:
    names = dict(attribute.values())
    if isinstance(value, list):
        return "、".join(names.get(v, v) for v in value)
    return names.get(value, value)


def _check_contact(sub: Submission, errors: list[str]) -> None:
    if sub.email:
        try:
            EmailValidator()(sub.email)
        except ValidationError:
            errors.append("email is not a valid e-mail address")
    if sub.media_url:
        try:
            if len(sub.media_url) > 500:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(sub.media_url)
        except ValidationError:
            errors.append("media_url must be an http or https URL of at most 500 characters")
    for name in ("device_id", "account_id"):
        if len(getattr(sub, name)) > ID_MAX_LENGTH:
            errors.append(f"{name} must be at most {ID_MAX_LENGTH} characters")
    if sub.token and not TOKEN_PATTERN.match(sub.token):
        errors.append("Idempotency-Key must be 1 to 40 visible ASCII characters")
    if len(sub.description) > DESCRIPTION_MAX_LENGTH:
        errors.append(f"description must be at most {DESCRIPTION_MAX_LENGTH:,} characters")


def _check_location(sub: Submission, errors: list[str]) -> None:
    if bool(sub.lat) != bool(sub.long):
        errors.append("lat and long must be sent together")
    if not (sub.lat and sub.long) and not sub.address_string and not sub.address_id:
        errors.append("a location was not provided: send lat and long, address_string or address_id")


def _title(description: str, service: Category) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return service.name
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"


def _case_errors(exc: ValidationError) -> list[str]:
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    if "title" in messages and "description" in messages:
        messages.pop("title")  # the title is the description's first line: one complaint is enough
    out = []
    for name, texts in messages.items():
        argument = ARGUMENT_OF_FIELD.get(name, name)
        out.extend(f"{argument}: {text}" if argument != "__all__" else text for text in texts)
    return list(dict.fromkeys(out))


def _existing(api_key: ApiKey, token: str) -> Open311Request | None:
    if not token:
        return None
    return Open311Request.objects.select_related("case").filter(api_key=api_key, token=token).first()


@retry_sqlite_locks
def request_submit(*, api_key: ApiKey, jurisdiction: Jurisdiction, service: Category, sub: Submission) -> Created:
    """Create the case of one POST request; `Open311Error(400)` lists every problem found at once.

    With a token (the client's `Idempotency-Key`), a repeat by the same key answers the request already
    created, also when two repeats race.
    """
    facts = CategoryFacts()
    notice = service_notice(facts.urgency(service.pk))
    found = _existing(api_key, sub.token)
    if found is not None:
        return Created(case=found.case, request=found, created=False, service_notice=notice)

    errors: list[str] = []
    _check_location(sub, errors)
    _check_contact(sub, errors)
    region = _place(jurisdiction, sub, errors)
    answers: dict[str, Any] = {}
    summary: list[str] = []
    for attribute in attributes_for(service):
        if not attribute.variable:
            continue
        value = _answer(attribute, sub.attributes.get(attribute.code, []), errors)
        if value is not None:
            answers[attribute.code] = value
            summary.append(f"【{attribute.description}】{_display(attribute, value)}")
    if errors:
        raise Open311Error(400, errors)

    description = sub.description.strip()
    body = description or f"（通过 Open311 提交的“{service.name}”请求，未填写描述）"
    extra = "\n".join(summary)
    if extra and len(body) + 2 + len(extra) <= DESCRIPTION_MAX_LENGTH:
        body = f"{body}\n\n{extra}"
    contact_name = f"{sub.last_name.strip()}{sub.first_name.strip()}"
    try:
        with transaction.atomic():
            case, created = case_submit(
                actor=None, channel=Channel.API, kind=Kind.PROBLEM, title=_title(description, service),
                description=body, region=region, category=service, address=sub.address_string,
                latitude=sub.lat or None, longitude=sub.long or None, contact_name=contact_name,
                contact_phone=sub.phone, idempotency_key=f"o311-{api_key.pk}-{sub.token}" if sub.token else None,
            )
            if not created:
                existing = Open311Request.objects.filter(case=case).first()
                if existing is not None:
                    return Created(case=case, request=existing, created=False, service_notice=notice)
            row = Open311Request.objects.create(
                case=case, api_key=api_key, jurisdiction_id=jurisdiction.id, token=sub.token or None,
                account_id=sub.account_id, device_id=sub.device_id, email=sub.email, media_url=sub.media_url,
                attributes={COMMUNITY_ATTRIBUTE: region.code[:12] if region else "", **answers},
            )
    except ValidationError as exc:
        raise Open311Error(400, _case_errors(exc)) from exc
    except IntegrityError:
        # The same client token raced in from two requests: the other one won; answer its request.
        found = _existing(api_key, sub.token)
        if found is None:
            raise
        return Created(case=found.case, request=found, created=False, service_notice=notice)
    return Created(case=case, request=row, created=True, service_notice=notice)

