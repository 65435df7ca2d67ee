"""Import properties: a valid file imported twice changes nothing the second time; one bad row writes nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from service.catalog import models as cm
from service.database import make_engine, make_session_factory, unit_of_work
from service.errors import ImportRejected
from service.firms.credit_code import ALPHABET, check_character
from service.firms.importer import ImportReport, import_firms
from tests.properties.dbstate import rows
from tests.properties.strategies import IN_CI

COLUMNS = ("credit_code", "name_zh", "name_en", "town", "industries", "products", "description_zh", "employees",
           "revenue_10k_yuan", "land_mu", "electricity_kwh", "inputs", "export_share", "env_category", "expansion")
NAME_CHARS = "中山市古镇灯饰电器五金有限公司科技照明铝业 &'\"-,.()（）"
PRODUCTS = ["LED吸顶灯", "铝制灯体", "电饭煲", "锁具", "牛仔裤", "刺梨原汁", "压铸件", "PCB", "motor", "茶叶"]
ENV_WORDS = ["报告书", "报告表", "登记表", "report", "table", "registration"]
BOOL_WORDS = ["是", "否", "yes", "no", "true", "false", "1", "0", ""]
MAX_BYTES = 32_000_000

# Settings shared by the import properties: each example writes to the same real database, which only
# adds variety (later examples may update firms earlier ones created), never changes what must hold.
IMPORT_SETTINGS = settings(max_examples=20, deadline=None, derandomize=IN_CI, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _catalog(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        towns = [(t.code, t.name_zh, t.name_en) for t in session.scalars(select(cm.Town))]
        classes = sorted(i.code for i in session.scalars(select(cm.Industry)) if i.level == "class")
        units = {r.code: r.unit for r in session.scalars(select(cm.Resource))}
    engine.dispose()
    return {"towns": towns, "classes": classes, "units": units}


GOOD = {"credit_code": "", "name_zh": "中山市测试灯饰有限公司", "name_en": "", "town": "guzhen", "industries": "C3872",
        "products": "", "description_zh": "", "employees": "20", "revenue_10k_yuan": "", "land_mu": "",
        "electricity_kwh": "", "inputs": "", "export_share": "", "env_category": "登记表", "expansion": "否"}


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


@st.composite
def firm_rows(draw: st.DrawFn, catalog: dict[str, Any]) -> dict[str, Any]:
    """One valid row as text cells, plus the town code it resolves to (under the key '_town')."""
    code, zh, en = draw(st.sampled_from(catalog["towns"]))
    name = draw(st.text(alphabet=NAME_CHARS, min_size=1, max_size=30).filter(lambda s: s.strip()))
    credit = None
    if draw(st.booleans()):
        body = "9144" + draw(st.text(alphabet=ALPHABET, min_size=13, max_size=13))
        credit = body + check_character(body)
    resources = draw(st.lists(st.sampled_from(sorted(catalog["units"])), max_size=3, unique=True))
    inputs = ";".join(f"{r}:{_number(draw(st.floats(0, 1e6)))}:{draw(st.sampled_from([catalog['units'][r], '']))}"
                      for r in resources)
    return {
        "_town": code,
        "credit_code": credit or "",
        "name_zh": name,
        "name_en": draw(st.text(alphabet="Zhongshan Lighting Co., Ltd.&'\"", max_size=40)),
        "town": draw(st.sampled_from([code, zh, en])),
        "industries": ";".join(draw(st.lists(st.sampled_from(catalog["classes"]), min_size=1, max_size=3, unique=True))),
        "products": draw(st.sampled_from(["；", ";", "、"])).join(draw(st.lists(st.sampled_from(PRODUCTS), max_size=3))),
        "description_zh": draw(st.text(alphabet=NAME_CHARS + "\n，。", max_size=80)),
        "employees": str(draw(st.integers(0, 1_000_000))),
        "revenue_10k_yuan": _number(draw(st.none() | st.floats(0, 1e9))),
        "land_mu": _number(draw(st.none() | st.floats(0, 1e5))),
        "electricity_kwh": _number(draw(st.none() | st.floats(0, 1e10))),
        "inputs": inputs,
        "export_share": _number(draw(st.none() | st.floats(0, 1))),
        "env_category": draw(st.sampled_from(ENV_WORDS)),
        "expansion": draw(st.sampled_from(BOOL_WORDS)),
    }


def firm_files(catalog: dict[str, Any], *, min_rows: int = 1) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rows a file may hold together: no credit code twice, no name twice in one town."""
    return st.lists(firm_rows(catalog), min_size=min_rows, max_size=8,
                    unique_by=(lambda r: (r["name_zh"].strip(), r["_town"]),
                               lambda r: r["credit_code"] or id(r)))


def render(cells: list[dict[str, Any]], fmt: str) -> tuple[str, bytes]:
    """Write rows as a CSV (UTF-8 with BOM), XLSX or JSON file."""
    table = [[row[k] for k in COLUMNS] for row in cells]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([list(COLUMNS), *table])
        return "firms.csv", buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(COLUMNS))
        for line in table:
            # Text stays text: a cell such as '=x' must not become a formula on the way in.
            sheet.append(line)
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return "firms.xlsx", out.getvalue()
    return "firms.json", json.dumps([dict(zip(COLUMNS, line, strict=True)) for line in table],
                                    ensure_ascii=False).encode("utf-8")


def _import(url: str, name: str, data: bytes) -> ImportReport:
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return import_firms(session=session, data=data, filename=name, max_bytes=MAX_BYTES)
    finally:
        engine.dispose()


@pytest.fixture
def catalog(db_url: str) -> dict[str, Any]:
    return _catalog(db_url)


@pytest.mark.slow
@IMPORT_SETTINGS
@given(data=st.data(), fmt=st.sampled_from(["csv", "xlsx", "json"]))
def test_importing_the_same_file_twice_changes_nothing_the_second_time(db_url: str, catalog: dict[str, Any],
                                                                       data: st.DataObject, fmt: str) -> None:
    cells = data.draw(firm_files(catalog))
    name, content = render(cells, fmt)
    first = _import(db_url, name, content)
    assert first.rows == len(cells) and first.created + first.updated + first.unchanged == len(cells)
    written = rows(db_url)
    second = _import(db_url, name, content)
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(cells))
    assert rows(db_url) == written, "the second import rewrote rows"


INVALID = {
    "employees": ["many", "-3", "12.5", ""],
    "industries": ["Z9999", "C38", ""],
    "town": ["atlantis", ""],
    "credit_code": ["91442000MA4UH8KX2X", "123"],
    "name_zh": [""],
    "env_category": ["maybe"],
    "expansion": ["perhaps"],
    "inputs": ["unobtainium:3:t", "aluminium_ingot:lots:t", "aluminium_ingot:3:kWh"],
    "export_share": ["half"],
}


@pytest.mark.slow
@IMPORT_SETTINGS
@given(data=st.data(), fmt=st.sampled_from(["csv", "xlsx", "json"]),
       bad=st.sampled_from([(k, v) for k, values in INVALID.items() for v in values]))
def test_a_file_with_one_invalid_row_writes_nothing(db_url: str, catalog: dict[str, Any], data: st.DataObject,
                                                    fmt: str, bad: tuple[str, str]) -> None:
    cells = data.draw(firm_files(catalog, min_rows=2))
    at = data.draw(st.integers(0, len(cells) - 1))
    cells[at] = {**cells[at], bad[0]: bad[1]}
    name, content = render(cells, fmt)
    before = rows(db_url)
    with pytest.raises(ImportRejected) as refused:
        _import(db_url, name, content)
    # The bad row is named (header is row 1 in CSV and XLSX; JSON counts objects from 1).
    row_number = at + (1 if fmt == "json" else 2)
    assert any(p.row == row_number for p in refused.value.problems), refused.value.problems
    assert "未写入任何数据" in refused.value.message and "nothing was written" in refused.value.message
    assert rows(db_url) == before


def test_csv_row_numbers_count_records_not_lines(db_url: str) -> None:
    cells = [{**GOOD, "name_zh": "甲公司", "description_zh": "第一行\n第二行\n第三行"},
             {**GOOD, "name_zh": "乙公司", "employees": "many"}]
    name, content = render(cells, "csv")
    with pytest.raises(ImportRejected) as refused:
        _import(db_url, name, content)
    # Excel shows the second firm on row 3 (header on row 1), whatever its neighbour's cell holds.
    assert [p.row for p in refused.value.problems] == [3]


def test_apostrophes_in_cells_do_not_merge_csv_rows(db_url: str) -> None:
    cells = [{**GOOD, "name_zh": "中山市冷柜有限公司", "products": "'-20℃冷柜"},  # as the export neutralises "-20℃冷柜"
             {**GOOD, "name_zh": "中山市林氏兄弟灯饰有限公司", "name_en": "Lam Brothers'"}]
    name, content = render(cells, "csv")
    report = _import(db_url, name, content)
    assert report.rows == 2 and report.created == 2


def test_a_file_that_renames_a_firm_imports_idempotently(db_url: str) -> None:
    code = "91442000MA4RENAME"
    code += check_character(code)
    _import(db_url, *render([{**GOOD, "credit_code": code, "name_zh": "中山市甲灯饰有限公司"}], "csv"))
    # Row 2 renames the firm with that credit code; row 3 is a new firm that takes over the old name.
    renamed = [{**GOOD, "credit_code": code, "name_zh": "中山市乙灯饰有限公司"},
               {**GOOD, "name_zh": "中山市甲灯饰有限公司", "employees": "55"}]
    first = _import(db_url, *render(renamed, "csv"))
    assert (first.created, first.updated) == (1, 1)
    again = _import(db_url, *render(renamed, "csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
