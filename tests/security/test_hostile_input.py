"""Hostile input: text without limits, control characters, zip bombs, deep JSON, racing duplicates, nulls."""

from __future__ import annotations

import io
import json
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from service.database import make_engine
from tests.security.conftest import Hostile, assert_no_leak, start

FIRM = {"name_zh": "中山市边界测试灯饰有限公司", "town": "guzhen", "industries": ["C3872"], "employees": 12}
BELL = "\x07"


@pytest.fixture
def api(hostile: Hostile) -> Iterator[TestClient]:
    """A client without the ranking engine, for the writes and imports."""
    client = start(hostile.settings)
    yield client
    client.__exit__(None, None, None)


def _editor(hostile: Hostile) -> dict[str, str]:
    return {"X-API-Key": hostile.keys["editor"]}


def _park_record(api: TestClient, hostile: Hostile, code: str) -> dict[str, Any]:
    park = api.get("/api/v1/parks/1", headers=_editor(hostile)).json()
    record = {k: v for k, v in park.items() if k not in ("id", "county_name_zh", "county_name_en")}
    return {**record, "code": code}


def _chinese(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


def _english(message: str) -> bool:
    return bool(message) and message.isascii()


EN = {"Accept-Language": "en"}


# ---- limits --------------------------------------------------------------------------------------------------

def _unbounded(spec: dict[str, Any]) -> list[str]:
    """Every string without maxLength (enums, constants and formats aside) and array without maxItems in request bodies."""
    schemas = spec["components"]["schemas"]
    found: list[str] = []
    seen: set[str] = set()

    def walk(schema: dict[str, Any], where: str) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(schemas[name], name)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                walk(option, where)
        kind = schema.get("type")
        # An uploaded file (contentMediaType) is bounded by the body limit and PARKMATCH_MAX_IMPORT_MB instead.
        bounded = {"maxLength", "enum", "const", "format", "contentMediaType"} & schema.keys()
        if kind == "string" and not bounded:
            found.append(where)
        if kind == "array":
            if "maxItems" not in schema:
                found.append(where + "[]")
            walk(schema.get("items", {}), where + "[]")
        for name, prop in schema.get("properties", {}).items():
            walk(prop, f"{where}.{name}")

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                walk(media["schema"], f"{method.upper()} {path}")
    return found


# Request bodies owned by the matching package, whose limits are set there; listed so that a new gap elsewhere fails.
MATCHING_BODIES = ("ProspectRequest", "ProspectInput", "PlanRequest")


def test_every_text_field_and_list_in_a_request_body_states_a_limit(api: TestClient) -> None:
    gaps = [g for g in _unbounded(api.get("/openapi.json").json()) if not g.startswith(MATCHING_BODIES)]
    assert gaps == []


def test_an_oversized_product_is_refused_at_once(api: TestClient, hostile: Hostile) -> None:
    started = time.perf_counter()
    response = api.patch("/api/v1/firms/3", json={"products": ["产" * 300_000]}, headers=_editor(hostile))
    assert response.status_code == 422 and time.perf_counter() - started < 2
    assert response.json()["problems"][0]["column"] == "products.0"


def test_too_many_list_items_are_refused(api: TestClient, hostile: Hostile) -> None:
    response = api.patch("/api/v1/firms/3", json={"products": ["灯"] * 5000}, headers=_editor(hostile))
    assert response.status_code == 422 and response.json()["problems"][0]["column"] == "products"


# ---- control characters at input -----------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x00", BELL, "\x1b", "\x7f", "\x85", "\x9b", "\uffff"])
def test_a_control_character_in_a_firm_is_refused_naming_the_field(api: TestClient, hostile: Hostile,
                                                                   char: str) -> None:
    response = api.post("/api/v1/firms", json={**FIRM, "name_zh": f"灯{char}饰"}, headers=_editor(hostile))
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["column"] == "name_zh" and "name_zh" in problem["message"]
    english = api.post("/api/v1/firms", json={**FIRM, "name_zh": f"灯{char}饰"},
                       headers={**_editor(hostile), "Accept-Language": "en"})
    assert "control character" in english.json()["problems"][0]["message"]


def test_tabs_and_line_breaks_are_still_accepted(api: TestClient, hostile: Hostile) -> None:
    body = {**FIRM, "name_zh": "中山市换行测试有限公司", "description_zh": "第一行\r\n第二行\t缩进"}
    assert api.post("/api/v1/firms", json=body, headers=_editor(hostile)).status_code == 201


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PATCH", "/api/v1/firms/3", {"products": ["灯", f"灯{BELL}"]}, "products"),
    ("PATCH", "/api/v1/firms/3", {"inputs": [{"resource": "aluminium_ingot", "quantity": 1, "unit": f"t{BELL}"}]},
     "unit"),
    ("PATCH", "/api/v1/parks/1", {"positioning_zh": f"铝{BELL}"}, "positioning_zh"),
    ("PATCH", "/api/v1/parks/1", {"free_land_mu": {"value": 5, "unit": f"亩{BELL}", "estimate": True}}, "unit"),
    ("POST", "/api/v1/feedback", {"firm_id": 3, "park_id": 1, "status": "contacted", "note": f"备注{BELL}"}, "note"),
    ("POST", "/api/v1/keys", {"name": f"招商局{BELL}", "role": "viewer"}, "name"),
])
def test_control_characters_are_refused_in_every_body(api: TestClient, hostile: Hostile, method: str, path: str,
                                                       body: dict[str, Any], field: str) -> None:
    response = api.request(method, path, json=body, headers={"X-API-Key": hostile.keys["admin"]})
    assert response.status_code == 422, response.text
    messages = [p["message"] for p in response.json()["problems"]]
    assert any(field in m and "控制字符" in m for m in messages), messages


def test_a_control_character_in_a_new_park_is_refused(api: TestClient, hostile: Hostile) -> None:
    record = _park_record(api, hostile, "bell_park")
    record["anchors"] = [{"code": "bell", "name_zh": f"铝{BELL}业", "name_en": "Bell"}]
    response = api.post("/api/v1/parks", json=record, headers=_editor(hostile))
    assert response.status_code == 422 and "name_zh" in response.json()["problems"][0]["message"]


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(api: TestClient, hostile: Hostile, name: str, data: bytes) -> Any:
    return api.post("/api/v1/import/firms", files={"file": (name, data)}, headers=_editor(hostile))


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_control_character_in_an_import_is_refused_naming_row_and_column(api: TestClient, hostile: Hostile,
                                                                           fmt: str) -> None:
    good, bad = "中山市导入甲有限公司", f"中山市导入{BELL}乙有限公司"
    if fmt == "csv":
        data = f"企业名称,镇街,行业代码,员工人数\r\n{good},guzhen,C3872,5\r\n{bad},guzhen,C3872,5\r\n".encode()
    elif fmt == "json":
        data = json.dumps([{**FIRM, "name_zh": good}, {**FIRM, "name_zh": bad}]).encode()
    else:
        # openpyxl refuses to write most C0 characters; a C1 one is valid XML and reaches the reader.
        bad = bad.replace(BELL, "\x85")
        data = _xlsx([["企业名称", "镇街", "行业代码", "员工人数"], [good, "guzhen", "C3872", 5],
                      [bad, "guzhen", "C3872", 5]])
    response = _import(api, hostile, f"firms.{fmt}", data)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2 if fmt == "json" else 3, "企业名称")]
    assert "控制字符" in problems[0]["message"]
    english = api.post("/api/v1/import/firms", files={"file": (f"firms.{fmt}", data)}, headers={**_editor(hostile), **EN})
    assert "control character" in english.json()["problems"][0]["message"]


def test_a_control_character_in_a_ui_form_is_refused_with_a_page(client: TestClient, hostile: Hostile) -> None:
    page = client.get(f"/ui/firms/{hostile.firm_ids['path']}")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post("/ui/feedback", data={"firm_id": hostile.firm_ids["path"], "park_id": 1,
                                                 "status": "contacted", "note": f"备注{BELL}", "csrf": token})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert_no_leak(response.content)


# ---- control characters already stored -------------------------------------------------------------------------

STORED = f"中山市{BELL}存量\x1b[31m灯饰\x85有限公司"


def _store_directly(hostile: Hostile, firm_id: int) -> None:
    """Write the name as a database from before these checks (or another tool) could hold it."""
    engine = make_engine(hostile.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE firms SET name_zh = :n, products = :p WHERE id = :i"),
                           {"n": STORED, "p": json.dumps([STORED]), "i": firm_id})
    engine.dispose()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_stored_control_character_never_breaks_the_firm_export(client: TestClient, hostile: Hostile,
                                                                 fmt: str) -> None:
    _store_directly(hostile, hostile.firm_ids["script"])
    response = client.get("/api/v1/firms/export", params={"format": fmt}, headers={"X-API-Key": hostile.keys["viewer"]})
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    else:
        cells = [response.content.decode("utf-8-sig")]
    shown = [c for c in cells if "存量" in c]
    assert shown and all(BELL not in c and "\x1b" not in c and "\x85" not in c and "\ufffd" in c for c in shown)


@pytest.mark.parametrize("fmt", ["docx", "pdf", "md"])
def test_a_stored_control_character_never_breaks_a_brief(client: TestClient, hostile: Hostile, fmt: str) -> None:
    firm_id = hostile.firm_ids["script"]
    _store_directly(hostile, firm_id)
    response = client.get("/api/v1/briefs", params={"firm_id": firm_id, "park_id": 1, "format": fmt},
                          headers={"X-API-Key": hostile.keys["viewer"]})
    assert response.status_code == 200, response.text[:300]
    if fmt == "md":
        assert "存量" in response.text and BELL not in response.text and "\x1b" not in response.text


def test_a_stored_control_character_never_breaks_the_lead_list(client: TestClient, hostile: Hostile,
                                                               lead_park: int) -> None:
    _store_directly(hostile, hostile.firm_ids["script"])
    client.app.state.match_service.firms_changed([hostile.firm_ids["script"]])  # type: ignore[attr-defined]
    response = client.get(f"/ui/parks/{lead_park}/leads.xlsx", params={"town": "guzhen", "industry": "C3872",
                                                                       "top_k": 200})
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content), read_only=True)


# ---- zip bombs, deep and large JSON ------------------------------------------------------------------------------

def _zip_bomb(expanded_mib: int) -> bytes:
    """An .xlsx whose sheet inflates to `expanded_mib` MiB of spaces, built without holding or compressing them.

    Each MiB is the same fully flushed deflate block, so the blocks can be repeated; the CRC is computed over
    the real content, so an unguarded reader inflates all of it before finding anything wrong.
    """
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>')
    tail = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)

    def flushed(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)

    body_block = flushed(chunk)
    closer = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = flushed(head) + body_block * expanded_mib + closer.compress(tail) + closer.flush()
    crc = zlib.crc32(head)
    for _ in range(expanded_mib):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    sheet = ("xl/worksheets/sheet1.xml", compressed, crc, len(head) + len(tail) + expanded_mib * len(chunk), 8)

    normal = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx([["企业名称", "镇街", "行业代码", "员工人数"]]))) as source:
        parts = [(i.filename, source.read(i.filename)) for i in source.infolist() if i.filename != sheet[0]]
    members = [(name, data, zlib.crc32(data), len(data), 0) for name, data in parts] + [sheet]
    directory = b""
    for name, data, member_crc, size, method in members:
        encoded = name.encode()
        offset = normal.tell()
        normal.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, member_crc, len(data), size,
                                 len(encoded), 0) + encoded + data)
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, member_crc, len(data),
                                 size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start_of_directory = normal.tell()
    normal.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory),
                                         start_of_directory, 0))
    return normal.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_inflated(api: TestClient, hostile: Hostile) -> None:
    bomb = _zip_bomb(4000)  # about 4 MB that would inflate to 4 GB
    assert 3_500_000 < len(bomb) < 5_000_000
    started = time.perf_counter()
    response = _import(api, hostile, "firms.xlsx", bomb)
    elapsed = time.perf_counter() - started
    # Inflating it took about ten minutes before the check; refusing it takes about a second here, more with
    # the suite's other process beside it (1.15 s seen), so the bound tells the two apart without timing noise.
    assert response.status_code == 422 and elapsed < 10.0, (response.status_code, elapsed)
    assert _chinese(response.json()["detail"]) and "MB" in response.json()["detail"]


def test_a_small_zip_bomb_is_refused_by_its_ratio(api: TestClient, hostile: Hostile) -> None:
    bomb = _zip_bomb(20)  # under the size limit, but 1000 times inflated
    response = api.post("/api/v1/import/firms", files={"file": ("firms.xlsx", bomb)}, headers={**_editor(hostile), **EN})
    assert response.status_code == 422 and "zip bomb" in response.json()["detail"]
    assert _english(response.json()["detail"])


def test_an_xlsx_with_exponential_entities_is_refused(api: TestClient, hostile: Hostile) -> None:
    entities = '<!ENTITY lol0 "lololololo">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["企业名称", "镇街", "行业代码", "员工人数"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                text_ = data.decode().replace(  # openpyxl writes no XML declaration of its own
                    "</sheetData>", '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
                data = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>{text_}'.encode()
            archive.writestr(part.filename, data)
    response = _import(api, hostile, "firms.xlsx", out.getvalue())
    assert response.status_code == 422 and _chinese(response.json()["detail"])


def test_deeply_nested_json_is_refused(api: TestClient, hostile: Hostile) -> None:
    deep = ("[" * 200_000 + "]" * 200_000).encode()
    response = _import(api, hostile, "firms.json", deep)
    assert response.status_code == 422 and response.json()["detail"] == "JSON 嵌套过深（上限 10 层）"
    just_over = json.dumps({"firms": [{**FIRM, "products": [[[[[[[[["灯"]]]]]]]]]}]}).encode()  # 12 levels
    assert _import(api, hostile, "firms.json", just_over).status_code == 422
    body = api.post("/api/v1/firms", content=deep, headers={**_editor(hostile), "content-type": "application/json"})
    assert body.status_code == 422 and _chinese(body.json()["detail"])


def test_a_10_mb_json_import_is_refused_without_blowing_memory(api: TestClient, hostile: Hostile) -> None:
    firms = [{**FIRM, "name_zh": f"中山市大文件{i}有限公司", "description_zh": "灯" * 3000} for i in range(1000)]
    firms.append({**FIRM, "name_zh": "中山市超长有限公司", "products": ["产" * 200] * 20_000})
    data = json.dumps({"firms": firms}, ensure_ascii=False).encode()
    assert len(data) > 10_000_000
    tracemalloc.start()
    started = time.perf_counter()
    response = _import(api, hostile, "firms.json", data)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 422 and elapsed < 20
    assert [(p["row"], p["column"]) for p in response.json()["problems"]] == [(1001, "主要产品")]
    assert peak < 400_000_000, f"peak {peak / 1e6:.0f} MB"


def test_a_file_with_more_rows_than_an_import_takes_is_refused_while_reading(api: TestClient, hostile: Hostile) -> None:
    rows = "".join(f"中山市{i}厂,guzhen,C3872,1\r\n" for i in range(100_001))
    data = ("企业名称,镇街,行业代码,员工人数\r\n" + rows).encode()
    started = time.perf_counter()
    response = api.post("/api/v1/import/firms", files={"file": ("big.csv", data)}, headers={**_editor(hostile), **EN})
    assert response.status_code == 422 and "more than 100,000 firm rows" in response.json()["detail"]
    assert time.perf_counter() - started < 20


# ---- racing duplicates and nulls ---------------------------------------------------------------------------------

def _race(api: TestClient, method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> list[int]:
    gate = threading.Barrier(10)
    statuses: list[int] = []

    def send() -> None:
        gate.wait()
        statuses.append(api.request(method, path, json=body, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_ten_parallel_identical_firm_creates_give_one_201_and_nine_409(api: TestClient, hostile: Hostile) -> None:
    assert _race(api, "POST", "/api/v1/firms", FIRM, _editor(hostile)) == [201] + [409] * 9


def test_ten_parallel_identical_park_creates_give_one_201_and_nine_409(api: TestClient, hostile: Hostile) -> None:
    record = _park_record(api, hostile, "race_park")
    assert _race(api, "POST", "/api/v1/parks", record, _editor(hostile)) == [201] + [409] * 9


@pytest.mark.parametrize("field", ["name_zh", "name_en", "level", "positioning_zh", "positioning_en",
                                   "target_industries"])
def test_null_for_a_park_field_that_must_have_a_value_is_422(api: TestClient, hostile: Hostile, field: str) -> None:
    response = api.patch("/api/v1/parks/1", json={field: None}, headers=_editor(hostile))
    assert response.status_code == 422 and response.json()["problems"][0]["column"] == field


def test_null_for_a_park_figure_clears_it(api: TestClient, hostile: Hostile) -> None:
    response = api.patch("/api/v1/parks/1", json={"labour_pool": None}, headers=_editor(hostile))
    assert response.status_code == 200 and response.json()["labour_pool"] is None


# ---- what the contract fuzzer found ---------------------------------------------------------------------------

@pytest.mark.parametrize("figure", [{"value": 5, "unit": "人", "estimate": 0}, {"value": "5", "unit": "人", "estimate": True},
                                    {"value": False, "unit": "人", "estimate": True},
                                    {"value": 5, "unit": "人", "source": "https://example.org", "as_of": 0}])
def test_a_figure_holds_a_real_boolean_date_and_number(api: TestClient, hostile: Hostile, figure: dict[str, Any]) -> None:
    # pydantic would read 0 as false or as 1970-01-01, and "5" as 5; the schema promises a boolean, a
    # YYYY-MM-DD date and a number.
    response = api.patch("/api/v1/parks/1", json={"labour_pool": figure}, headers=_editor(hostile))
    assert response.status_code == 422


def test_a_body_that_is_not_text_is_a_documented_422(api: TestClient, hostile: Hostile) -> None:
    response = api.patch("/api/v1/firms/3", content=b"\xff\t\xfe\n",
                         headers={**_editor(hostile), "content-type": "application/json"})
    assert response.status_code == 422 and _chinese(response.json()["detail"])


@pytest.mark.parametrize(("method", "path", "allow"), [("OPTIONS", "/api/v1/firms", "GET, POST"),
                                                       ("PUT", "/api/v1/parks/1", "DELETE, GET, PATCH"),
                                                       ("TRACE", "/health", "GET")])
def test_a_method_not_allowed_lists_every_method_the_path_answers(api: TestClient, method: str, path: str,
                                                                  allow: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allow
