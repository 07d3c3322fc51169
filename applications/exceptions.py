"""Errors particular to applications (the shared ones are in ``pbc.exceptions``)."""

from pbc.exceptions import ApplicationError


class ConflictOfInterest(ApplicationError):
    """The member has declared an interest in the application, so may not vote on or decide it."""

    status_code = 403
