"""Open311 errors: an HTTP status and one or more (code, description) pairs, as the spec lists them.

404 for what does not exist (a jurisdiction, service, request or token), 403 for a missing or invalid
`api_key`, 400 for a missing or invalid argument and for any other failure of the service.
"""

from __future__ import annotations


class Open311Error(Exception):
    """An error answer: `status` for the HTTP header, `errors` for the body (code, description)."""

    def __init__(self, status: int, description: str | list[str], *, headers: dict[str, str] | None = None):
        descriptions = [description] if isinstance(description, str) else list(description)
        super().__init__("; ".join(descriptions))
        self.status = status
        self.errors = [(status, text) for text in descriptions]
        self.headers = headers or {}


def not_provided(name: str) -> Open311Error:
    return Open311Error(400, f"{name} was not provided")


def not_found(name: str, value: str) -> Open311Error:
    return Open311Error(404, f"{name} {value[:64]} was not found")
