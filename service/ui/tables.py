"""Tabular downloads (CSV with BOM for Excel, or XLSX) of what a page shows, formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi import Response

from service.firms.exporter import neutralise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def cell(value: Any) -> Any:
    """Numbers stay numbers; text a spreadsheet would run as a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def table_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: str, sheet: str) -> bytes:
    """Render a header and rows as CSV (UTF-8 with BOM) or as one XLSX sheet."""
    safe = [[cell(v) for v in row] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(safe)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook  # a heavy import, only for spreadsheets

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(header))
    for row in safe:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(header: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: str, filename: str,
             sheet: str) -> Response:
    """A CSV or XLSX attachment named `filename` (ASCII only)."""
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(table_bytes(header, rows, fmt=fmt, sheet=sheet), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
