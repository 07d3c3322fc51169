"""Querysets of aggregated rows as DataFrames, fast: ``COPY … TO STDOUT`` on PostgreSQL (parsed by
pyarrow), a plain cursor elsewhere. For ``values(...).annotate(...)`` querysets of plain columns."""

from __future__ import annotations

import io

import pandas as pd
from django.db import connections
from django.db.models import QuerySet

__all__ = ["queryset_frame"]


def _coerce(series: pd.Series, kind: str) -> pd.Series:
    if kind == "text":
        return series.astype("string").replace("", pd.NA)
    if kind == "int":
        return pd.to_numeric(series).astype("Int64")
    if kind == "bool":
        if series.dtype == bool:
            return series
        return series.map(lambda v: v in (True, 1, "t", "true", "True")).astype(bool)
    if kind == "date":
        return pd.to_datetime(series)
    raise ValueError(f"Unknown column kind {kind}.")


def _arrow_frame(buffer: io.BytesIO, columns: dict[str, str]) -> pd.DataFrame:
    """PostgreSQL's CSV as a DataFrame, parsed by pyarrow and handed to pandas without copying strings."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    kinds = {"text": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "date": pa.date32()}
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=list(columns)),
        convert_options=pacsv.ConvertOptions(
            column_types={name: kinds[kind] for name, kind in columns.items()},
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    mapping = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype()}
    frame = table.to_pandas(types_mapper=mapping.get, date_as_object=False)
    for name, kind in columns.items():
        if kind == "bool":
            frame[name] = frame[name].fillna(False).astype(bool)
    return frame


def queryset_frame(qs: QuerySet, columns: dict[str, str]) -> pd.DataFrame:
    """The rows of ``qs`` (a values queryset yielding ``columns`` in order) as a DataFrame.

    ``columns`` maps each column to its kind: "text" (string, blank → <NA>, the costing frames'
    convention), "int" (Int64), "bool" or "date" (datetime64).
    """
    names = list(columns)
    sql, params = qs.query.sql_with_params()
    connection = connections[qs.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            statement = raw.mogrify(sql, params).decode()
            buffer = io.BytesIO()
            raw.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
        if buffer.tell():
            buffer.seek(0)
            return _arrow_frame(buffer, columns)
        frame = pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        frame = pd.DataFrame.from_records(rows, columns=names)
    for name, kind in columns.items():
        frame[name] = _coerce(frame[name], kind)
    return frame


def bulk_insert(model, columns: list[str], rows) -> int:
    """Insert tuples of ``columns`` into ``model``'s table without building instances: ``COPY`` on
    PostgreSQL, ``executemany`` elsewhere. ``None`` is NULL. Returns the number of rows."""
    import csv

    from django.db import connection, transaction

    table = model._meta.db_table
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow(
                    ["\\N" if v is None else ("t" if v is True else "f" if v is False else v) for v in row]
                )
                count += 1
            buffer.seek(0)
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
        else:
            values = list(rows)
            count = len(values)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)
    return count


def bulk_insert_frame(model, frame) -> int:
    """Insert a DataFrame whose columns are ``model``'s column names: ``COPY`` from pandas' C CSV writer on
    PostgreSQL (fast for hundreds of thousands of rows), ``executemany`` elsewhere. Missing values are NULL."""
    from django.db import connection, transaction

    table = model._meta.db_table
    columns = list(frame.columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import pyarrow as pa
            from pyarrow import csv as pacsv

            # Every value quoted, nulls left empty and unquoted: PostgreSQL's CSV reads "" as an empty
            # string and an unquoted empty field as NULL. pyarrow writes it in C++.
            buffer = io.BytesIO()
            pacsv.write_csv(
                pa.Table.from_pandas(frame, preserve_index=False),
                buffer,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            buffer.seek(0)
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        else:
            plain = frame.astype(object)
            for name in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[name]):
                    plain[name] = pd.Series(frame[name].dt.to_pydatetime(), index=frame.index, dtype=object)
            values = plain.where(frame.notna(), None).itertuples(index=False, name=None)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", list(values)
            )
    return len(frame)


def bulk_insert_arrow(model, table, *, batch_rows: int = 50_000) -> int:
    """Insert a pyarrow table whose columns are ``model``'s column names: ``COPY`` of CSV written by
    pyarrow on PostgreSQL; elsewhere ``executemany`` of plain tuples, ``batch_rows`` at a time so memory
    stays bounded. Nulls are NULL, empty strings stay empty."""
    import pyarrow as pa
    from django.db import connection, transaction
    from pyarrow import csv as pacsv

    db_table = model._meta.db_table
    names = ", ".join(table.column_names)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Every value quoted, nulls left empty and unquoted: PostgreSQL's CSV reads "" as an empty
            # string and an unquoted empty field as NULL.
            buffer = io.BytesIO()
            pacsv.write_csv(
                table,
                buffer,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {db_table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)
        else:
            # Dates as ISO text (what Django stores on SQLite), not date objects to adapt one by one.
            columns = [
                column.cast(pa.string()) if pa.types.is_date(column.type) else column
                for column in table.columns
            ]
            table = pa.table(columns, names=table.column_names)
            sql = f"INSERT INTO {db_table} ({names}) VALUES ({', '.join(['%s'] * table.num_columns)})"  # noqa: S608
            for start in range(0, table.num_rows, batch_rows):
                part = table.slice(start, batch_rows)
                cursor.executemany(
                    sql, list(zip(*(column.to_pylist() for column in part.columns), strict=True))
                )
    return table.num_rows
