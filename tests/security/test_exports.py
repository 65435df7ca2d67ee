"""The park lead list exported from the UI: no cell a spreadsheet would run as a formula, in CSV or Excel."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import HOSTILE, LEADS

pytestmark = pytest.mark.slow

FORMULAS = ("formula_eq", "formula_plus", "formula_minus", "formula_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(cell: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", cell) is not None


def test_csv_lead_list_neutralises_formula_starts(client: TestClient, lead_park: int) -> None:
    response = client.get(f"/ui/parks/{lead_park}/leads.csv", params=LEADS)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    risky = [cell for row in rows[1:] for cell in row if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]
    assert risky == []
    shown = {cell for row in rows[1:] for cell in row[1:3]}
    for label in FORMULAS:
        assert "'" + HOSTILE[label] in shown, f"{label} is missing or not neutralised"


def test_excel_lead_list_holds_no_formula(client: TestClient, lead_park: int) -> None:
    response = client.get(f"/ui/parks/{lead_park}/leads.xlsx", params=LEADS)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        sheets = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets), "a cell was stored as a formula"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    risky = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
    assert risky == []
    texts = {c.value for c in cells}
    for label in FORMULAS:
        assert "'" + HOSTILE[label] in texts
