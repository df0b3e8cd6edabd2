"""The refusals every state machine of the project raises, so that pages and the API answer each one alike.

Each app keeps its own transition table and its own exception classes, with messages that name its
records; they derive from these, and `core.api.errors.service_errors` turns any of them into the
API's error shape without knowing the app.
"""

from __future__ import annotations


class MoveNotAllowed(Exception):
    """The table has no edge for this action from the record's current state."""


class StaleRecord(Exception):
    """Someone changed the record since the caller read it: the compare-and-swap on its version lost."""


class RuleRefused(Exception):
    """A step the rules refuse for a reason with its own error code (a quorum not met, say); nothing changed.

    `status` is the API's answer: 400 by default, 409 where the request was sound but lost to another
    (a slot already booked).
    """

    status = 400

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
