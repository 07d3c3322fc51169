"""Documented error bodies, shared by every API view's schema."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from pbc.api.serializers import ErrorSerializer

_EXAMPLE_400 = OpenApiExample(
    "Invalid values",
    value={
        "message": "The request has invalid values.",
        "extra": {"fields": {"code": ["Not a practice code."]}},
    },
    response_only=True,
    status_codes=["400"],
)

ERRORS_READ = {
    401: OpenApiResponse(ErrorSerializer, description="Not signed in, or the token is not valid."),
    403: OpenApiResponse(ErrorSerializer, description="Your role does not allow this."),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not in your scope."),
}
ERRORS_WRITE = {
    **ERRORS_READ,
    400: OpenApiResponse(
        ErrorSerializer,
        description="Invalid values; field messages in extra.fields.",
        examples=[_EXAMPLE_400],
    ),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state."),
}
