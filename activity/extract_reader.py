"""Read HES/SUS activity extracts (delimited text or XLSX) into normalised frames.

Pure: no Django, no ORM. Takes a file path or a seekable binary file object and yields pandas frames shaped
by :mod:`activity.extract_schema` (``NORMALISED[dataset]``), a chunk at a time so that memory stays flat however
big the extract is. The costing engine takes it from there.

Decisions a reader of the output must know:

* **Refusals.** A file that cannot be read as the dataset at all (empty, header only, binary, a zip that is not
  a workbook, no recognised delimiter, required columns missing, columns of another dataset, over the size
  limit, an XLSX whose zip declares too much to unpack — see :mod:`pbc.workbooks`) raises :class:`ExtractRejected` when :func:`read_extract` is *called*, before any frame is yielded.
  A few problems are only visible further in (a quote left open for megabytes, a file that changes its
  field count throughout): these raise :class:`ExtractRejected` during iteration, so the caller must load
  all frames inside one transaction and roll back on it.
* **Encodings.** UTF-8 with or without BOM; Windows-1252 when the first megabyte is not valid UTF-8 (and, a
  chunk at a time, when a later chunk is not); UTF-16 *with* a BOM (what Excel's "Unicode text" writes) is
  decoded, not refused. UTF-16 without a BOM is refused as binary.
* **Line numbers.** ``line_no`` is the physical line of the row's first line in the file (header = line 1;
  blank lines count), so quoted fields that contain line breaks are handled: the row after such a field
  gets the right number. In XLSX files it is the worksheet row number.
* **Malformed rows.** A data row whose field count differs from the header's is not yielded; its line is
  listed in :attr:`ReadSummary.malformed_lines` so every row stays accounted for. If such rows are
  widespread the file is refused instead (a wrong delimiter or a damaged file).
* **Episodes.** A HES APC file (one row per episode) is folded into spells; how many episode rows went into
  each spell is in :attr:`ReadSummary.folded_into`. Accounting holds:
  ``rows_read == rows_yielded + episodes_folded + len(malformed_lines)``.
* **Pseudonyms.** The patient pseudonym is replaced by a keyed hash (``patient_key``) as soon as it is read;
  it never appears in a frame or in an error message.
* **Values.** Stripped; HES null tokens (``NULL_TOKENS``) become <NA>; codes are upper-cased, record keys
  and pseudonyms are not. Dates stay text: ``D/M/YYYY`` becomes ``YYYY-MM-DD`` and a time of day is
  dropped, ``1800-01-01`` becomes <NA> and ``1801-01-01`` (invalid) stays as text; anything else is left
  for the costing step to judge. XLSX cells become the text a CSV export would hold (dates ISO, whole
  numbers without ".0"; a code typed as a number has lost its leading zeros, e.g. AEDEPTTYPE ``1``).
  A carriage return that does not end a line (debris inside a value) is read as a space.
* **Codes and lengths.** Provider, treatment function and HRG codes are checked against ``CODE_PATTERNS``
  (a provider from ``PROCODE5`` must be a 5-character site code) and, given ``max_lengths``, values against
  the columns they are stored in. A row that fails is still yielded, with the rejected-row reason in
  ``invalid`` and the offending value (shortened) in ``invalid_value``; the value itself becomes <NA>. The
  costing rejects such rows first. Practice codes are not checked here: a malformed one is unattributed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from activity.extract_schema import (
    ACTIVITY_DATASETS,
    ALIASES,
    CODE_PATTERNS,
    INVALID_VALUE_CHARS,
    NORMALISED,
    NULL_DATES,
    NULL_TOKENS,
    REQUIRED,
    Dataset,
    Reason,
)
from pbc.workbooks import WorkbookRefused, XlsxLimits, check_xlsx_archive

Source = str | os.PathLike[str] | IO[bytes]

SNIFF_BYTES = 1 << 20  # what sniff() looks at: about 1,000 HES rows of 200 columns
READ_BYTES = 8 << 20  # raw bytes read (and parsed by pyarrow) at a time
MAX_RECORD_BYTES = 16 << 20  # a "row" longer than this is an unbalanced quote, not data
SUSPECT_RECORD_BYTES = 1 << 20  # a "row" longer than this is checked with the exact (slow) splitter
MALFORMED_TOLERANCE = 100  # malformed rows accepted before their share of the file is judged

STRING = pd.StringDtype("pyarrow")
_QUOTE = 0x22
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")  # not tab, LF, FF, CR or DOS end-of-file
_DELIMITERS = {",": "comma", "|": "pipe", "\t": "tab"}
_DATASET_NAMES = {
    Dataset.APC: "APC (admitted patient care)",
    Dataset.OP: "OP (outpatients)",
    Dataset.AE: "AE (accident and emergency)",
    Dataset.REF: "a referral extract",
}
# Columns that tell the datasets apart (common columns such as GPPRAC say nothing).
_SPECIFIC = {
    Dataset.APC: ("admidate", "disdate", "admimeth", "classpat", "speldur", "epiorder"),
    Dataset.OP: ("apptdate", "firstatt", "attended"),
    Dataset.AE: ("arrivaldate", "aeattendcat", "aedepttype"),
    Dataset.REF: ("referral_id", "referrer", "first_attendance"),
}
_FALLBACKS = {"tretspef": "mainspef", "disdate": "epiend"}
_CODE_COLUMNS = frozenset(
    {"gpprac", "procode3", "tretspef", "hrg", "admimeth", "classpat", "firstatt", "attended"}
    | {"aeattendcat", "aedepttype", "speldur", "startage", "epiorder"}
    | {"refsourc", "priority", "referrer", "first_attendance"}
)
_DATE_COLUMNS = frozenset({"admidate", "disdate", "apptdate", "arrivaldate", "reqdate"})
# Identifiers replaced by their keyed hash as soon as they are read: output column → source column.
_HASHED = {"patient_key": "patient", "referral_key": "referral_id"}
_AS_GIVEN = frozenset({"record_key", "spell_id"})  # stripped, never upper-cased
_EPISODE_EXTRAS = ("spell_id", "epiorder")  # carried internally to fold episodes into spells
_UNKNOWN_EPIORDER = 98  # HES EPIORDER 98 "not applicable" and 99 "not known" rank below real orders


class ExtractRejected(ValueError):
    """The file cannot be read as the dataset at all; ``message`` is written for an information analyst.

    ``extra`` carries the same facts for machines (missing columns, sizes, the line concerned, …) and never
    contains patient data.
    """

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, Any] = dict(extra or {})


@dataclass(frozen=True)
class FileInfo:
    """What :func:`sniff` found out about a file, before reading its rows."""

    format: Literal["delimited", "xlsx"]
    size_bytes: int
    headers: tuple[str, ...]
    encoding: str | None = None  # "utf-8", "utf-8-sig", "cp1252" or "utf-16" (delimited only)
    delimiter: str | None = None  # ",", "|" or "\t"
    newline: Literal["CRLF", "LF", "CR"] | None = None
    quoted: bool = False  # some field starts with a double quote
    header_line: int = 1  # line (worksheet row) holding the header; blank lines above it are skipped
    sheet: str | None = None  # XLSX: the worksheet read (always the first)


@dataclass(frozen=True)
class ColumnMap:
    """Canonical column → the header it is read from (after aliases and fallbacks)."""

    index: dict[str, int]  # canonical → 0-based position in the header
    source: dict[str, str]  # canonical → header name as written in the file
    procode3_from_procode5: bool = False
    # Row by row: where the target is blank, take the fallback column's value (HES DISDATE ← EPIEND).
    row_fill: dict[str, int] = field(default_factory=dict)
    fill_source: dict[str, str] = field(default_factory=dict)  # target → fallback header as written


@dataclass
class ReadSummary:
    """Counts that account for every data row; complete once the stream is exhausted."""

    rows_read: int = 0  # data rows in the file (blank lines are not rows)
    rows_yielded: int = 0  # rows in the frames (spells, for an episode file)
    episodes_folded: int = 0  # episode rows merged into another row's spell
    folded_into: dict[int, int] = field(default_factory=dict)  # spell line_no → episodes folded into it
    malformed_lines: list[int] = field(default_factory=list)  # rows with the wrong number of fields
    chunks: int = 0
    # Bytes of the file read so far (delimited text; an XLSX workbook is unzipped, so it stays 0 until the
    # end): with ``FileInfo.size_bytes``, how far a long job has got.
    bytes_read: int = 0


# --------------------------------------------------------------------------------------------------------
# Headers and datasets


def _norm_header(name: object) -> str:
    return str(name if name is not None else "").replace("\ufeff", "").strip().upper()


def resolve_columns(headers: Sequence[str]) -> ColumnMap:
    """Map canonical columns to header positions: case-insensitive, any order, first alias present wins."""
    position: dict[str, int] = {}
    for i, name in enumerate(headers):
        position.setdefault(_norm_header(name), i)  # a repeated header: the first one counts
    index: dict[str, int] = {}
    for canonical, aliases in ALIASES.items():
        for alias in aliases:
            if alias in position:
                index[canonical] = position[alias]
                break
    row_fill: dict[str, int] = {}
    for target, fallback in _FALLBACKS.items():
        if fallback not in index:
            continue
        if target not in index:
            index[target] = index[fallback]
        elif index[target] != index[fallback]:
            row_fill[target] = index[fallback]
    derived = "procode3" not in index and "procode5" in index
    if derived:
        index["procode3"] = index["procode5"]
    return ColumnMap(
        index=index,
        source={c: str(headers[i]).strip() for c, i in index.items()},
        procode3_from_procode5=derived,
        row_fill=row_fill,
        fill_source={c: str(headers[i]).strip() for c, i in row_fill.items()},
    )


def _missing(cols: ColumnMap, dataset: Dataset) -> list[str]:
    return [c for c in REQUIRED[dataset] if c not in cols.index]


def _describe(canonical: str) -> str:
    """How an analyst would recognise the column: its HES name and accepted alternatives."""
    names = list(ALIASES[canonical])
    if canonical in _FALLBACKS:
        names += list(ALIASES[_FALLBACKS[canonical]])
    if canonical == "procode3":
        names.append("PROCODE5")
    return names[0] + (f" (or {', '.join(names[1:])})" if len(names) > 1 else "")


def detect_dataset(headers: Sequence[str]) -> Dataset:
    """The dataset whose required columns the headers carry; ties go to the most dataset-specific columns."""
    cols = resolve_columns(headers)

    def specific(ds: Dataset) -> int:
        return sum(c in cols.index for c in _SPECIFIC[ds])

    complete = [ds for ds in ACTIVITY_DATASETS if not _missing(cols, ds)]
    if complete:
        return max(complete, key=specific)
    closest = min(ACTIVITY_DATASETS, key=lambda ds: (len(_missing(cols, ds)), -specific(ds)))
    missing = _missing(cols, closest)
    raise ExtractRejected(
        "The columns do not match any activity extract. Closest is "
        f"{_DATASET_NAMES[closest]}, which also needs: {'; '.join(_describe(c) for c in missing)}.",
        {"closest": closest.value, "missing": missing},
    )


def check_columns(headers: Sequence[str], dataset: Dataset | str) -> ColumnMap:
    """Resolve the columns and refuse a file that cannot be read as ``dataset``, naming what is missing."""
    dataset = Dataset(dataset)
    cols = resolve_columns(headers)
    missing = _missing(cols, dataset)
    if not missing:
        return cols
    looks_like = [ds for ds in Dataset if ds != dataset and not _missing(cols, ds)]
    names = "; ".join(_describe(c) for c in missing)
    if looks_like:
        other = max(looks_like, key=lambda ds: sum(c in cols.index for c in _SPECIFIC[ds]))
        raise ExtractRejected(
            f"This looks like an {_DATASET_NAMES[other]} extract, but it was uploaded as "
            f"{_DATASET_NAMES[dataset]}. Choose the right dataset, or upload the right file "
            f"({_DATASET_NAMES[dataset]} needs: {names}).",
            {"dataset": dataset.value, "looks_like": other.value, "missing": missing},
        )
    raise ExtractRejected(
        f"The file cannot be read as {_DATASET_NAMES[dataset]}: required column"
        f"{'s are' if len(missing) > 1 else ' is'} missing: {names}. Column names are matched ignoring "
        "case and order.",
        {"dataset": dataset.value, "missing": missing},
    )


def is_episode_level(headers: Sequence[str]) -> bool:
    """A HES APC file has one row per episode (EPIORDER, or EPIKEY without SUSSPELLID); SUS PbR one per spell."""
    names = {_norm_header(h) for h in headers}
    return "EPIORDER" in names or ("EPIKEY" in names and "SUSSPELLID" not in names)


# --------------------------------------------------------------------------------------------------------
# Opening and sniffing


class _Opened:
    """A binary stream from a path (opened and closed here) or a caller's file object (rewound, left open)."""

    def __init__(self, source: Source) -> None:
        if isinstance(source, str | os.PathLike):
            self.stream: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed in __exit__
            self.owned = True
        else:
            if not (hasattr(source, "read") and hasattr(source, "seek")):
                raise TypeError("expected a path or a seekable binary file object")
            self.stream = source
            self.owned = False
            self.stream.seek(0)

    def __enter__(self) -> IO[bytes]:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            self.stream.close()
        else:
            self.stream.seek(0)


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _position(stream: IO[bytes], size: int) -> int:
    """How far into the file the reader is (at most a read-ahead block beyond the rows yielded)."""
    try:
        return min(stream.tell(), size)
    except (OSError, ValueError):  # an unseekable or closed stream: progress is simply not known
        return 0


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


def sniff(source: Source, *, max_bytes: int | None = None, xlsx_limits: XlsxLimits | None = None) -> FileInfo:
    """Detect the file's format, encoding, delimiter and header; refuse what cannot be an activity extract.

    Looks at the first megabyte only (plus the size), so it is cheap on any file. An XLSX workbook whose
    archive declares more than ``xlsx_limits`` (default :class:`XlsxLimits`) to unpack is refused unopened.
    """
    with _Opened(source) as stream:
        size = _size(stream)
        if max_bytes is not None and size > max_bytes:
            raise ExtractRejected(
                f"The file is {_mb(size)}; the limit is {_mb(max_bytes)}. Split the extract (for example by "
                "month) and upload the parts.",
                {"size_bytes": size, "max_bytes": max_bytes},
            )
        head = stream.read(SNIFF_BYTES)
        if isinstance(head, str):
            raise TypeError("open the file in binary mode ('rb')")
        if size == 0 or not head:
            raise ExtractRejected("The file is empty.", {"size_bytes": size})
        if head.startswith(b"PK\x03\x04"):
            stream.seek(0)
            return _sniff_xlsx(stream, size, xlsx_limits or XlsxLimits())
        return _sniff_text(head, size)


def _refuse_binary(what: str) -> ExtractRejected:
    return ExtractRejected(
        f"{what} Upload the extract as a CSV (comma, pipe or tab separated, UTF-8 or Windows-1252) or as an "
        "Excel .xlsx workbook.",
        {"reason": "not_delimited_text"},
    )


def _sniff_text(head: bytes, size: int) -> FileInfo:
    complete = len(head) >= size
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse_binary("This is an old-style Excel .xls workbook (or a password-protected one).")
    if head.startswith(b"%PDF"):
        raise _refuse_binary("This is a PDF document, not an extract.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        text = codecs.getincrementaldecoder("utf-16")("replace").decode(head, final=complete)
    else:
        if b"\x00" in head:
            raise _refuse_binary(
                "The file contains binary data (NUL bytes): it is not a text extract, or it is UTF-16 "
                "text without a byte-order mark."
            )
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            encoding = "cp1252"
            text = head.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    controls = len(_CONTROL.findall(text))  # random bytes are full of them; text has next to none
    if controls > max(2, len(text) // 1000):
        raise _refuse_binary("The file contains binary data, not delimited text.")
    if not text.strip():
        raise ExtractRejected("The file contains no text: it is empty apart from blank space.")

    blank_lines = 0
    body = text
    while True:
        m = re.match(r"\r\n|\n|\r", body)  # empty lines only, as the reader skips them
        if not m:
            break
        blank_lines += 1
        body = body[m.end() :]
    first_line = re.split(r"\r\n|\n|\r", body, maxsplit=1)[0]
    if not complete and len(first_line) == len(body):
        raise _refuse_binary(
            "The first megabyte of the file holds no line break: it is not a delimited file."
        )
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        hint = " It seems to use semicolons: save it with commas." if ";" in unquoted else ""
        raise ExtractRejected(
            "No comma, pipe or tab separates the column names on the header line, so this is not a "
            f"delimited extract.{hint}",
            {"reason": "no_delimiter"},
        )
    ending = re.search(r"\r\n|\n|\r", body)
    newline: Literal["CRLF", "LF", "CR"] = (
        "LF" if ending is None else {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[ending.group()]
    )

    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    try:
        header = next(reader)
        has_data = any(any(f.strip() for f in row) for row in reader)
    except csv.Error as exc:
        raise _refuse_binary(f"The header of the file cannot be read ({exc}).") from None
    headers = tuple(h.strip() for h in header)
    if complete and not has_data:
        raise ExtractRejected(
            "The file has a header row but no data rows.", {"reason": "no_data_rows", "headers": len(headers)}
        )
    quoted = re.search(rf'(^|[{re.escape(delimiter)}\r\n])"', body[:65536]) is not None
    return FileInfo(
        format="delimited",
        size_bytes=size,
        headers=headers,
        encoding=encoding,
        delimiter=delimiter,
        newline=newline,
        quoted=quoted,
        header_line=blank_lines + 1,
    )


def _open_workbook(stream: IO[bytes], limits: XlsxLimits | None) -> Any:
    """The workbook, read-only; with ``limits``, refused first if it declares too much to unpack (a zip
    bomb). :func:`sniff` checks; the row reader that follows it opens the same file without checking again."""
    import openpyxl  # local: only XLSX uploads pay for it

    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if limits is not None:
                check_xlsx_archive(archive, limits)
    except zipfile.BadZipFile:
        raise _refuse_binary("The file starts like a zip archive but is damaged.") from None
    except WorkbookRefused as exc:
        raise ExtractRejected(exc.message, exc.extra) from None
    if "xl/workbook.xml" not in names:
        raise _refuse_binary("This is a zip archive, not an Excel .xlsx workbook.")
    stream.seek(0)
    try:
        return openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise _refuse_binary("The Excel workbook cannot be opened (it is damaged or not an .xlsx).") from None


def _xlsx_rows(workbook: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Rows of the first worksheet with their row numbers (read-only mode fills gaps with empty rows)."""
    yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)


def _blank_row(row: tuple[Any, ...]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _sniff_xlsx(stream: IO[bytes], size: int, limits: XlsxLimits) -> FileInfo:
    workbook = _open_workbook(stream, limits)
    try:
        if not workbook.worksheets:
            raise ExtractRejected("The workbook has no worksheets.")
        sheet = workbook.worksheets[0].title
        rows = _xlsx_rows(workbook)
        header_line, headers = 0, ()
        for number, row in rows:
            if not _blank_row(row):
                header_line = number
                headers = tuple("" if v is None else str(v).strip() for v in row)
                break
        if not header_line:
            raise ExtractRejected(f"The first worksheet ({sheet}) is empty.")
        while headers and not headers[-1]:
            headers = headers[:-1]
        if not any(not _blank_row(row) for _, row in rows):
            raise ExtractRejected(
                f"The first worksheet ({sheet}) has a header row but no data rows.",
                {"reason": "no_data_rows"},
            )
    finally:
        workbook.close()
    return FileInfo(format="xlsx", size_bytes=size, headers=headers, header_line=header_line, sheet=sheet)


# --------------------------------------------------------------------------------------------------------
# Delimited text: records, line numbers and parsing


def _utf8_blocks(stream: IO[bytes], encoding: str) -> Iterator[bytes]:
    """Raw blocks as UTF-8 (transcoded if need be), so quotes and line breaks are plain bytes.

    A block of a file sniffed as UTF-8 is passed through untouched and may still hold stray Windows-1252
    bytes: _parse_piece decodes such a piece as Windows-1252 when pyarrow finds it invalid.
    """
    if encoding == "utf-16":
        decoder = codecs.getincrementaldecoder("utf-16")("replace")
        while block := stream.read(READ_BYTES):
            yield decoder.decode(block).lstrip("\ufeff").encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")
        return
    first = True
    while block := stream.read(READ_BYTES):
        if first and block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8) :]
        first = False
        yield block.decode("cp1252", errors="replace").encode("utf-8") if encoding == "cp1252" else block


def _blank_lone_cr(buf: bytes, at_eof: bool) -> bytes:
    """A carriage return that does not end a line becomes a space.

    pyarrow would take it for a line break and split the row (Python's csv refuses it): in an LF or CRLF
    file it is debris inside a value (a pasted cell), never the end of a row.
    """
    if buf.count(b"\r") == buf.count(b"\r\n"):
        return buf
    arr = np.frombuffer(buf, dtype=np.uint8).copy()
    cr = np.flatnonzero(arr == 0x0D)
    after = cr + 1
    last = after >= len(arr)  # a CR at the very end may meet its LF in the next block
    lone = np.zeros(len(cr), dtype=bool)
    lone[~last] = arr[after[~last]] != 0x0A
    lone[last] = at_eof
    arr[cr[lone]] = 0x20
    return arr.tobytes()


@dataclass
class _Records:
    """Complete records at the start of a buffer: where they end, and the line each non-empty one starts on."""

    consumed: int  # bytes up to the end of the last complete record
    lines: int  # physical lines those bytes span
    starts: np.ndarray  # start line of each non-empty record, relative to the buffer's first line (0-based)


def _split_fast(buf: bytes, term: int, at_eof: bool) -> _Records:
    """Record boundaries by quote parity: a line break ends a record when an even number of quotes precede it.

    Vectorised (numpy), so it costs little next to parsing. It is wrong only for a stray quote in the middle
    of a field, which pyarrow and Python's csv both read as a plain character: the caller notices (row counts
    differ, or a "record" grows huge) and falls back to _split_exact.
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    breaks = np.flatnonzero(arr == term)
    if buf.find(b'"') >= 0:
        quotes = np.flatnonzero(arr == _QUOTE)
        end_idx = np.flatnonzero((np.searchsorted(quotes, breaks) & 1) == 0)
    else:
        end_idx = np.arange(len(breaks))
    ends = breaks[end_idx].astype(np.int64)  # position of each record's line break
    lines_after = (end_idx + 1).astype(np.int64)  # lines consumed once each record is read
    consumed = int(ends[-1]) + 1 if len(ends) else 0
    if at_eof and consumed < len(buf):  # a last record with no line break after it
        ends = np.append(ends, len(buf))
        lines_after = np.append(lines_after, lines_after[-1] + 1 if len(lines_after) else 1)
        consumed = len(buf)
    if not len(ends):
        return _Records(0, 0, np.empty(0, dtype=np.int64))
    lines = int(lines_after[-1])
    start_pos = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    start_line = np.concatenate(([0], lines_after[:-1])).astype(np.int64)
    length = ends - start_pos
    first_byte = arr[np.minimum(start_pos, len(arr) - 1)]
    empty = (length == 0) | ((length == 1) & (first_byte == 0x0D))  # pyarrow skips empty lines
    return _Records(consumed, lines, start_line[~empty])


def _csv_lines(buf: bytes, term: int, at_eof: bool) -> tuple[list[int], Iterator[str]]:
    arr = np.frombuffer(buf, dtype=np.uint8)
    line_ends = (np.flatnonzero(arr == term) + 1).tolist()
    if at_eof and (line_ends[-1] if line_ends else 0) < len(buf):
        line_ends.append(len(buf))

    def lines() -> Iterator[str]:
        prev = 0
        for end in line_ends:
            yield buf[prev:end].decode("utf-8", errors="replace")
            prev = end

    return line_ends, lines()


def _split_exact(buf: bytes, term: int, at_eof: bool, delimiter: str, line_base: int) -> _Records:
    """Record boundaries as Python's csv module sees them (the same quoting rules as pyarrow): slow, exact."""
    line_ends, lines = _csv_lines(buf, term, at_eof)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    ends: list[int] = []  # lines consumed at the end of each record
    empty: list[bool] = []
    try:
        for row in reader:
            ends.append(reader.line_num)
            empty.append(not row)
    except csv.Error:
        where = line_base + (ends[-1] if ends else 0)
        raise ExtractRejected(
            f"Line {where} (or the one after) cannot be read: a field holds a line break without quotes "
            "around it, or a quote is never closed.",
            {"reason": "unreadable_line", "line_no": where},
        ) from None
    if not at_eof and ends:  # the last record may go on in the next block
        ends.pop()
        empty.pop()
    if not ends:
        return _Records(0, 0, np.empty(0, dtype=np.int64))
    starts = np.array([0, *ends[:-1]], dtype=np.int64)
    return _Records(line_ends[ends[-1] - 1], ends[-1], starts[~np.array(empty, dtype=bool)])


def _header_end(buf: bytes, term: int, at_eof: bool, delimiter: str) -> tuple[int, int] | None:
    """(bytes, lines) up to the end of the header record (leading blank lines included); None: read more."""
    line_ends, lines = _csv_lines(buf[:SNIFF_BYTES], term, at_eof and len(buf) <= SNIFF_BYTES)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        for row in reader:
            if row:
                if reader.line_num < len(line_ends) or at_eof:
                    return line_ends[reader.line_num - 1], reader.line_num
                return None
    except csv.Error:
        pass
    if at_eof or len(buf) >= SNIFF_BYTES:
        raise ExtractRejected("The header row cannot be read.", {"reason": "no_header"})
    return None


@dataclass
class _Parsed:
    table: pa.Table  # the needed columns, named "c<header position>"
    malformed: list[int]  # 0-based positions, among the piece's non-empty records, of rows skipped


def _parse_piece(piece: bytes, ncols: int, include: list[int], delimiter: str, *, transcode: bool) -> _Parsed:
    """Parse complete records with pyarrow, converting only the needed columns (200-column files stay cheap)."""
    if transcode:
        piece = piece.decode("cp1252", errors="replace").encode("utf-8")
    names = [f"c{i}" for i in range(ncols)]

    def parse() -> tuple[pa.Table, list[int | None]]:
        bad: list[int | None] = []

        def skip(row: Any) -> str:  # row.text holds patient data: never kept
            bad.append(row.number)
            return "skip"

        table = pacsv.read_csv(
            pa.py_buffer(piece),
            # Single-threaded: the parse is a small share of the time, and only then are row numbers known.
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=4 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=piece.find(b'"') >= 0,
                ignore_empty_lines=True,
                invalid_row_handler=skip,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[i] for i in include],
                column_types={names[i]: pa.string() for i in include},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return table, bad

    try:
        table, bad = parse()
    except pa.ArrowInvalid as exc:
        if not transcode and "UTF8" in str(exc):  # a later part in Windows-1252: decode it as such
            return _parse_piece(piece, ncols, include, delimiter, transcode=True)
        raise ExtractRejected(  # pyarrow's own message may quote the row, patient data included: not shown
            "Part of the file cannot be read as delimited text (damaged, or formats mixed).",
            {"reason": "unparseable"},
        ) from None
    return _Parsed(table, sorted(int(n) - 1 for n in bad if n is not None))


def _delimited_chunks(
    stream: IO[bytes], info: FileInfo, include: list[int], chunk_rows: int, summary: ReadSummary
) -> Iterator[tuple[dict[int, pa.ChunkedArray], np.ndarray]]:
    """Raw (not yet normalised) columns by header position, with line numbers, ``chunk_rows`` rows at a time.

    Reads READ_BYTES at a time, cuts the buffer after its last complete record (so the line number of every
    record is known), parses those records with pyarrow and keeps the remainder for the next block: memory
    stays at a few blocks plus one chunk of the narrow columns.
    """
    assert info.delimiter is not None and info.encoding is not None
    delimiter, ncols = info.delimiter, len(info.headers)
    term = 0x0D if info.newline == "CR" else 0x0A
    pending: list[pa.Table] = []
    pending_lines: list[np.ndarray] = []
    pending_rows = 0
    buf = b""
    line = 1  # physical line number of buf[0]
    header_done = False
    blocks = _utf8_blocks(stream, info.encoding)
    at_eof = False
    while not at_eof:
        block = next(blocks, None)
        if block is None:
            at_eof = True
        elif block:
            buf = buf + block if buf else block
        if term == 0x0A:
            buf = _blank_lone_cr(buf, at_eof)
        if not header_done:
            found = _header_end(buf, term, at_eof, delimiter)
            if found is None:
                continue
            buf, line, header_done = buf[found[0] :], line + found[1], True
        if not buf:
            continue
        recs, exact = _split_fast(buf, term, at_eof), False
        if len(buf) - recs.consumed > SUSPECT_RECORD_BYTES:  # most likely a stray quote mid-field
            recs, exact = _split_exact(buf, term, at_eof, delimiter, line), True
        if recs.consumed == 0:
            if len(buf) > MAX_RECORD_BYTES:
                raise ExtractRejected(
                    f"From line {line} the file holds more than {_mb(MAX_RECORD_BYTES)} without a complete "
                    "row: a quote is probably never closed.",
                    {"reason": "unbalanced_quote", "line_no": line},
                )
            continue  # read more: the record goes on in the next block
        if not len(recs.starts):  # blank lines only
            buf, line = buf[recs.consumed :], line + recs.lines
            continue
        parsed = _parse_piece(buf[: recs.consumed], ncols, include, delimiter, transcode=False)
        if parsed.table.num_rows + len(parsed.malformed) != len(recs.starts) and not exact:
            recs = _split_exact(buf, term, at_eof, delimiter, line)
            if recs.consumed == 0:
                continue
            parsed = _parse_piece(buf[: recs.consumed], ncols, include, delimiter, transcode=False)
        if parsed.table.num_rows + len(parsed.malformed) != len(recs.starts):
            raise ExtractRejected(
                f"The rows from line {line} cannot be told apart reliably: check the quotes in that part of "
                "the file.",
                {"reason": "inconsistent_quoting", "line_no": line},
            )
        lines_no = recs.starts + line
        if parsed.malformed:
            summary.malformed_lines.extend(lines_no[parsed.malformed].tolist())
            lines_no = np.delete(lines_no, parsed.malformed)
        summary.rows_read += len(recs.starts)
        _check_malformed(summary, ncols)
        if parsed.table.num_rows:
            pending.append(parsed.table)
            pending_lines.append(lines_no)
            pending_rows += parsed.table.num_rows
        buf, line = buf[recs.consumed :], line + recs.lines
        while pending_rows >= chunk_rows:
            yield _take(pending, pending_lines, chunk_rows)
            pending_rows -= chunk_rows
    if buf.strip():  # every byte is either a record or a blank line by now; anything else is a bug here
        raise ExtractRejected(f"The end of the file, from line {line}, cannot be read.", {"line_no": line})
    if pending_rows:
        yield _take(pending, pending_lines, pending_rows)


def _check_malformed(summary: ReadSummary, ncols: int) -> None:
    bad = len(summary.malformed_lines)
    if bad > MALFORMED_TOLERANCE and bad * 10 > summary.rows_read:
        first = summary.malformed_lines[0]
        raise ExtractRejected(
            f"{bad:,} of the first {summary.rows_read:,} rows do not have the header's {ncols} fields "
            f"(the first is line {first}): the file is damaged, truncated, or uses another delimiter.",
            {"reason": "malformed_rows", "malformed": bad, "rows_read": summary.rows_read, "line_no": first},
        )


def _take(
    pending: list[pa.Table], pending_lines: list[np.ndarray], n: int
) -> tuple[dict[int, pa.ChunkedArray], np.ndarray]:
    """Pop the first ``n`` rows from the pending pieces."""
    table = pa.concat_tables(pending)
    lines = np.concatenate(pending_lines)
    out, rest = table.slice(0, n), table.slice(n)
    pending.clear()
    pending_lines.clear()
    if rest.num_rows:
        pending.append(rest)
        pending_lines.append(lines[n:])
    columns = {int(name[1:]): out.column(name) for name in out.column_names}
    return columns, lines[:n].astype(np.int64)


# --------------------------------------------------------------------------------------------------------
# XLSX


def _cell_text(value: Any) -> str | None:
    """Cell value as the text a CSV export would hold (dates ISO, whole numbers without ".0")."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_chunks(
    stream: IO[bytes], info: FileInfo, include: list[int], chunk_rows: int, summary: ReadSummary
) -> Iterator[tuple[dict[int, pa.ChunkedArray], np.ndarray]]:
    workbook = _open_workbook(stream, None)  # sniff() has checked its declared sizes
    try:
        columns: dict[int, list[str | None]] = {i: [] for i in include}
        lines: list[int] = []

        def flush() -> tuple[dict[int, pa.ChunkedArray], np.ndarray]:
            out = {i: pa.chunked_array([pa.array(v, type=pa.string())]) for i, v in columns.items()}
            result = out, np.array(lines, dtype=np.int64)
            for v in columns.values():
                v.clear()
            lines.clear()
            return result

        for number, row in _xlsx_rows(workbook):
            if number <= info.header_line or _blank_row(row):
                continue
            summary.rows_read += 1
            lines.append(number)
            for i in include:
                columns[i].append(_cell_text(row[i]) if i < len(row) else None)
            if len(lines) >= chunk_rows:
                yield flush()
        if lines:
            yield flush()
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------------------
# Normalisation


_NULLS = pa.array(sorted(NULL_TOKENS), type=pa.string())
_NULL_DATES = pa.array(sorted(NULL_DATES), type=pa.string())
_NULL_STRING = pa.scalar(None, type=pa.string())


def _clean(values: pa.ChunkedArray | pa.Array, *, upper: bool) -> pa.ChunkedArray | pa.Array:
    values = pc.utf8_trim_whitespace(values)
    if upper:
        values = pc.utf8_upper(values)
    return pc.if_else(pc.is_in(values, value_set=_NULLS), _NULL_STRING, values)


def _clean_date(values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """``D/M/YYYY`` → ``YYYY-MM-DD`` and a time of day dropped; other text is left for the costing step.

    1800-01-01 (null) becomes <NA>; 1801-01-01 (invalid) stays as text so it can be told from missing.
    """
    values = _clean(values, upper=False)
    if pc.any(pc.match_substring(values, "/")).as_py():  # regexes only for the files that need them
        values = pc.replace_substring_regex(values, r"^(\d)/", r"0\1/")
        values = pc.replace_substring_regex(values, r"^(\d\d)/(\d)/", r"\1/0\2/")
        values = pc.replace_substring_regex(values, r"^(\d\d)/(\d\d)/(\d{4})$", r"\3-\2-\1")
    if (pc.max(pc.utf8_length(values)).as_py() or 0) > 10:
        values = pc.replace_substring_regex(
            values, r"^(\d{4}-\d\d-\d\d)[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$", r"\1"
        )
    return pc.if_else(pc.is_in(values, value_set=_NULL_DATES), _NULL_STRING, values)


class _PatientHasher:
    """HMAC-SHA256 (RFC 2104) keyed with the salt, hex, first 32 characters: joinable, not reversible.

    Written out over hashlib's precomputed inner and outer states because ``hmac.new`` per value costs
    twice as much, which matters at a million rows; a test checks it against the ``hmac`` module.
    """

    def __init__(self, salt: bytes) -> None:
        key = hashlib.sha256(salt).digest() if len(salt) > 64 else salt
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]

    def keys(self, values: pa.ChunkedArray) -> pa.ChunkedArray:
        """Hash each distinct pseudonym once; nulls stay null."""
        encoded = pc.dictionary_encode(values).combine_chunks()
        keys = [self.hexdigest(v) for v in encoded.dictionary.to_pylist()]
        return pa.chunked_array([pc.take(pa.array(keys, type=pa.string()), encoded.indices)])


class _Checks:
    """Per row, the first value that breaks its code pattern or is longer than where it is stored: the row
    is rejected with that reason (columns ``invalid`` and ``invalid_value``) and the value becomes <NA>, so
    nothing over-long or malformed travels on into the costing or the database."""

    def __init__(self, n: int, max_lengths: Mapping[str, int]) -> None:
        self.max_lengths = max_lengths
        self.reason: pa.ChunkedArray = pa.chunked_array([pa.nulls(n, type=pa.string())])
        self.value: pa.ChunkedArray = pa.chunked_array([pa.nulls(n, type=pa.string())])

    def apply(self, name: str, values: Any, *, header: str) -> Any:
        """``values`` of column ``name`` with the bad ones nulled (a column with no checks is returned as is)."""
        checks: list[tuple[Any, Reason]] = []
        pattern = CODE_PATTERNS.get(name)
        if pattern is not None:
            matches = pc.match_substring_regex(values, f"^(?:{pattern[0]})$")
            checks.append((pc.fill_null(pc.invert(matches), False), pattern[1]))
        limit = self.max_lengths.get(name)
        if limit is not None:
            checks.append(
                (pc.fill_null(pc.greater(pc.utf8_length(values), limit), False), Reason.VALUE_TOO_LONG)
            )
        any_bad = None
        for bad, reason in checks:
            if not pc.any(bad).as_py():
                continue
            first = pc.and_(bad, pc.is_null(self.reason))
            self.reason = pc.if_else(first, pa.scalar(reason.value), self.reason)
            self.value = pc.if_else(first, self._shown(values, header), self.value)
            any_bad = bad if any_bad is None else pc.or_(any_bad, bad)
        return values if any_bad is None else pc.if_else(any_bad, _NULL_STRING, values)

    @staticmethod
    def _shown(values: Any, header: str) -> Any:
        keep = INVALID_VALUE_CHARS
        long = pc.fill_null(pc.greater(pc.utf8_length(values), keep), False)
        short = pc.if_else(
            long,
            pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, keep - 1), "\u2026", ""),
            values,
        )
        return pc.binary_join_element_wise(f"{header}: ", short, "")


def _normalise(
    raw: dict[int, pa.ChunkedArray],
    lines: np.ndarray,
    cols: ColumnMap,
    wanted: Sequence[str],
    hasher: _PatientHasher | None,
    max_lengths: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    n = len(lines)
    arrays: dict[str, pa.Array | pa.ChunkedArray] = {}
    checks = _Checks(n, max_lengths or {})
    for name in wanted:
        if name in ("line_no", "invalid", "invalid_value"):
            continue
        source = _HASHED.get(name, name)
        if source not in cols.index or (name in _HASHED and hasher is None):
            arrays[name] = pa.chunked_array([pa.nulls(n, type=pa.string())])
            continue
        values = raw[cols.index[source]]
        if name in _HASHED:
            arrays[name] = hasher.keys(_clean(values, upper=False))
        elif name in _DATE_COLUMNS:
            arrays[name] = _clean_date(values)
            if name in cols.row_fill:
                arrays[name] = pc.coalesce(arrays[name], _clean_date(raw[cols.row_fill[name]]))
        elif name in _AS_GIVEN:
            arrays[name] = checks.apply(name, _clean(values, upper=False), header=cols.source[source])
        else:
            values = _clean(values, upper=name in _CODE_COLUMNS)
            header = cols.source[source]
            if name in cols.row_fill:
                values = pc.coalesce(values, _clean(raw[cols.row_fill[name]], upper=name in _CODE_COLUMNS))
                header = f"{header} (or {cols.fill_source[name]})"
            if name == "procode3" and cols.procode3_from_procode5:  # the provider of a valid site code
                values = pc.utf8_slice_codeunits(checks.apply("procode5", values, header=header), 0, 3)
            values = checks.apply(name, values, header=header)
            arrays[name] = values
    if "invalid" in wanted:
        arrays["invalid"], arrays["invalid_value"] = checks.reason, checks.value
    table = pa.table(arrays)
    frame = table.to_pandas(types_mapper=lambda t: STRING if pa.types.is_string(t) else None)
    frame.insert(0, "line_no", lines.astype(np.int64))
    return frame[list(wanted)]


# --------------------------------------------------------------------------------------------------------
# Episodes → spells


def group_episodes_into_spells(
    frames: Iterable[pd.DataFrame], *, chunk_rows: int = 250_000
) -> list[pd.DataFrame]:
    """Fold HES episode rows into spells; the spell is its last episode's row, with a count of the others.

    Input frames: ``NORMALISED[APC]`` columns plus optional ``spell_id`` (SUSSPELLID) and ``epiorder``.
    Episodes share a spell when their ``spell_id`` is equal; rows without one fall back to the same
    (patient_key, procode3, admidate), and a row missing any of those stays a spell of its own (unknowns are
    never merged). The last episode is the highest numeric ``epiorder`` (98/99 "not applicable/known" and
    non-numbers rank lowest), then the latest line: its discharge date, HRG, record key and every other field
    — and its ``line_no`` — become the spell's. Output frames: ``NORMALISED[APC]`` plus ``episodes_folded``
    (int64, episode rows merged into this one; so rows + sum(episodes_folded) = input rows), ordered by line.

    Needs all episodes at once (a spell's episodes can be anywhere in the file): the narrow columns of the
    whole file are held in memory, about 200 bytes an episode.
    """
    parts = [f for f in frames if len(f)]
    columns = [*NORMALISED[Dataset.APC], "episodes_folded"]
    if not parts:
        return []
    df = pd.concat(parts, ignore_index=True)
    n = len(df)
    # Spell number of every row, as integers (sorting a million composite strings costs far more).
    spell = np.full(n, -1, dtype=np.int64)
    by_id = df["spell_id"].notna().to_numpy(dtype=bool) if "spell_id" in df else np.zeros(n, dtype=bool)
    if by_id.any():
        spell[by_id] = pd.factorize(df.loc[by_id, "spell_id"])[0]
    fallback_cols = ["patient_key", "procode3", "admidate"]
    by_key = ~by_id & df[fallback_cols].notna().all(axis=1).to_numpy(dtype=bool)
    if by_key.any():
        groups = df.loc[by_key, fallback_cols].groupby(fallback_cols, sort=False).ngroup().to_numpy()
        spell[by_key] = spell.max() + 1 + groups
    alone = spell < 0
    spell[alone] = spell.max() + 1 + np.arange(int(alone.sum()))
    if "epiorder" in df:
        order = pd.to_numeric(df["epiorder"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        order = np.full(n, np.nan)
    order = np.where(order < _UNKNOWN_EPIORDER, order, -1.0)  # NaN compares False: ranks lowest too
    line_no = df["line_no"].to_numpy()
    ranked = np.lexsort((line_no, order, spell))  # by spell, then order, then line
    ranked_spell = spell[ranked]
    is_last = np.append(ranked_spell[1:] != ranked_spell[:-1], True)
    last_pos = np.flatnonzero(is_last)
    sizes = np.diff(np.append(-1, last_pos))
    picked = ranked[last_pos]
    spells = df.iloc[picked][list(NORMALISED[Dataset.APC])].reset_index(drop=True)
    spells["episodes_folded"] = (sizes - 1).astype(np.int64)
    spells = spells.sort_values("line_no", kind="stable").reset_index(drop=True)
    return [
        spells.iloc[i : i + chunk_rows].reset_index(drop=True)[columns]
        for i in range(0, len(spells), chunk_rows)
    ]


# --------------------------------------------------------------------------------------------------------
# The reader


class ExtractStream(Iterator[pd.DataFrame]):
    """Normalised frames of one extract; the file's facts up front, the row accounting in ``summary``.

    Each frame has exactly the columns of ``NORMALISED[dataset]``: strings (``string[pyarrow]``, <NA> for HES
    nulls) except ``line_no`` (int64). Use as an iterator, ideally in a ``with`` block so that an abandoned
    read closes the file at once.
    """

    def __init__(
        self,
        info: FileInfo,
        dataset: Dataset,
        columns: ColumnMap,
        episode_level: bool,
        frames: Iterator[pd.DataFrame],
        summary: ReadSummary,
    ) -> None:
        self.info = info
        self.dataset = dataset
        self.columns = columns
        self.episode_level = episode_level
        self.summary = summary
        self._frames = frames

    def __next__(self) -> pd.DataFrame:
        frame = next(self._frames)
        self.summary.chunks += 1
        return frame

    def __iter__(self) -> ExtractStream:
        return self

    def close(self) -> None:
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ExtractStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_extract(
    path: Source,
    dataset: Dataset | str,
    *,
    patient_salt: bytes,
    chunk_rows: int = 250_000,
    max_bytes: int | None = None,
    spells: bool = True,
    patient_keys: bool = True,
    max_lengths: Mapping[str, int] | None = None,
    xlsx_limits: XlsxLimits | None = None,
) -> ExtractStream:
    """Open an extract and stream it as normalised frames of at most ``chunk_rows`` rows.

    Refusals that concern the whole file (see the module docstring) are raised here, before any row is
    read. ``patient_salt`` keys the hash that replaces the patient pseudonym: keep it secret and stable
    (at least 32 random bytes) so keys match across uploads. ``spells=False`` yields HES episode rows as
    they are, for diagnostics; by default an episode-level APC file is folded into spells
    (:func:`group_episodes_into_spells`), which holds its narrow columns in memory; every other file streams.
    ``patient_keys=False`` leaves ``patient_key`` null unless episodes are folded (the fold is its only use
    in costing): the pseudonym column is then not even parsed, and nothing is hashed.

    Codes are checked against ``CODE_PATTERNS`` and, with ``max_lengths`` (normalised column → the longest
    value the caller can store, from its model fields), values against their length: a row that fails is
    yielded with ``invalid`` (the rejected-row reason) and ``invalid_value`` set, and the bad value as <NA>,
    so the same file gives the same rejected rows on every database.
    """
    if not isinstance(patient_salt, bytes | bytearray) or not patient_salt:
        raise ValueError("patient_salt must be non-empty bytes")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    dataset = Dataset(dataset)
    info = sniff(path, max_bytes=max_bytes, xlsx_limits=xlsx_limits)
    cols = check_columns(info.headers, dataset)
    episode_level = dataset == Dataset.APC and is_episode_level(info.headers)
    fold = episode_level and spells
    wanted = list(NORMALISED[dataset])
    extras = [c for c in _EPISODE_EXTRAS if c in cols.index] if fold else []
    hashed = patient_keys or fold
    if dataset == Dataset.REF:
        hashed = True  # the referral identifier is only ever kept as its keyed hash
    needed = {_HASHED.get(c, c) for c in [*wanted, *extras] if hashed or c not in _HASHED}
    include = sorted({cols.index[c] for c in needed if c in cols.index} | set(cols.row_fill.values()))
    summary = ReadSummary()
    hasher = _PatientHasher(bytes(patient_salt)) if hashed else None

    def frames() -> Iterator[pd.DataFrame]:
        with _Opened(path) as stream:
            chunks = (_xlsx_chunks if info.format == "xlsx" else _delimited_chunks)(
                stream, info, include, chunk_rows, summary
            )
            normalised = (
                _normalise(raw, lines, cols, [*wanted, *extras], hasher, max_lengths) for raw, lines in chunks
            )
            if fold:
                grouped = group_episodes_into_spells(normalised, chunk_rows=chunk_rows)
                for frame in grouped:
                    folded = frame["episodes_folded"].to_numpy()
                    summary.episodes_folded += int(folded.sum())
                    summary.folded_into.update(
                        zip(
                            frame["line_no"].to_numpy()[folded > 0].tolist(),
                            folded[folded > 0].tolist(),
                            strict=True,
                        )
                    )
                out: Iterable[pd.DataFrame] = (g[wanted] for g in grouped)
            else:
                out = normalised
            for frame in out:
                summary.rows_yielded += len(frame)
                if info.format == "delimited":
                    summary.bytes_read = _position(stream, info.size_bytes)
                yield frame
        summary.bytes_read = info.size_bytes
        if summary.rows_read == 0:
            raise ExtractRejected("The file has a header row but no data rows.", {"reason": "no_data_rows"})

    return ExtractStream(info, dataset, cols, episode_level, frames(), summary)
