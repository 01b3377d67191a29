"""Tables: what every page shows, and what its CSV and JSON twins contain.

A page builds Tables from the metrics service; HTML, CSV and JSON are three
renderings of the same rows, so a download never disagrees with the page."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterator

from peerbot.services.metrics import HIDDEN


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # int | share | hours | number | days | date | datetime | text | user | topic | auto (row["unit"])


@dataclass
class Table:
    name: str  # used in ?table=NAME and file names
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    note: str = ""
    empty: str = "Nothing in this period."


def raw(value):
    """A value as CSV and JSON carry it: ISO dates, numbers, "<5", or empty."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def display(value, kind: str, row: dict | None = None) -> str:
    """A value as the HTML page shows it."""
    if kind == "auto" and row is not None:
        kind = row.get("unit", "int")
    if value is None:
        return "—"
    if value == HIDDEN:
        return HIDDEN
    if kind == "share":
        return f"{value:.0%}"
    if kind == "hours":
        return f"{value:.1f} h"
    if kind in ("number", "days") and isinstance(value, float):
        return f"{value:.1f}"
    if kind == "date" and isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def csv_stream(table: Table) -> Iterator[bytes]:
    """The table as CSV, a line at a time (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([c.key for c in table.columns])
    yield flush()
    for row in table.rows:
        writer.writerow(["" if raw(row.get(c.key)) is None else _safe(raw(row.get(c.key))) for c in table.columns])
        yield flush()


def _safe(value):
    """Spreadsheets run cells starting with = + - @ as formulas: defuse text cells that do."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and value != HIDDEN:
        return "'" + value
    return value


def json_body(table: Table, filters: dict) -> bytes:
    return json.dumps({
        "table": table.name, "title": table.title, "filters": filters,
        "columns": [c.key for c in table.columns],
        "rows": [{c.key: raw(row.get(c.key)) for c in table.columns} for row in table.rows],
    }, indent=1).encode("utf-8")
