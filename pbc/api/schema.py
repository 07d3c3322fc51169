"""The API's OpenAPI schema: documented error bodies on every operation, and CSV on every read.

Views may still list ``ERRORS_READ``/``ERRORS_WRITE`` in ``extend_schema``; the schema class adds any
error response an operation does not document itself, so a new endpoint cannot forget them.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from pbc.api.exceptions import error_body
from pbc.api.renderers import CSV_MEDIA_TYPE
from pbc.api.serializers import ErrorSerializer

JSON_MEDIA_TYPE = "application/json"


def _error(
    code: int, description: str, message: str, errors: dict | None = None, extra: dict | None = None
) -> OpenApiResponse:
    example = OpenApiExample(
        description,
        value=error_body(message, errors, extra),
        response_only=True,
        status_codes=[str(code)],
    )
    return OpenApiResponse(ErrorSerializer, description=description, examples=[example])


ERROR_400 = _error(
    400,
    "Invalid values; field messages in errors.",
    "The request has invalid values.",
    {"code": ["Not a practice code."]},
)
ERROR_401 = _error(
    401, "Not signed in, or the token is not valid.", "The token is not valid or has been revoked."
)
ERROR_403 = _error(
    403,
    "Your role, or a read-only token, does not allow this.",
    "You do not have permission to perform this action.",
)
ERROR_404 = _error(404, "Not found, or not in your scope.", "Not found, or not in your scope.")
ERROR_409 = _error(
    409,
    "Conflicts with the current state (e.g. not allowed from this status).",
    "This application cannot be approved while it is draft.",
)
ERROR_429 = _error(
    429,
    "Too many requests from this client; wait for the Retry-After seconds.",
    "Too many requests: try again in 30 seconds.",
    extra={"retry_after": 30},
)

ERRORS_READ = {400: ERROR_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 429: ERROR_429}
ERRORS_WRITE = {**ERRORS_READ, 409: ERROR_409}
# The error responses every operation documents; the schema test holds every operation to this.
REQUIRED_ERRORS = {
    "read": {"400", "401", "403", "404", "429"},
    "write": {"400", "401", "403", "404", "409", "429"},
}

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description=(
        "csv: the same data as CSV (also with Accept: text/csv). A list gives every row of the filtered "
        "list in one download, not one page; money stays pounds with two decimals."
    ),
)
CSV_SCHEMA = {
    "type": "string",
    "description": "CSV with a header row; nested values as dotted columns; money as pounds, e.g. -12.50.",
    "example": "code,name,budget\r\nL85001,Abbey Surgery,196000.00\r\n",
}


class AutoSchema(openapi.AutoSchema):
    def _is_read(self) -> bool:
        return self.method in ("GET", "HEAD")

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_read():
            parameters = [*parameters, FORMAT_PARAMETER]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in (ERRORS_READ if self._is_read() else ERRORS_WRITE).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    response, str(code), [JSON_MEDIA_TYPE], direction
                )
        for code, response in responses.items():
            content = response.get("content")
            if not content or CSV_MEDIA_TYPE not in content:
                continue
            if self._is_read() and code.startswith("2"):
                content[CSV_MEDIA_TYPE] = {"schema": CSV_SCHEMA}
            else:
                del content[CSV_MEDIA_TYPE]
        return responses
