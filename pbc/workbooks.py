"""Refuse an XLSX "zip bomb" before any parser unpacks it.

An XLSX workbook is a zip archive. A small upload can declare a worksheet that unpacks to gigabytes, and
parsing it burns a worker's CPU for minutes before anything is refused. Every reader of uploaded workbooks
(activity extracts, tariff files) calls :func:`check_xlsx_archive` first: it reads only the archive's
central directory (milliseconds, whatever the file) and refuses the workbook when the members' declared
unpacked sizes add up to more than ``max_unpacked_bytes``, or when any sizeable member is compressed more
than ``max_ratio`` times. Declared sizes can be trusted for this: Python's ``zipfile`` (which openpyxl reads
through) never returns more than a member's declared size and fails on a member that would unpack to more.

Pure: no Django. Services pass the limits from settings (``PBC_XLSX_MAX_UNPACKED_BYTES``,
``PBC_XLSX_MAX_RATIO``) through :meth:`XlsxLimits.from_settings`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["RATIO_FLOOR_BYTES", "WorkbookRefused", "XlsxLimits", "check_xlsx_archive"]

# Members smaller than this are not judged by their ratio: a few kilobytes of styles or shared strings can
# compress very well and never cost anything to parse.
RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True)
class XlsxLimits:
    max_unpacked_bytes: int = 1 << 30  # 1 GiB of XML: about 250 MB of CSV; bigger extracts go as CSV
    max_ratio: int = 100  # real worksheets compress 5-20 times; padding compresses about 1,000 times

    @classmethod
    def from_settings(cls) -> XlsxLimits:
        from django.conf import settings

        return cls(settings.PBC_XLSX_MAX_UNPACKED_BYTES, settings.PBC_XLSX_MAX_RATIO)


class WorkbookRefused(ValueError):
    """The workbook is refused unopened; ``message`` is written for the person who uploaded it."""

    def __init__(self, message: str, extra: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


_ADVICE = "Save it from Excel as CSV and upload that, or split it."


def check_xlsx_archive(archive: zipfile.ZipFile | IO[bytes], limits: XlsxLimits | None = None) -> None:
    """Raise :class:`WorkbookRefused` if the archive declares too much to unpack; reads no member."""
    limits = limits or XlsxLimits()
    if not isinstance(archive, zipfile.ZipFile):
        with zipfile.ZipFile(archive) as opened:
            check_xlsx_archive(opened, limits)
        return
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise WorkbookRefused(
            f"The Excel workbook unpacks to {_mb(total)}; the limit is {_mb(limits.max_unpacked_bytes)}. "
            + _ADVICE,
            {
                "reason": "xlsx_too_large_unpacked",
                "unpacked_bytes": total,
                "max_bytes": limits.max_unpacked_bytes,
            },
        )
    for member in members:
        if member.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_ratio:
            raise WorkbookRefused(
                f"The Excel workbook is compressed far more than a real spreadsheet ({member.filename} "
                f"unpacks to {ratio:,.0f} times its size, {_mb(member.file_size)}; the limit is "
                f"{limits.max_ratio} times), so it was not opened. " + _ADVICE,
                {
                    "reason": "xlsx_compression_ratio",
                    "member": member.filename,
                    "ratio": round(ratio),
                    "max_ratio": limits.max_ratio,
                },
            )
