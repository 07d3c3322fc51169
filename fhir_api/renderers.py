"""FHIR JSON (``application/fhir+json``) with money written exactly: a ``Decimal`` becomes a JSON number
with the same digits (``Decimal("1234.50")`` → ``1234.50``), never passing through a float."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer

FHIR_JSON = "application/fhir+json"


def dumps(value) -> str:
    """JSON text of plain data (dicts, lists, strings, ints, bools, ``None``, ``Decimal``)."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("FHIR decimals are finite")
        out.append(format(value, "f"))
    elif isinstance(value, float):
        raise TypeError("floats are not written to FHIR: build a Decimal from the integer pence")
    elif value is None or isinstance(value, bool | int | str):
        out.append(json.dumps(value, ensure_ascii=False))
    else:
        raise TypeError(f"cannot write {type(value).__name__} as FHIR JSON")


class FhirJsonRenderer(BaseRenderer):
    media_type = FHIR_JSON
    format = "json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return dumps(data).encode("utf-8")


class FhirOnlyNegotiation(BaseContentNegotiation):
    """FHIR JSON whatever the client asked for (``Accept: application/json`` included); ``_format`` is
    checked by the views."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
