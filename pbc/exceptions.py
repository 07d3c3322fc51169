"""Errors that services raise for broken business rules; edges turn them into messages and HTTP codes."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule was broken; ``message`` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows this action."""

    status_code = 409


class Conflict(ApplicationError):
    """The request conflicts with the current state (e.g. it was already done)."""

    status_code = 409


class ImportRejected(ApplicationError):
    """A file cannot be imported; ``extra["errors"]`` lists the rows at fault."""


class ServiceUnavailable(ApplicationError):
    """A service the request needs (e.g. the task queue) cannot be reached just now."""

    status_code = 503
