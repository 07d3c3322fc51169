"""Extract reader: formats, encodings, headers, refusals, line numbers, pseudonyms, spells, streaming.

Pure module: runs without Django (``-p no:django --noconftest``). Fixture files are built in tmp_path (or in
memory) from the rows written here, so each test states the input it judges.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import random
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activity import extract_reader as er
from activity.extract_reader import (
    ExtractRejected,
    FileInfo,
    check_columns,
    detect_dataset,
    group_episodes_into_spells,
    is_episode_level,
    read_extract,
    sniff,
)
from activity.extract_schema import NORMALISED, NULL_TOKENS, Dataset
from tests.fixtures import SAMPLE_HES as SAMPLE

SALT = b"0123456789abcdef0123456789abcdef"

APC_HEADER = [
    "SUSSPELLID", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "TRETSPEF", "SUSHRG", "ADMIDATE", "DISDATE",
    "ADMIMETH", "CLASSPAT", "SPELDUR", "STARTAGE", "PATIENT_NAME",
]  # fmt: skip
APC_ROWS = [
    ["S1", "PSEUDO-A", "M85001", "RTH", "300", "HA11A", "2007-04-02", "2007-04-05", "11", "1", "3", "45", "Ann"],
    ["S2", "PSEUDO-B", "V81999", "rwe", "330", "", "2007-05-01", "2007-05-01", "21", "2", "0", "7001", "Bob"],
    ["S3", "PSEUDO-A", "&", "RTH", "&", "hb22b", "2007-06-10", "1800-01-01", "2A", "1", "14", "67", "Cy"],
]  # fmt: skip


def delimited(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    newline: str = "\n",
    quote_all: bool = False,
) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, text: str | bytes, name: str = "extract.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def read_all(source: object, dataset: str = "APC", **kwargs: object) -> tuple[pd.DataFrame, er.ExtractStream]:
    stream = read_extract(source, dataset, patient_salt=SALT, **kwargs)  # type: ignore[arg-type]
    frames = list(stream)
    for frame in frames:
        assert list(frame.columns) == list(NORMALISED[Dataset(dataset)])
        assert frame["line_no"].dtype == "int64"
        for column in frame.columns[1:]:
            assert isinstance(frame[column].dtype, pd.StringDtype), column
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return df, stream


def key(pseudonym: str) -> str:
    return hmac.new(SALT, pseudonym.encode(), hashlib.sha256).hexdigest()[:32]


def na(value: object) -> bool:
    return value is pd.NA


def assert_standard_rows(df: pd.DataFrame, lines: Sequence[int] = (2, 3, 4)) -> None:
    """The three APC_ROWS after normalisation."""
    assert df["line_no"].tolist() == list(lines)
    assert df["record_key"].tolist() == ["S1", "S2", "S3"]
    assert df["patient_key"].tolist() == [key("PSEUDO-A"), key("PSEUDO-B"), key("PSEUDO-A")]
    assert df["gpprac"].tolist()[:2] == ["M85001", "V81999"] and na(df["gpprac"][2])
    assert df["procode3"].tolist() == ["RTH", "RWE", "RTH"]
    assert df["tretspef"].tolist()[:2] == ["300", "330"] and na(df["tretspef"][2])
    assert df["hrg"][0] == "HA11A" and na(df["hrg"][1]) and df["hrg"][2] == "HB22B"
    assert df["admidate"].tolist() == ["2007-04-02", "2007-05-01", "2007-06-10"]
    assert df["disdate"].tolist()[:2] == ["2007-04-05", "2007-05-01"] and na(df["disdate"][2])
    assert df["admimeth"].tolist() == ["11", "21", "2A"]
    assert df["classpat"].tolist() == ["1", "2", "1"]
    assert df["speldur"].tolist() == ["3", "0", "14"]
    assert df["startage"].tolist() == ["45", "7001", "67"]


# --------------------------------------------------------------------------------------------------------
# The real-format sample


@pytest.fixture(scope="module")
def sample_raw() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)


def test_sample_reads_as_it_is_and_accounts_for_every_row(sample_raw: pd.DataFrame) -> None:
    df, stream = read_all(SAMPLE, chunk_rows=700)
    info, summary = stream.info, stream.summary
    assert info.format == "delimited" and info.delimiter == "," and info.encoding == "utf-8"
    assert len(info.headers) == 193 and info.quoted and info.newline == "LF"
    assert stream.episode_level  # EPIORDER present: HES episodes, folded into spells
    assert summary.rows_read == 2075 and summary.malformed_lines == []
    assert len(df) + summary.episodes_folded == 2075
    assert summary.rows_yielded == len(df) and summary.chunks == 3
    assert sum(summary.folded_into.values()) == summary.episodes_folded
    # the practice codes as HES gives them: defaults kept, "&" not known
    assert (df["gpprac"] == "V81999").sum() == 27
    assert (df["gpprac"] == "V81998").sum() == 11
    assert df["gpprac"].isna().sum() == 11
    assert df["gpprac"].nunique() == 1728 - 1  # the 1,728 distinct codes include "&"
    assert df["hrg"].isna().all()  # SUSHRG blank in 2001/02
    assert df["line_no"].is_monotonic_increasing and df["line_no"].between(2, 2076).all()
    by_line = sample_raw.set_index(sample_raw.index + 2)
    picked = by_line.loc[df["line_no"]]
    assert df["record_key"].tolist() == picked["EPIKEY"].tolist()
    assert df["procode3"].tolist() == picked["PROCODE3"].str.upper().tolist()
    assert df["patient_key"].tolist() == [key(p) for p in picked["PSEUDO_HESID"]]
    assert df["admimeth"].tolist() == picked["ADMIMETH"].tolist()


def test_sample_episodes_unfolded_keep_physical_line_numbers() -> None:
    df, stream = read_all(SAMPLE, spells=False, chunk_rows=500)
    assert stream.summary.chunks == 5
    assert df["line_no"].tolist() == list(range(2, 2077))
    assert stream.summary.episodes_folded == 0


def test_pseudonym_never_appears_in_any_output(sample_raw: pd.DataFrame) -> None:
    pseudonyms = set(sample_raw["PSEUDO_HESID"]) - {""}
    assert len(pseudonyms) == 994
    for spells in (True, False):
        df, _ = read_all(SAMPLE, spells=spells)
        for column in df.columns:
            values = set(df[column].dropna().astype(str))
            assert not values & pseudonyms, column
            assert not any(v.startswith("TEST") for v in values), column


# --------------------------------------------------------------------------------------------------------
# Delimiters, encodings, line endings, quoting


@pytest.mark.parametrize("delimiter", [",", "|", "\t"])
def test_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS, delimiter=delimiter))
    assert sniff(path).delimiter == delimiter
    df, stream = read_all(path)
    assert_standard_rows(df)
    assert not stream.episode_level


def test_utf8_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + delimited(APC_HEADER, APC_ROWS))
    info = sniff(path)
    assert info.encoding == "utf-8-sig" and info.headers[0] == "SUSSPELLID"
    df, _ = read_all(path)
    assert_standard_rows(df)


def test_windows_1252(tmp_path: Path) -> None:
    rows = [[*r[:-1], "Zoë Café £5"] for r in APC_ROWS]
    path = write(tmp_path, delimited(APC_HEADER, rows), encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert sniff(path).encoding == "cp1252"
    df, _ = read_all(path)
    assert_standard_rows(df)


def test_windows_1252_after_the_sniffed_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid UTF-8 at the start, Windows-1252 further in: the later part is decoded as Windows-1252."""
    monkeypatch.setattr(er, "SNIFF_BYTES", 300)
    monkeypatch.setattr(er, "READ_BYTES", 256)
    rows = [[f"S{i}", "P", "M85001", "RTH", "300", "HA11A", "2007-04-02", "2007-04-05", "11", "1", "3", "45", "x"]
            for i in range(20)]  # fmt: skip
    rows.append(
        ["KÉY", "P", "M85001", "RTH", "300", "HA11A", "2007-04-02", "2007-04-05", "11", "1", "3", "45", "£"]
    )
    text = delimited(APC_HEADER, rows)
    path = write(tmp_path, text, encoding="cp1252")
    assert sniff(path).encoding == "utf-8"
    df, _ = read_all(path)
    assert df["record_key"].iloc[-1] == "KÉY"
    assert df["line_no"].tolist() == list(range(2, 23))


def test_utf16_with_bom_is_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel's "Unicode text": UTF-16 LE with a BOM, tab separated, CRLF. Decoded, not refused."""
    monkeypatch.setattr(er, "READ_BYTES", 63)  # odd: blocks end mid-character
    text = delimited(APC_HEADER, [[*r[:-1], "Zoë"] for r in APC_ROWS], delimiter="\t", newline="\r\n")
    path = write(tmp_path, text, encoding="utf-16")
    assert path.read_bytes()[:2] == b"\xff\xfe"
    info = sniff(path)
    assert (info.encoding, info.delimiter, info.newline) == ("utf-16", "\t", "CRLF")
    df, _ = read_all(path)
    assert_standard_rows(df)


def test_utf16_without_bom_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS), encoding="utf-16-le")
    with pytest.raises(ExtractRejected, match="UTF-16"):
        read_extract(path, "APC", patient_salt=SALT)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings(tmp_path: Path, newline: str) -> None:
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS, newline=newline) + newline)
    assert sniff(path).newline == {"\r\n": "CRLF", "\r": "CR"}[newline]
    df, _ = read_all(path)
    assert_standard_rows(df)
    assert not df["startage"].str.contains("\r").any()


def test_quoted_fields_with_delimiters_quotes_and_line_breaks(tmp_path: Path) -> None:
    rows = [list(r) for r in APC_ROWS]
    rows[0][-1] = 'Ann "Nan", of\nBath\nSomerset'  # two line breaks inside one quoted field
    rows[1][0] = " S2 "  # padded inside quotes
    path = write(tmp_path, delimited(APC_HEADER, rows, quote_all=True, newline="\r\n"))
    assert sniff(path).quoted
    df, _ = read_all(path)
    assert_standard_rows(df, lines=(2, 5, 6))


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    body = [",".join(r) for r in [APC_HEADER, *APC_ROWS]]
    lines = ["", "", body[0], body[1], body[2], "", "", body[3], "", ""]
    path = write(tmp_path, "\n".join(lines))
    assert sniff(path).header_line == 3
    df, stream = read_all(path)
    assert_standard_rows(df, lines=(4, 5, 8))
    assert stream.summary.rows_read == 3


def test_clean_files_never_need_the_slow_splitter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank lines, CRLF, quoted line breaks and a last row without a line break take the fast path."""

    def fail(*args: object) -> None:
        raise AssertionError("exact splitter used")

    monkeypatch.setattr(er, "_split_exact", fail)
    monkeypatch.setattr(er, "READ_BYTES", 97)
    rows = [list(r) for r in APC_ROWS]
    rows[1][-1] = "two\r\nlines"
    text = delimited(APC_HEADER, rows, newline="\r\n").replace("\r\nS2", "\r\n\r\n\r\nS2")
    df, _ = read_all(write(tmp_path, text.removesuffix("\r\n")))
    assert_standard_rows(df, lines=(2, 5, 7))


def test_last_row_without_a_line_break(tmp_path: Path) -> None:
    df, _ = read_all(write(tmp_path, delimited(APC_HEADER, APC_ROWS).rstrip("\n")))
    assert_standard_rows(df)


def test_stray_quote_inside_a_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A quote in the middle of a field is a plain character: records must not merge."""
    monkeypatch.setattr(er, "READ_BYTES", 50)
    monkeypatch.setattr(er, "SUSPECT_RECORD_BYTES", 120)
    lines = [",".join(APC_HEADER)]
    for i in range(12):
        name = 'O"Brien' if i in (2, 9) else ("5'10\"" if i == 5 else "Smith")
        lines.append(f"S{i},P{i},M85001,RTH,300,HA11A,2007-04-02,2007-04-05,11,1,3,45,{name}")
    path = write(tmp_path, "\n".join(lines) + "\n")
    df, stream = read_all(path)
    assert df["record_key"].tolist() == [f"S{i}" for i in range(12)]
    assert df["line_no"].tolist() == list(range(2, 14))
    assert stream.summary.malformed_lines == []


# --------------------------------------------------------------------------------------------------------
# Headers: case, order, aliases, fallbacks, extra columns


def test_header_case_order_aliases_and_extra_columns(tmp_path: Path) -> None:
    renamed = {
        "GPPRAC": "  gp_practice_code ",
        "PROCODE3": "Provider_Code",
        "SUSHRG": "hrg",
        "SUSSPELLID": "susspellid",
    }
    header = [renamed.get(h, h.lower()) for h in APC_HEADER]
    extra = [f"EXTRA_{i}" for i in range(200)]
    order = list(range(len(header)))
    random.Random(7).shuffle(order)
    rows = [[r[i] for i in order] + ["junk"] * 200 for r in APC_ROWS]
    path = write(tmp_path, delimited([header[i] for i in order] + extra, rows))
    df, stream = read_all(path)
    assert_standard_rows(df)
    assert stream.columns.source["gpprac"] == "gp_practice_code"


def test_first_alias_present_wins_and_fallbacks(tmp_path: Path) -> None:
    header = ["EPIKEY", "GP_PRACTICE", "GPPRAC", "PROCODE5", "MAINSPEF", "HRG", "SUSHRG", "ADMIDATE", "EPIEND",
              "ADMIMETH", "HESID", "TOKEN_PERSON_ID"]  # fmt: skip
    rows = [
        ["E1", "X", "M85001", "rth00", "300", "OLD", "HA11A", "2007-04-02", "2007-04-03", "11", "H1", "T1"]
    ]
    path = write(tmp_path, delimited(header, rows))
    cols = check_columns(sniff(path).headers, "APC")
    assert cols.source["gpprac"] == "GPPRAC" and cols.source["hrg"] == "SUSHRG"
    assert cols.procode3_from_procode5 and cols.source["disdate"] == "EPIEND"
    df, _ = read_all(path, spells=False)
    row = df.iloc[0]
    assert (row["gpprac"], row["procode3"], row["tretspef"], row["hrg"]) == ("M85001", "RTH", "300", "HA11A")
    assert row["disdate"] == "2007-04-03" and row["record_key"] == "E1"
    assert row["patient_key"] == key("H1")


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    keep = [i for i, h in enumerate(APC_HEADER) if h not in ("ADMIMETH", "DISDATE")]
    path = write(tmp_path, delimited([APC_HEADER[i] for i in keep], [[r[i] for i in keep] for r in APC_ROWS]))
    with pytest.raises(ExtractRejected) as caught:
        read_extract(path, "APC", patient_salt=SALT)
    assert "DISDATE (or EPIEND)" in caught.value.message and "ADMIMETH" in caught.value.message
    assert caught.value.extra["missing"] == ["disdate", "admimeth"]
    assert isinstance(caught.value, ValueError)


def test_wrong_dataset_names_what_the_columns_look_like(tmp_path: Path) -> None:
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS))
    with pytest.raises(ExtractRejected, match=r"looks like an APC .*uploaded as OP") as caught:
        read_extract(path, "OP", patient_salt=SALT)  # refused on the call, before any iteration
    assert caught.value.extra["looks_like"] == "APC"
    assert "APPTDATE" in caught.value.message


def test_detect_dataset() -> None:
    assert detect_dataset(APC_HEADER) == Dataset.APC
    assert (
        detect_dataset(["gpprac", "procode3", "apptdate", "tretspef", "firstatt", "attended"]) == Dataset.OP
    )
    assert detect_dataset(["GPPRAC", "PROCODE", "ARRIVALDATE", "AEDEPTTYPE", "AEKEY"]) == Dataset.AE
    with pytest.raises(ExtractRejected, match="Closest is OP") as caught:
        detect_dataset(["GPPRAC", "PROCODE3", "APPTDATE", "TRETSPEF"])
    assert caught.value.extra["missing"] == ["firstatt", "attended"]


def test_is_episode_level() -> None:
    assert is_episode_level(["EPIKEY", "GPPRAC"])
    assert is_episode_level(["SUSSPELLID", "epiorder"])
    assert not is_episode_level(["SUSSPELLID", "EPIKEY"])
    assert not is_episode_level(["GPPRAC", "ADMIDATE"])


# --------------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b" \r\n\r\n  \n", "no text"),
        (",".join(APC_HEADER).encode(), "no data rows"),
        ((",".join(APC_HEADER) + "\r\n\r\n\n").encode(), "no data rows"),
        (random.Random(1).randbytes(4096), "binary"),
        (bytes(range(1, 9)) * 64, "binary"),  # control characters, no NUL
        (b"GPPRAC,PROCODE3\x00\x00\x00\n", "NUL"),
        (b"%PDF-1.4\n%...", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".xls"),
        (b"GPPRAC;PROCODE3;ADMIDATE\nM85001;RTH;2007-04-01\n", "semicolons"),
        (b"just some words\nand more words\n", "No comma, pipe or tab"),
    ],
)
def test_files_that_are_not_extracts_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ExtractRejected, match=message):
        read_extract(path, "APC", patient_salt=SALT)


def test_zip_that_is_not_xlsx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("extract.csv", delimited(APC_HEADER, APC_ROWS))
    with pytest.raises(ExtractRejected, match="zip archive, not an Excel"):
        sniff(io.BytesIO(buffer.getvalue()))
    broken = write(tmp_path, buffer.getvalue()[:60], name="broken.xlsx")
    with pytest.raises(ExtractRejected, match="damaged"):
        sniff(broken)


def test_size_guard_refuses_before_reading() -> None:
    class Counting(io.BytesIO):
        reads = 0

        def read(self, *args: object) -> bytes:  # type: ignore[override]
            Counting.reads += 1
            return super().read(*args)  # type: ignore[arg-type]

    data = delimited(APC_HEADER, APC_ROWS * 1000).encode()
    with pytest.raises(ExtractRejected, match=r"the limit is 0\.1 MB") as caught:
        read_extract(Counting(data), "APC", patient_salt=SALT, max_bytes=100_000)
    assert caught.value.extra == {"size_bytes": len(data), "max_bytes": 100_000}
    assert Counting.reads == 0
    assert len(read_all(Counting(data), max_bytes=len(data))[0]) == 3000


def test_malformed_rows_are_listed_not_yielded(tmp_path: Path) -> None:
    body = [",".join(r) for r in [APC_HEADER, *APC_ROWS]]
    body[2] = body[2].replace(",Bob", ',"Bob\nof\nBath"')  # line 3 spans lines 3-5
    lines = [*body[:3], "", "S9,PSEUDO-X,M85001", "S10,x", body[3], '"S11\n",too,few']
    path = write(tmp_path, "\n".join(lines) + "\n")
    df, stream = read_all(path)
    assert_standard_rows(df, lines=(2, 3, 9))
    s = stream.summary
    assert s.malformed_lines == [7, 8, 10] and s.rows_read == 6
    assert s.rows_read == s.rows_yielded + s.episodes_folded + len(s.malformed_lines)


def test_widespread_malformed_rows_refuse_the_file_without_quoting_it(tmp_path: Path) -> None:
    lines = [",".join(APC_HEADER)] + [f"S{i},SECRET-PSEUDO-{i},M85001,RTH" for i in range(300)]
    path = write(tmp_path, "\n".join(lines))
    with pytest.raises(ExtractRejected, match="do not have the header's 13 fields") as caught:
        read_all(path)
    assert "SECRET" not in str(caught.value) and "SECRET" not in repr(caught.value.extra)
    assert caught.value.extra["line_no"] == 2


def test_text_mode_file_object_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="binary"):
        sniff(io.StringIO(delimited(APC_HEADER, APC_ROWS)))


def test_patient_salt_required(tmp_path: Path) -> None:
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS))
    with pytest.raises(ValueError, match="patient_salt"):
        read_extract(path, "APC", patient_salt=b"")


# --------------------------------------------------------------------------------------------------------
# Values


def test_nulls_codes_and_dates_normalised(tmp_path: Path) -> None:
    header = ["SUSSPELLID", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "ADMIDATE", "DISDATE", "ADMIMETH", "SUSHRG"]
    rows = [
        ["k1", " p1 ", " m85001 ", "rth", "27/09/2001", "01/01/1800", "11", "null"],
        ["  ", "&", "NULL", "", "1/4/2001", "1801-01-01", "&", " ha11a "],
        ["k3", "", "V81998", "RTH", "2001-04-01 00:00:00", "01/01/1801", "2a", "HA11A"],
        ["k4", "null", "&", "RTH", "2001-4-1", "1800-01-01", "21", ""],
        ["k5", "p5", "M85001", "RTH", "2001-04-01T10:30:00", "2001-04-02 23:59", "21", "HA11A"],
    ]
    path = write(tmp_path, delimited(header, rows))
    df, _ = read_all(path)
    assert df["record_key"][0] == "k1" and na(df["record_key"][1])  # kept as given, not upper-cased
    assert df["patient_key"][0] == key("p1") and df["patient_key"][1:4].isna().all()
    assert df["gpprac"][0] == "M85001" and na(df["gpprac"][1]) and df["gpprac"][2] == "V81998"
    assert na(df["gpprac"][3]) and na(df["procode3"][1]) and na(df["admimeth"][1])
    assert df["admimeth"].tolist()[2:] == ["2A", "21", "21"]
    assert na(df["hrg"][0]) and df["hrg"][1] == "HA11A" and na(df["hrg"][3])
    assert df["admidate"].tolist() == ["2001-09-27", "2001-04-01", "2001-04-01", "2001-4-1", "2001-04-01"]
    assert df["disdate"][4] == "2001-04-02"
    assert na(df["disdate"][0]) and na(df["disdate"][3])  # 1800-01-01: null
    assert df["disdate"][1] == df["disdate"][2] == "1801-01-01"  # invalid: kept, told apart from missing
    assert all(na(v) or v not in NULL_TOKENS for c in df.columns[1:] for v in df[c])


def test_patient_key_is_hmac_sha256_for_any_salt_length(tmp_path: Path) -> None:
    long_salt = bytes(range(100))
    hasher = er._PatientHasher(long_salt)
    for value in ("A", "TESTWn4Rt4ww00zIOJ8rYBMf5fgC4tvI", "é"):
        assert hasher.hexdigest(value) == hmac.new(long_salt, value.encode(), hashlib.sha256).hexdigest()[:32]
    path = write(tmp_path, delimited(APC_HEADER, APC_ROWS))
    other = pd.concat(read_extract(path, "APC", patient_salt=b"another salt"))
    assert other["patient_key"][0] != key("PSEUDO-A") and other["patient_key"][0] == other["patient_key"][2]


def test_outpatient_and_ae_extracts(tmp_path: Path) -> None:
    header = [
        "ATTENDKEY",
        "TOKEN_PERSON_ID",
        "GPPRAC",
        "PROCODE",
        "TRETSPEF",
        "APPTDATE",
        "FIRSTATT",
        "ATTENDED",
    ]
    rows = [["A1", "T1", "M85001", "RTH", "330", "02/05/2007", "1", "5"]]
    op = write(tmp_path, delimited(header, rows), name="op.csv")
    df, _ = read_all(op, "OP")
    assert df.iloc[0].tolist() == [
        2, "A1", key("T1"), "M85001", "RTH", "330", pd.NA, "2007-05-02", "1", "5",
        pd.NA, pd.NA, pd.NA,  # REFSOURC, REQDATE, PRIORITY
        pd.NA, pd.NA,  # no invalid code
    ]  # fmt: skip
    ae = write(
        tmp_path,
        delimited(
            ["AEKEY", "GPPRAC", "PROVIDER_CODE", "ARRIVALDATE", "AEATTENDCAT", "AEDEPTTYPE", "HRG"],
            [["X1", "M85001", "RTH", "2007-05-02", "1", "01", "vb01z"]],
        ),
        name="ae.csv",
    )
    df, _ = read_all(ae, "AE")
    assert df.iloc[0].tolist() == [
        2, "X1", pd.NA, "M85001", "RTH", pd.NA, "VB01Z", "2007-05-02", "1", "01", pd.NA, pd.NA,
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# XLSX


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Spells"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx(tmp_path: Path) -> None:
    header = ["Notes", *APC_HEADER]
    data: list[list[object]] = [["n", *r] for r in APC_ROWS]
    data[0][7] = datetime(2007, 4, 2)  # ADMIDATE as an Excel date
    data[0][9], data[0][10], data[0][11] = 11, 1.0, 3  # numbers, as Excel holds them
    data[1][3] = None  # GPPRAC empty cell
    path = write(tmp_path, xlsx_bytes([header, data[0], data[1], [None] * 5, data[2]]), name="x.xlsx")
    info = sniff(path)
    assert (info.format, info.sheet, info.headers[1]) == ("xlsx", "Spells", "SUSSPELLID")
    df, stream = read_all(path)
    assert df["line_no"].tolist() == [2, 3, 5]  # worksheet row numbers; the empty row is skipped
    assert df["admidate"][0] == "2007-04-02"
    assert df[["admimeth", "classpat", "speldur"]].iloc[0].tolist() == ["11", "1", "3"]
    assert na(df["gpprac"][1]) and df["gpprac"][0] == "M85001" and na(df["gpprac"][2])
    assert df["procode3"].tolist() == ["RTH", "RWE", "RTH"]
    assert df["patient_key"].tolist() == [key("PSEUDO-A"), key("PSEUDO-B"), key("PSEUDO-A")]
    assert stream.summary.rows_read == 3
    df2, _ = read_all(io.BytesIO(path.read_bytes()), chunk_rows=2)  # a file object, in chunks
    assert df2["line_no"].tolist() == [2, 3, 5]


def test_xlsx_header_only_and_empty_are_refused() -> None:
    with pytest.raises(ExtractRejected, match="no data rows"):
        sniff(io.BytesIO(xlsx_bytes([APC_HEADER, [None, None]])))
    with pytest.raises(ExtractRejected, match="is empty"):
        sniff(io.BytesIO(xlsx_bytes([])))


def test_xlsx_wrong_dataset() -> None:
    with pytest.raises(ExtractRejected, match="looks like an APC"):
        read_extract(io.BytesIO(xlsx_bytes([APC_HEADER, *APC_ROWS])), "AE", patient_salt=SALT)


# --------------------------------------------------------------------------------------------------------
# Episodes into spells


EPISODE_HEADER = ["SUSSPELLID", "EPIKEY", "EPIORDER", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "SUSHRG", "ADMIDATE",
                  "DISDATE", "ADMIMETH"]  # fmt: skip


def test_spells_grouped_by_susspellid_last_episode_wins(tmp_path: Path) -> None:
    # fmt: off
    rows = [
        ["SP1", "E1", "2", "P1", "M85001", "RTH", "HB22B", "2007-04-01", "", "21"],  # 2
        ["SP2", "E4", "1", "P2", "M85002", "RTH", "HA11A", "2007-05-01", "2007-05-03", "11"],  # 3
        ["SP1", "E2", "3", "P1", "M85009", "RTH", "HC33C", "2007-04-01", "2007-04-10", "21"],  # 4: last of SP1
        ["SP1", "E3", "1", "P1", "M85001", "RTH", "HD44D", "2007-04-01", "", "21"],  # 5
        ["SP3", "E5", "1", "P3", "M85003", "RTH", "HE55E", "2007-06-01", "2007-06-04", "11"],  # 6: last of SP3
        ["SP3", "E6", "99", "P3", "M85003", "RTH", "HF66F", "2007-06-01", "", "11"],  # 7: 99 not known
        ["SP3", "E7", "x", "P3", "M85003", "RTH", "HG77G", "2007-06-01", "", "11"],  # 8: not a number
        ["", "E8", "1", "P4", "M85004", "RTH", "HH88H", "2007-07-01", "2007-07-02", "11"],  # 9: no spell id
    ]
    # fmt: on
    path = write(tmp_path, delimited(EPISODE_HEADER, rows))
    df, stream = read_all(path, chunk_rows=2)
    assert stream.episode_level
    assert df["line_no"].tolist() == [3, 4, 6, 9]
    assert df["record_key"].tolist()[:3] == ["SP2", "SP1", "SP3"] and na(df["record_key"][3])
    assert df["hrg"].tolist() == ["HA11A", "HC33C", "HE55E", "HH88H"]
    assert df["disdate"].tolist() == ["2007-05-03", "2007-04-10", "2007-06-04", "2007-07-02"]
    assert df["gpprac"][1] == "M85009"  # every field from the last episode
    s = stream.summary
    assert s.folded_into == {4: 2, 6: 2} and s.episodes_folded == 4
    assert s.rows_read == 8 == s.rows_yielded + s.episodes_folded
    assert s.chunks == 2


def test_spells_grouped_by_patient_provider_admission_without_susspellid(tmp_path: Path) -> None:
    # fmt: off
    header = ["EPIKEY", "EPIORDER", "PSEUDO_HESID", "GPPRAC", "PROCODE3", "ADMIDATE", "DISDATE", "ADMIMETH", "SUSHRG"]
    rows = [
        ["E2", "2", "P1", "M85001", "RTH", "2007-04-01", "2007-04-05", "21", "HA02A"],  # 2: last of the spell
        ["E1", "1", "P1", "M85001", "rth", "01/04/2007", "", "21", "HA01A"],  # 3: same key once normalised
        ["E3", "1", "P1", "M85001", "RTH", "2007-06-01", "2007-06-02", "11", "HA03A"],  # other admission
        ["E4", "1", "P2", "M85001", "RTH", "2007-04-01", "2007-04-02", "11", "HA04A"],  # other patient
        ["E5", "2", "P1", "M85001", "RWE", "2007-04-01", "2007-04-03", "11", "HA05A"],  # other provider
        ["E6", "1", "", "M85001", "RTH", "2007-04-01", "", "21", "HA06A"],  # unknown patient: never merged
        ["E7", "2", "&", "M85001", "RTH", "2007-04-01", "", "21", "HA07A"],
        ["E8", "1", "P1", "M85001", "RTH", "", "", "21", "HA08A"],  # unknown admission date: never merged
        ["E9", "1", "P1", "M85001", "RTH", "1800-01-01", "", "21", "HA09A"],
    ]
    # fmt: on
    path = write(tmp_path, delimited(header, rows))
    assert not is_episode_level(["SUSSPELLID", "EPIKEY"]) and is_episode_level(header)
    df, stream = read_all(path)
    assert df["line_no"].tolist() == [2, 4, 5, 6, 7, 8, 9, 10]
    assert df["record_key"][0] == "E2" and df["hrg"][0] == "HA02A" and df["disdate"][0] == "2007-04-05"
    assert stream.summary.folded_into == {2: 1}
    assert stream.summary.rows_read == 9 == len(df) + stream.summary.episodes_folded


def test_spell_level_file_is_not_grouped(tmp_path: Path) -> None:
    rows = [list(APC_ROWS[0]), list(APC_ROWS[0])]  # a duplicate spell stays two rows: costing flags it
    df, stream = read_all(write(tmp_path, delimited(APC_HEADER, rows)))
    assert len(df) == 2 and not stream.episode_level and stream.summary.episodes_folded == 0


def test_group_episodes_into_spells_directly() -> None:
    base = dict.fromkeys(NORMALISED[Dataset.APC], pd.NA)
    # fmt: off
    episodes = pd.DataFrame(
        [
            {**base, "line_no": 2, "record_key": "a", "patient_key": "p", "procode3": "RTH", "admidate": "d",
             "hrg": "H1", "epiorder": "1"},
            {**base, "line_no": 3, "record_key": "b", "patient_key": "p", "procode3": "RTH", "admidate": "d",
             "hrg": "H2", "epiorder": "01"},  # same order: the later line wins
            {**base, "line_no": 4, "record_key": "c", "patient_key": "q", "procode3": "RTH", "admidate": "d",
             "hrg": "H3", "epiorder": pd.NA},
        ]
    ).astype(dict.fromkeys([*NORMALISED[Dataset.APC][1:], "epiorder"], er.STRING))
    # fmt: on
    frames = group_episodes_into_spells([episodes.iloc[:2], episodes.iloc[2:]], chunk_rows=1)
    assert [len(f) for f in frames] == [1, 1]
    out = pd.concat(frames, ignore_index=True)
    assert list(out.columns) == [*NORMALISED[Dataset.APC], "episodes_folded"]
    assert out["line_no"].tolist() == [3, 4] and out["hrg"].tolist() == ["H2", "H3"]
    assert out["episodes_folded"].tolist() == [1, 0] and out["episodes_folded"].dtype == "int64"
    assert group_episodes_into_spells([]) == []


# --------------------------------------------------------------------------------------------------------
# Streaming and line numbers


def test_streaming_yields_several_chunks_with_continuous_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(er, "READ_BYTES", 4096)  # many blocks, records cut across them
    rows = [[f"S{i}", f"P{i % 97}", f"M{85000 + i % 50}", "RTH", "300", "HA11A", "2007-04-02", "2007-04-05",
             "11", "1", "3", "45", f"name {i}"] for i in range(5500)]  # fmt: skip
    path = write(tmp_path, delimited(APC_HEADER, rows, quote_all=True, newline="\r\n"))
    stream = read_extract(path, "APC", patient_salt=SALT, chunk_rows=1000)
    sizes, lines = [], []
    for frame in stream:
        sizes.append(len(frame))
        lines.extend(frame["line_no"].tolist())
    assert sizes == [1000] * 5 + [500]
    assert lines == list(range(2, 5502))
    assert stream.summary.chunks == 6 and stream.summary.rows_read == 5500


PIECES = st.sampled_from(list("aZ9 ,|\t\"\n\r'é£-") + ["\r\n", "null", "&"])


def texts(max_pieces: int) -> st.SearchStrategy[str]:
    return st.lists(PIECES, max_size=max_pieces).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.tuples(texts(4), texts(8)), min_size=1, max_size=25),
    delimiter=st.sampled_from([",", "|", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    read_bytes=st.integers(min_value=1, max_value=300),
    blank_after=st.sets(st.integers(min_value=0, max_value=24), max_size=4),
    final_newline=st.booleans(),
)
def test_any_quoting_keeps_values_and_physical_line_numbers(
    monkeypatch: pytest.MonkeyPatch,
    values: list[tuple[str, str]],
    delimiter: str,
    newline: str,
    read_bytes: int,
    blank_after: set[int],
    final_newline: bool,
) -> None:
    """Whatever the values hold (delimiters, quotes, line breaks), each row keeps its values and its line.

    csv.writer leaves a lone CR unquoted in an LF file: the reader must not split the row there.
    """
    monkeypatch.setattr(er, "READ_BYTES", read_bytes)
    header = ["SUSSPELLID", "GPPRAC", "PROCODE3", "ADMIDATE", "DISDATE", "ADMIMETH", "NOTE"]
    text = delimited(header, [], delimiter=delimiter, newline=newline)
    expected_lines = []
    for i, (record, note) in enumerate(values):
        expected_lines.append(text.count("\n") + 1)
        text += delimited(None, [[record, "M85001", "RTH", "2007-04-01", "2007-04-02", "11", note]],
                          delimiter=delimiter, newline=newline)  # fmt: skip
        if i in blank_after:
            text += newline
    if not final_newline:
        text = text.removesuffix(newline)
    df, stream = read_all(io.BytesIO(text.encode()))
    assert df["line_no"].tolist() == expected_lines
    expected = [re.sub(r"\r(?!\n)", " ", v).strip() for v, _ in values]  # a lone CR is read as a space
    got = df["record_key"].tolist()
    assert [None if e in NULL_TOKENS else e for e in expected] == [None if na(g) else g for g in got]
    assert stream.summary.malformed_lines == []


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(texts(5), min_size=3, max_size=3), max_size=12),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank=st.sets(st.integers(min_value=0, max_value=12), max_size=3),
)
def test_fast_splitter_agrees_with_the_exact_one(
    rows: list[list[str]], newline: str, blank: set[int]
) -> None:
    """Without stray quotes the vectorised splitter must find the csv module's records (no silent fallback)."""
    text = ""
    for i, row in enumerate(rows):
        text += delimited(None, [row], newline=newline) + (newline if i in blank else "")
    buf = er._blank_lone_cr(text.encode(), at_eof=True)
    fast = er._split_fast(buf, 0x0A, at_eof=True)
    exact = er._split_exact(buf, 0x0A, True, ",", 1)
    assert (fast.consumed, fast.lines) == (exact.consumed, exact.lines) == (len(buf), text.count("\n"))
    assert fast.starts.tolist() == exact.starts.tolist()


def test_fileinfo_is_plain_data(tmp_path: Path) -> None:
    info = sniff(write(tmp_path, delimited(APC_HEADER, APC_ROWS)))
    assert isinstance(info, FileInfo) and info.size_bytes > 0 and info.header_line == 1


def test_blank_discharge_date_falls_back_to_episode_end_row_by_row(tmp_path):
    path = tmp_path / "hes.csv"
    path.write_text(
        "EPIKEY,GPPRAC,PROCODE3,ADMIDATE,DISDATE,EPIEND,ADMIMETH,TRETSPEF,MAINSPEF\n"
        "1,A12345,RD1,2007-05-01,,2007-05-04,21,&,300\n"
        "2,A12345,RD1,2007-05-02,2007-05-09,2007-05-03,21,320,300\n"
    )
    frame = pd.concat(list(read_extract(path, "APC", patient_salt=b"k", spells=False)))
    assert frame["disdate"].tolist() == [
        "2007-05-04",
        "2007-05-09",
    ]  # the episode end only where DISDATE is blank
    assert frame["tretspef"].tolist() == ["300", "320"]


# --------------------------------------------------------------------------------------------------------
# Code patterns and stored lengths


def test_codes_are_checked_against_their_patterns(tmp_path: Path) -> None:
    header = ["SUSSPELLID", "GPPRAC", "PROCODE5", "TRETSPEF", "MAINSPEF", "SUSHRG", "ADMIDATE", "DISDATE",
              "ADMIMETH"]  # fmt: skip
    base = ["", "M85001", "RTH01", "300", "", "HA11A", "2007-04-02", "2007-04-05", "11"]
    rows = [
        ["S1", *base[1:]],  # 2: fine: provider RTH from the site code
        ["S2", "M85001", "RTH01", "&", "330", "F06", *base[6:]],  # 3: MAINSPEF fallback, HRG v3.5 code
        ["S3", "M85001", "RTH", *base[3:]],  # 4: PROCODE5 of 3 characters
        ["S4", "M85001", "RT-01", *base[3:]],  # 5
        ["S5", "M85001", "RTH01", "", "33A", *base[5:]],  # 6: the fallback's value is checked too
        ["S6", "M85001", "RTH01", "300", "", "HA1", *base[6:]],  # 7
        ["S7", "NOT A PRACTICE", *base[2:]],  # 8: practice codes are judged by costing (unattributed)
        ["S8" * 40, *base[1:]],  # 9: record key longer than where it is stored
    ]
    path = write(tmp_path, delimited(header, rows))
    df, _ = read_all(path, max_lengths={"record_key": 64, "procode3": 5})
    invalid = dict(
        zip(df["line_no"], df["invalid"].astype(object).where(df["invalid"].notna(), None), strict=True)
    )
    assert invalid == {
        2: None, 3: None, 4: "provider_code_invalid", 5: "provider_code_invalid",
        6: "treatment_function_invalid", 7: "hrg_code_invalid", 8: None, 9: "value_too_long",
    }  # fmt: skip
    assert df["procode3"].tolist()[:2] == ["RTH", "RTH"] and na(df["procode3"][2]) and na(df["procode3"][3])
    assert df["tretspef"][1] == "330" and df["hrg"][1] == "F06" and na(df["tretspef"][4]) and na(df["hrg"][5])
    assert df["invalid_value"][3] == "PROCODE5: RT-01"
    assert df["invalid_value"][4] == "TRETSPEF (or MAINSPEF): 33A"
    assert na(df["record_key"][7]) and df["invalid_value"][7] == "SUSSPELLID: " + ("S8" * 20)[:39] + "\u2026"
    assert df["gpprac"][6] == "NOT A PRACTICE"


def test_without_max_lengths_only_patterns_are_checked(tmp_path: Path) -> None:
    rows = [["K" * 100, *APC_ROWS[0][1:3], '=HYPERLINK("x")', *APC_ROWS[0][4:]]]
    df, _ = read_all(write(tmp_path, delimited(APC_HEADER, rows)))
    assert df["record_key"][0] == "K" * 100 and df["invalid"][0] == "provider_code_invalid"
