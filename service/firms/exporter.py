"""Export firms as CSV (UTF-8 with BOM, opens cleanly in Excel), XLSX or JSON, safe against formula injection."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from service import textguard
from service.firms import columns as cols
from service.firms.schemas import FirmRead

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_KEYS = {"name_zh", "name_en", "products", "description_zh", "description_en", "town", "credit_code", "inputs",
             *cols.CONTACT_KEYS}


def neutralise(cell: str) -> str:
    """Make a text cell safe to write: control characters replaced (XLSX cannot hold them, and one stored
    name must not break the export for everyone), and a cell a spreadsheet would run as a formula prefixed
    with an apostrophe (OWASP CSV injection)."""
    cell = textguard.neutralise(cell)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _rows(firms: Sequence[FirmRead], contacts: bool) -> list[list[str]]:
    out = []
    for firm in firms:
        row = cols.firm_to_row(firm)
        out.append([str(firm.id)] + [neutralise(row[c.key]) if c.key in TEXT_KEYS else row[c.key]
                                     for c in cols.columns(contacts=contacts)])
    return out


def _header(lang: str, contacts: bool) -> list[str]:
    return ["编号 id" if lang == "zh" else "Id id", *cols.header_row(lang, contacts=contacts)]


def to_csv(firms: Sequence[FirmRead], *, lang: str = "zh", contacts: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(lang, contacts))
    writer.writerows(_rows(firms, contacts))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(firms: Sequence[FirmRead], *, lang: str = "zh", contacts: bool = True) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("企业 Firms")
    sheet.append(_header(lang, contacts))
    text_at = {i + 1 for i, c in enumerate(cols.columns(contacts=contacts)) if c.key in TEXT_KEYS}
    for row in _rows(firms, contacts):
        # Numbers go in as numbers so staff can sort and sum; text stays text (a phone keeps its leading 0).
        sheet.append([v if i in text_at else _number_or_text(v) for i, v in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number_or_text(value: str) -> float | int | str:
    if value and not value.startswith("'"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    return value


def to_json(firms: Sequence[FirmRead], *, contacts: bool = True) -> bytes:
    hidden = set() if contacts else set(cols.CONTACT_KEYS)
    return json.dumps([f.model_dump(mode="json", exclude=hidden) for f in firms], ensure_ascii=False,
                      indent=2).encode("utf-8")


def export(firms: Sequence[FirmRead], *, fmt: str, lang: str = "zh", contacts: bool = True) -> bytes:
    """Render firms in one of csv, xlsx, json; without the contact columns when `contacts` is false."""
    if fmt == "csv":
        return to_csv(firms, lang=lang, contacts=contacts)
    if fmt == "xlsx":
        return to_xlsx(firms, lang=lang, contacts=contacts)
    if fmt == "json":
        return to_json(firms, contacts=contacts)
    raise ValueError(f"未知格式 {fmt} / unknown format {fmt}")


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
