"""Schemas shared by the API's routers: the error body and the small references lists embed."""

from enum import Enum
from typing import Annotated

from ninja import Field, Schema

# A record's id as a request names it: beyond a 64-bit integer no row can have it, and the database would
# refuse to compare it (an overflow, not an answer), so the schema refuses it as bad input.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


class RegionBrief(Schema):
    """A region named by its code (the key every endpoint takes) and its name."""

    code: str
    name: str


class OrganisationBrief(Schema):
    id: int
    name: str


def region_ref(region) -> dict | None:
    """`RegionBrief` of a region, or None."""
    return {"code": region.code, "name": region.name} if region is not None else None


def organisation_ref(organisation) -> dict | None:
    """`OrganisationBrief` of an organisation, or None."""
    return {"id": organisation.pk, "name": organisation.name} if organisation is not None else None


def choices_enum(name: str, choices: type[Enum]) -> type[Enum]:
    """A string enum called `name` with the values of a model's `TextChoices`.

    Models name their choices `Kind`, `Status` … in many places; the OpenAPI document keys its schemas
    by class name, so each gets a name of its own here or one would silently replace the other.
    """
    return Enum(name, {member.value: member.value for member in choices}, type=str)
