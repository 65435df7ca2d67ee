"""Importing firms: formats, encodings, validation, atomicity and idempotence, on real databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from service.database import make_engine, make_session_factory, unit_of_work
from service.errors import ImportRejected
from service.firms import service as firm_service
from service.firms.columns import header_row
from service.firms.credit_code import check_character
from service.firms.importer import ImportReport, import_firms
from service.firms.schemas import FirmRead

HEADER_ZH = ["统一社会信用代码", "企业名称", "英文名称", "镇街", "行业代码", "主要产品", "经营范围", "员工人数",
             "用地(亩)", "年用电量(千瓦时)", "主要投入", "出口占比", "环评类别"]


def credit(body: str) -> str:
    """A valid credit code built from 17 characters."""
    return body + check_character(body)


GOOD_ROWS = [
    [credit("91442000MA4TEXT01"), "中山市测试灯饰有限公司", "Zhongshan Test Lighting Co., Ltd.", "古镇", "C3872",
     "LED吸顶灯;铝制灯体", "研发、生产、销售：LED灯饰、照明器具。", "85", "12", "900000",
     "aluminium_ingot:300:t", "40%", "登记表"],
    ["", "中山市测试电器有限公司", "Zhongshan Test Appliance Co., Ltd.", "dongfeng", "C3856", "电饭煲",
     "生产、销售：家用厨房电器。", "230", "30", "2500000", "", "0.2", "报告表"],
]


def to_csv(rows: list[list[str]], header: list[str] = HEADER_ZH) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def run_import(url: str, data: bytes, name: str) -> object:
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return import_firms(session=session, data=data, filename=name, max_bytes=32_000_000)
    finally:
        engine.dispose()


def firm_count(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        n = firm_service.count(session=session)
    engine.dispose()
    return n


def find(url: str, name: str) -> list[object]:
    engine = make_engine(url)
    with Session(engine) as session:
        items, _ = firm_service.list_firms(session=session, q=name)
    engine.dispose()
    return list(items)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_imports_and_reimport_changes_nothing(db_url: str, encoding: str) -> None:
    before = firm_count(db_url)
    data = to_csv(GOOD_ROWS).encode(encoding)
    report = run_import(db_url, data, "firms.csv")
    assert (report.created, report.updated) == (2, 0)  # type: ignore[attr-defined]
    assert firm_count(db_url) == before + 2
    [lamp] = find(db_url, "测试灯饰")
    assert lamp.town == "guzhen" and lamp.industries == ["C3872"]  # type: ignore[attr-defined]
    assert lamp.export_share == pytest.approx(0.4)  # type: ignore[attr-defined]
    assert lamp.inputs[0].unit == "t"  # type: ignore[attr-defined]
    again = run_import(db_url, data, "firms.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)  # type: ignore[attr-defined]
    assert firm_count(db_url) == before + 2


def test_changed_row_updates_by_credit_code(db_url: str) -> None:
    run_import(db_url, to_csv(GOOD_ROWS).encode(), "a.csv")
    renamed = [row[:] for row in GOOD_ROWS[:1]]
    renamed[0][1] = "中山市测试灯饰科技有限公司"
    renamed[0][7] = "120"
    report = run_import(db_url, to_csv(renamed).encode(), "b.csv")
    assert (report.created, report.updated) == (0, 1)  # type: ignore[attr-defined]
    [lamp] = find(db_url, "测试灯饰科技")
    assert lamp.employees == 120  # type: ignore[attr-defined]


def test_bad_file_lists_every_problem_and_writes_nothing(db_url: str) -> None:
    before = firm_count(db_url)
    bad = [
        GOOD_ROWS[0],  # valid, must not be written either
        ["", "", "", "古镇", "C3872", "", "", "10", "", "", "", "", ""],  # missing name
        ["", "中山市甲公司", "", "古镇", "C9999", "", "", "ten", "", "", "", "", ""],  # unknown code, bad number
        [GOOD_ROWS[0][0], "中山市乙公司", "", "古镇", "C3872", "", "", "10", "", "", "", "", ""],  # duplicate key
        ["", "中山市丙公司", "", "火星镇", "C3872", "", "", "10", "", "", "coal:5:kWh", "", ""],  # unknown town, a unit that does not measure coal
    ]
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, to_csv(bad).encode("gbk"), "bad.csv")
    problems = caught.value.problems
    by_row = {(p.row, p.column) for p in problems}
    assert (3, "企业名称") in by_row
    assert (4, "员工人数") in by_row
    assert (5, "统一社会信用代码") in by_row
    assert (6, "镇街") in by_row and (6, "主要投入") in by_row
    assert all(" / " in p.message for p in problems)  # Chinese and English
    assert firm_count(db_url) == before


def test_unknown_industry_code_is_reported_on_its_row(db_url: str) -> None:
    rows = [GOOD_ROWS[1][:4] + ["C9999"] + GOOD_ROWS[1][5:]]
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, to_csv(rows).encode(), "x.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "行业代码")]
    assert "C9999" in caught.value.problems[0].message


def test_gbk_file_with_broken_row(db_url: str) -> None:
    before = firm_count(db_url)
    text = to_csv(GOOD_ROWS) + '"中山市断行公司,古镇,C3872\r\n'
    with pytest.raises(ImportRejected):
        run_import(db_url, text.encode("gbk"), "broken.csv")
    assert firm_count(db_url) == before


def _xlsx(rows: list[list[object]], header: list[str] = HEADER_ZH) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_and_json_import(db_url: str) -> None:
    rows: list[list[object]] = [list(GOOD_ROWS[0])]
    rows[0][7] = 85  # a real number cell
    report = run_import(db_url, _xlsx(rows), "firms.xlsx")
    assert report.created == 1  # type: ignore[attr-defined]
    doc = [{"name_zh": "中山市测试游艺有限公司", "town": "gangkou", "industries": ["C2462"], "employees": 40,
            "inputs": [{"resource": "steel", "quantity": 50, "unit": "t"}]}]
    report = run_import(db_url, json.dumps(doc, ensure_ascii=False).encode(), "firms.json")
    assert report.created == 1  # type: ignore[attr-defined]


def test_formula_cells_are_refused_with_their_cell(db_url: str) -> None:
    rows: list[list[object]] = [list(GOOD_ROWS[0])]
    rows[0][7] = "=10*10"
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, _xlsx(rows), "formula.xlsx")
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "员工人数")
    assert "公式" in problem.message and "formula" in problem.message


@pytest.mark.parametrize(
    ("name", "data", "word"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n  \r\n", "empty"),
        ("header-only.csv", "企业名称,镇街,行业代码,员工人数\r\n".encode(), "no firm rows"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("truncated.xlsx", None, "damaged or truncated"),
        ("notjson.json", b"[{\"name_zh\": ", "malformed JSON"),
    ],
)
def test_damaged_files_get_a_clear_error(db_url: str, name: str, data: bytes | None, word: str) -> None:
    if data is None:
        data = _xlsx([list(GOOD_ROWS[0])])[:700]
    before = firm_count(db_url)
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, data, name)
    assert word in str(caught.value) + " ".join(p.message for p in caught.value.problems)
    assert firm_count(db_url) == before


def test_file_over_the_limit_is_refused(db_url: str) -> None:
    big = (to_csv(GOOD_ROWS) + ("x" * 1000 + "\r\n") * 52_000).encode()
    assert len(big) > 50_000_000
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, big, "big.csv")
    assert "too large" in str(caught.value) and "过大" in str(caught.value)


def test_header_in_english_and_generated_header_are_understood(db_url: str) -> None:
    header = ["Unified social credit code", "Name (Chinese)", "Name (English)", "Town", "Industry codes", "Products",
              "Business scope (Chinese)", "Employees", "Land (mu)", "Electricity (kWh/year)", "Inputs", "Export share",
              "EIA category"]
    report = run_import(db_url, to_csv(GOOD_ROWS, header).encode(), "en.csv")
    assert report.created == 2  # type: ignore[attr-defined]
    assert header_row("zh")[1] == "企业名称 name_zh"


def test_import_cli_exit_code_and_message(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app
    from service.config import get_settings

    monkeypatch.setenv("PARKMATCH_DATABASE_URL", db_url)
    get_settings.cache_clear()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([["", "", "", "古镇", "C3872", "", "", "10", "", "", "", "", ""]]).encode("gbk"))
    before = firm_count(db_url)
    result = CliRunner().invoke(app, ["import", "firms", str(bad)])
    assert result.exit_code == 1
    assert "第2行" in result.output and "row 2" in result.output
    assert firm_count(db_url) == before
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv(GOOD_ROWS).encode("utf-8-sig"))
    result = CliRunner().invoke(app, ["import", "firms", str(good)])
    assert result.exit_code == 0, result.output
    assert firm_count(db_url) == before + 2
    get_settings.cache_clear()


# ── Names staff write: town aliases, resource names, ASCII units, the classes firms hold ──

NAMED_ROWS = [
    ["", "中山市测试化妆品有限公司", "", "中山市小榄镇", "C2682", "面霜", "", "60", "", "", "铝锭:150:吨", "", ""],
    ["", "中山市测试饮片有限公司", "", "火炬开发区", "C2730", "中药饮片", "", "45", "", "",
     "aluminium_ingot:150:t;天然气:3000:m3", "", ""],
    ["", "中山市测试保健食品有限公司", "", "翠亨新区", "C1492", "保健食品", "", "30", "", "", "电:1e6:kWh", "", ""],
    ["", "中山市测试音响有限公司", "", "xiaolan", "C3952;C3984", "蓝牙音箱", "", "120", "", "",
     "液态铝:20:t;电:2,000,000:千瓦时", "", ""],
    ["", "中山市测试五金有限公司", "", "Xiaolan Town", "C3399", "五金件", "", "25", "", "", "铝型材:12:吨", "", ""],
    ["", "中山市测试灯饰二厂有限公司", "", "中山港", "C3872", "吸顶灯", "", "80", "", "", "天然气:2:万m3", "", ""],
    ["", "中山市测试服装有限公司", "", "小榄镇", "C1829", "文胸", "", "200", "", "", "面料:3:万米", "", ""],
]


def _inputs(firm: object) -> dict[str, tuple[float, str]]:
    return {i.resource: (i.quantity, i.unit) for i in firm.inputs}  # type: ignore[attr-defined]


def test_a_gbk_file_with_names_units_aliases_and_new_classes_imports(db_url: str) -> None:
    data = to_csv(NAMED_ROWS).encode("gbk")  # every form above is expressible in GBK
    report = run_import(db_url, data, "名单.csv")
    assert report.created == len(NAMED_ROWS)  # type: ignore[attr-defined]
    [cosmetics] = find(db_url, "测试化妆品")
    assert cosmetics.town == "xiaolan" and cosmetics.industries == ["C2682"]  # type: ignore[attr-defined]
    assert _inputs(cosmetics) == {"aluminium_ingot": (150, "t")}
    [pieces] = find(db_url, "测试饮片")
    assert pieces.town == "torch_zone" and pieces.industries == ["C2730"]  # type: ignore[attr-defined]
    assert _inputs(pieces) == {"aluminium_ingot": (150, "t"), "natural_gas": (0.3, "万m³")}
    [health] = find(db_url, "测试保健食品")
    assert health.town == "cuiheng" and _inputs(health) == {"electricity": (1_000_000, "kWh")}  # type: ignore[attr-defined]
    [audio] = find(db_url, "测试音响")
    assert audio.industries == ["C3952", "C3984"]  # type: ignore[attr-defined]
    assert _inputs(audio) == {"liquid_aluminium": (20, "t"), "electricity": (2_000_000, "kWh")}
    [hardware] = find(db_url, "测试五金")
    assert hardware.town == "xiaolan" and _inputs(hardware) == {"aluminium_profile": (12, "t")}  # type: ignore[attr-defined]
    [lamps] = find(db_url, "测试灯饰二厂")
    assert lamps.town == "torch_zone" and _inputs(lamps) == {"natural_gas": (2, "万m³")}  # type: ignore[attr-defined]
    again = run_import(db_url, data, "名单.csv")
    assert (again.created, again.updated) == (0, 0)  # type: ignore[attr-defined]


def test_the_same_gbk_file_imports_through_the_api(client: object, keys: dict[str, str]) -> None:
    data = to_csv(NAMED_ROWS).encode("gbk")
    response = client.post("/api/v1/import/firms", files={"file": ("名单.csv", data, "text/csv")},  # type: ignore[attr-defined]
                           headers={"X-API-Key": keys["editor"]})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(NAMED_ROWS)


def test_the_same_gbk_file_imports_through_the_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app
    from service.config import get_settings

    path = tmp_path / "名单.csv"
    path.write_bytes(to_csv(NAMED_ROWS).encode("gbk"))
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["import", "firms", str(path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"新增 created {len(NAMED_ROWS)}" in result.output


@pytest.mark.parametrize(("cell", "word"), [("铝锭:150:kWh", "kWh"), ("天然气:3000:t", "t"), ("电:5:吨", "吨"),
                                            ("锂矿:5:t", "锂矿")])
def test_an_input_that_does_not_fit_is_refused_with_its_row_and_column(db_url: str, cell: str, word: str) -> None:
    rows = [GOOD_ROWS[1], ["", "中山市测试错单位有限公司", "", "古镇", "C3872", "", "", "10", "", "", cell, "", ""]]
    before = firm_count(db_url)
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, to_csv(rows).encode("gbk"), "bad.csv")
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, "主要投入")
    assert word in problem.message and " / " in problem.message
    assert firm_count(db_url) == before


def test_an_unknown_town_is_refused_with_the_valid_names(db_url: str) -> None:
    rows = [["", "中山市测试无镇有限公司", "", "火星镇", "C3872", "", "", "10", "", "", "", "", ""]]
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, to_csv(rows).encode("gbk"), "bad.csv")
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "镇街")
    zh, en = problem.message.split(" / ")
    assert "未知镇街 火星镇" in zh and "石岐街道" in zh and "板芙镇" in zh
    assert "unknown town 火星镇" in en and "Shiqi Subdistrict" in en and "Banfu" in en


BUYER_HEADER = ["企业名称", "镇街", "行业代码", "员工人数", "采购产品", "招工需求"]


def test_buys_and_vacancies_import_by_name_and_come_back_on_the_firm(db_url: str) -> None:
    rows = [["中山市测试果品批发有限公司", "东区", "F5123", "20", "猕猴桃:800:吨;食用菌:0", ""],
            ["中山市测试电器装配有限公司", "南头", "C3852", "900", "", "200:装配工:2-4;30:质检员"]]
    report = run_import(db_url, to_csv(rows, BUYER_HEADER).encode(), "buyers.csv")
    assert isinstance(report, ImportReport) and report.created == 2
    buyer, employer = find(db_url, "测试果品批发")[0], find(db_url, "测试电器装配")[0]
    assert isinstance(buyer, FirmRead) and isinstance(employer, FirmRead)
    assert [(b.resource, b.quantity, b.unit) for b in buyer.buys] == [("kiwifruit", 800, "t"), ("edible_fungi", 0, "t")]
    assert [(v.count, v.role_zh, v.months) for v in employer.vacancies] == [(200, "装配工", [2, 3, 4]), (30, "质检员", [])]
    # The same file again changes nothing.
    again = run_import(db_url, to_csv(rows, BUYER_HEADER).encode(), "buyers.csv")
    assert isinstance(again, ImportReport) and again.unchanged == 2


def test_bad_buys_and_vacancies_are_reported_on_their_row_and_column(db_url: str) -> None:
    before = firm_count(db_url)
    rows = [["中山市测试甲有限公司", "东区", "F5123", "20", "榴莲:5", ""],
            ["中山市测试乙有限公司", "南头", "C3852", "900", "", "两百:装配工"],
            ["中山市测试丙有限公司", "南头", "C3852", "900", "", "20:装配工:13"]]
    with pytest.raises(ImportRejected) as caught:
        run_import(db_url, to_csv(rows, BUYER_HEADER).encode(), "bad.csv")
    by_row = {(p.row, p.column): p.message for p in caught.value.problems}
    assert "榴莲" in by_row[(2, "采购产品")]
    assert "两百" in by_row[(3, "招工需求")] and "whole number" in by_row[(3, "招工需求")]
    assert "1–12" in by_row[(4, "招工需求")]
    assert firm_count(db_url) == before
