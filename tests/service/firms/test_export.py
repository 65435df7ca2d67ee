"""Exporting firms: formats round-trip, and spreadsheet formulas are neutralised."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from service.database import make_engine, make_session_factory, unit_of_work
from service.firms import service as firm_service
from service.firms.exporter import export
from service.firms.importer import import_firms
from service.firms.schemas import FirmCreate


def _firms(url: str) -> list:  # type: ignore[type-arg]
    engine = make_engine(url)
    with Session(engine) as session:
        firms = firm_service.all_firms(session=session)
    engine.dispose()
    return firms


def test_csv_export_reimports_unchanged(db_url: str) -> None:
    firms = _firms(db_url)
    data = export(firms, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens Chinese text correctly
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        report = import_firms(session=session, data=data, filename="export.csv", max_bytes=10**8)
    engine.dispose()
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(firms))


def test_xlsx_and_json_exports_hold_every_firm(db_url: str) -> None:
    firms = _firms(db_url)
    book = load_workbook(io.BytesIO(export(firms, fmt="xlsx")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == len(firms) + 1
    assert rows[0][2] == "企业名称 name_zh"
    assert isinstance(rows[1][9], int)  # employees stay numbers
    loaded = json.loads(export(firms, fmt="json"))
    assert [f["id"] for f in loaded] == [f.id for f in firms]


def test_formula_injection_is_neutralised(db_url: str) -> None:
    engine = make_engine(db_url)
    with unit_of_work(make_session_factory(engine)) as session:
        firm_service.create(session=session, firm=FirmCreate(
            name_zh="=HYPERLINK(\"http://evil\",\"点我\")", name_en="@SUM(A1)", town="guzhen",
            industries=["C3872"], employees=10, products=["+cmd|' /C calc'!A0", "-2+3"]))
    engine.dispose()
    firms = _firms(db_url)
    text = export(firms, fmt="csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    evil = next(r for r in rows if "HYPERLINK" in r[2])
    assert evil[2].startswith("'=") and evil[3].startswith("'@") and evil[6].startswith("'+")
    book = load_workbook(io.BytesIO(export(firms, fmt="xlsx")))
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type != "f" for c in cells)
