"""Typed domain errors; each carries a catalog code the adapter turns into words."""

from __future__ import annotations

from typing import Any


class DeskError(Exception):
    """Base of every error the desk reports to a user."""

    code = "error.generic"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(self.code, params)


class IllegalTransition(DeskError):
    """A ticket cannot move from its status to the requested one."""

    code = "error.illegal_transition"


class NotAllowed(DeskError):
    """The actor may not do this."""

    code = "error.not_allowed"


class NotFound(DeskError):
    """The thing asked for does not exist or is outside the actor's scope."""

    code = "error.not_found"


class ConcurrentChange(DeskError):
    """Somebody changed the ticket between our read and our write."""

    code = "error.concurrent_change"


class InvalidInput(DeskError):
    """A value from the user does not fit."""

    code = "error.invalid_input"


class UpdateAlreadyHandled(Exception):
    """The update a unit of work belongs to was handled before (Telegram delivered it again);
    nothing of the work is written and nobody is told anything."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was already handled")
        self.update_id = update_id
