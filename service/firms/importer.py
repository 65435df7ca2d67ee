"""Import firms from CSV (UTF-8, UTF-8 with BOM, GBK), XLSX or JSON: every row checked, all or nothing."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from service.catalog.service import lookup
from service.catalog.words import Lookup
from service.errors import ImportRejected, Problem
from service.firms import columns as cols
from service.firms import service as firm_service
from service.firms.schemas import FirmCreate
from service.textguard import control_message, control_problem

REQUIRED = ("name_zh", "town", "industries", "employees")
FORMATS = ("csv", "xlsx", "json")
# GB18030 is a superset of GBK and GB2312, so one attempt covers what Excel on Chinese Windows writes.
ENCODINGS = ("utf-8-sig", "gb18030")
# Longest cell read from any file: a products cell holding 50 names of 200 characters fits; a cell that
# could not become a valid firm field is refused before any column is parsed.
MAX_CELL = 20_000
# Firms per file: twice the 50,000 a bulk import is sized for. A full 32 MB CSV holds about 300,000 short rows,
# and checking that many would take the process past 1 GB; larger sets are imported in parts.
MAX_ROWS = 100_000
# A firm file nests no deeper than {"firms": [{"inputs": [{...}]}]}; deeper JSON is not a firm file.
MAX_JSON_DEPTH = 10
# An XLSX is a zip: its parts are checked by their declared sizes before any is inflated. zipfile never
# inflates a part past its declared size, so these bound what openpyxl can be made to read.
MAX_XLSX_EXPANDED = 100_000_000
MAX_XLSX_RATIO = 100  # real sheets inflate 5–30 times; a zip bomb thousands of times
MAX_XLSX_PARTS = 1000


class ImportReport(BaseModel):
    """What an import did, or would do when rejected."""

    file: str = Field(description="文件名 / File name")
    rows: int = Field(description="数据行数 / Data rows read")
    created: int = Field(description="新增 / Firms created")
    updated: int = Field(description="更新 / Firms updated")
    unchanged: int = Field(description="未变 / Firms unchanged")
    ignored_columns: list[str] = Field(default_factory=list, description="未识别的列（已忽略）/ Unknown columns, ignored")
    firm_ids: list[int] = Field(default_factory=list, description="新增或更新的企业编号 / Ids created or updated")


@dataclass
class Table:
    """Rows of text cells keyed by field key, each with its row number in the file (header = 1)."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Rows already reported while reading (e.g. a formula cell); checking them again would only repeat it.
    reported_rows: set[int] = field(default_factory=set)
    # Row → fields a JSON file gives as objects with no cell form (vacancies with English roles and skills).
    structured: dict[int, dict[str, Any]] = field(default_factory=dict)


def _reject(file: str, message: str) -> ImportRejected:
    return ImportRejected(message, problems=[Problem(file=file, message=message)])


def _too_many_rows(file: str) -> ImportRejected:
    return _reject(file, f"文件超过 {MAX_ROWS} 行企业数据，请拆分后分批导入 / "
                         f"the file holds more than {MAX_ROWS:,} firm rows; split it and import the parts")


def _screen(table: Table, file: str, row_no: int, values: dict[str, str]) -> bool:
    """Refuse overlong cells and control characters while reading, naming the row and column; True if clean."""
    clean = True
    for key, value in values.items():
        column = cols.BY_KEY[key].zh if key in cols.BY_KEY else key
        if len(value) > MAX_CELL:
            message = (f"{column} 过长：{len(value)} 个字符，上限 {MAX_CELL} / "
                       f"{column} is too long: {len(value)} characters, limit {MAX_CELL}")
        elif (found := control_problem(value)) is not None:
            message = control_message(column, found)
        else:
            continue
        table.problems.append(Problem(file=file, row=row_no, column=column, message=message))
        clean = False
    if not clean:
        table.reported_rows.add(row_no)
    return clean


def detect_format(name: str, data: bytes) -> str:
    """Tell the format from the file name, falling back to the first bytes."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in FORMATS:
        return suffix
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _header(table: Table, cells: list[str], file: str) -> list[str | None]:
    keys: list[str | None] = []
    seen: set[str] = set()
    for cell in cells:
        key = cols.header_key(cell) if cell else None
        if key is None and cell.strip():
            table.ignored.append(cell.strip())
        if key in seen:
            table.problems.append(Problem(file=file, row=1, column=cell,
                                          message=f"列重复：{cell} / duplicate column: {cell}"))
        if key:
            seen.add(key)
        keys.append(key)
    missing = [k for k in REQUIRED if k not in seen]
    for key in missing:
        c = cols.BY_KEY[key]
        table.problems.append(Problem(file=file, row=1, column=c.zh,
                                      message=f"缺少必填列 {c.zh} / missing required column {c.en} ({key})"))
    return keys


def _decode(data: bytes, file: str) -> str:
    if b"\x00" in data[:4096]:
        raise _reject(file, "不是文本表格文件（含二进制内容）/ not a text spreadsheet: the file holds binary data")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _reject(file, "无法识别文件编码，请另存为 UTF-8 或 GBK 的 CSV / unknown text encoding: save as CSV in UTF-8 or GBK")


def read_csv(data: bytes, file: str) -> Table:
    text = _decode(data, file)
    # Only the delimiter is guessed (Excel writes ';' or tabs in some locales); the quote character is
    # always '"', since guessing it mistakes apostrophes inside cells for quotes.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    table = Table()
    try:
        header = next(reader, None)
        if header is None:
            raise _reject(file, "文件为空 / the file is empty")
        keys = _header(table, header, file)
        # Rows are numbered by record, as a spreadsheet shows them, not by physical line: a line break
        # inside a quoted cell does not shift the rows after it.
        for row_no, line in enumerate(reader, start=2):
            if not any(cell.strip() for cell in line):
                continue
            if len(line) > len(keys):
                table.problems.append(Problem(file=file, row=row_no,
                                              message=f"本行有 {len(line)} 列，多于表头的 {len(keys)} 列 / row has {len(line)} cells, more than the {len(keys)} header columns"))
                continue
            values = {k: v for k, v in zip(keys, line, strict=False) if k}
            _screen(table, file, row_no, values)
            table.rows.append((row_no, values))
            if len(table.rows) > MAX_ROWS:
                raise _too_many_rows(file)
    except csv.Error as exc:
        raise _reject(file, f"CSV 格式错误（第{reader.line_num}行）/ malformed CSV at line {reader.line_num}: {exc}") from exc
    return table


def _check_expanded_size(data: bytes, file: str) -> None:
    """Refuse an XLSX whose parts would inflate past the limits (a zip bomb), before parsing any of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _reject(file, f"不是有效的 Excel 文件（可能已损坏或被截断）/ not a valid Excel file (damaged or truncated): {type(exc).__name__}") from exc
    if len(parts) > MAX_XLSX_PARTS:
        raise _reject(file, f"Excel 文件结构异常：含 {len(parts)} 个部件，上限 {MAX_XLSX_PARTS} / "
                            f"unusual Excel file: {len(parts)} parts, limit {MAX_XLSX_PARTS}")
    expanded = sum(part.file_size for part in parts)
    if expanded > MAX_XLSX_EXPANDED:
        raise _reject(file, f"Excel 文件解压后过大：{expanded / 1e6:.0f} MB，上限 {MAX_XLSX_EXPANDED / 1e6:.0f} MB；请拆分文件或另存为 CSV / "
                            f"the Excel file expands to {expanded / 1e6:.0f} MB, limit {MAX_XLSX_EXPANDED / 1e6:.0f} MB; split it or save as CSV")
    for part in parts:
        if part.file_size > 1_000_000 and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            raise _reject(file, f"Excel 文件压缩比异常（{part.filename} 膨胀 {part.file_size // max(part.compress_size, 1)} 倍），疑为压缩炸弹 / "
                                f"the Excel file's {part.filename} inflates {part.file_size // max(part.compress_size, 1)} times, "
                                f"limit {MAX_XLSX_RATIO}: refused as a possible zip bomb")


def read_xlsx(data: bytes, file: str) -> Table:
    from openpyxl import load_workbook  # a heavy import, only for spreadsheets

    _check_expanded_size(data, file)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    # SyntaxError: XML that does not parse, or entity expansion past expat's amplification limit (billion laughs).
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        raise _reject(file, f"不是有效的 Excel 文件（可能已损坏或被截断）/ not a valid Excel file (damaged or truncated): {type(exc).__name__}") from exc
    table = Table()
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, None)
        if header is None:
            raise _reject(file, "工作表为空 / the first worksheet is empty")
        keys = _header(table, ["" if c.value is None else str(c.value) for c in header], file)
        for row_no, cells in enumerate(rows, start=2):
            values: dict[str, str] = {}
            for key, cell in zip(keys, cells, strict=False):
                if key is None or cell.value is None:
                    continue
                if cell.data_type == "f":
                    table.problems.append(Problem(file=file, row=row_no, column=cols.BY_KEY[key].zh,
                                                  message="不接受公式单元格，请粘贴为数值 / formula cells are not accepted; paste values instead"))
                    table.reported_rows.add(row_no)
                    continue
                value = cell.value
                values[key] = (str(int(value)) if isinstance(value, float) and value.is_integer()
                               else value.isoformat() if hasattr(value, "isoformat") else str(value))
            if any(v.strip() for v in values.values()):
                _screen(table, file, row_no, values)
                table.rows.append((row_no, values))
                if len(table.rows) > MAX_ROWS:
                    raise _too_many_rows(file)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, SyntaxError) as exc:
        raise _reject(file, f"Excel 文件已损坏或被截断 / the Excel file is damaged or truncated: {type(exc).__name__}") from exc
    finally:
        book.close()
    return table


def _too_deep(file: str) -> ImportRejected:
    return _reject(file, f"JSON 嵌套过深（上限 {MAX_JSON_DEPTH} 层） / JSON nested too deeply (limit {MAX_JSON_DEPTH} levels)")


def _depth(value: object) -> int:
    """How deeply lists and objects nest, counted without recursion (stops once past the limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_JSON_DEPTH:
                break
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_json(data: bytes, file: str) -> Table:
    try:
        loaded = json.loads(_decode(data, file))
    except json.JSONDecodeError as exc:
        raise _reject(file, f"JSON 格式错误（第{exc.lineno}行）/ malformed JSON at line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:  # nesting deeper than the interpreter's limit (about 1000)
        raise _too_deep(file) from exc
    if _depth(loaded) > MAX_JSON_DEPTH:
        raise _too_deep(file)
    items = loaded.get("firms") if isinstance(loaded, dict) else loaded
    if isinstance(items, list) and len(items) > MAX_ROWS:
        raise _too_many_rows(file)
    if not isinstance(items, list):
        raise _reject(file, "JSON 应为企业对象的数组，或含 firms 数组的对象 / JSON must be an array of firms or an object with a 'firms' array")
    table = Table()
    header_cells = sorted({str(k) for item in items if isinstance(item, dict) for k in item})
    keys = dict(zip(header_cells, _header(table, header_cells, file), strict=True)) if items else {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            table.problems.append(Problem(file=file, row=index, message="应为对象 / each firm must be an object"))
            continue
        row: dict[str, str] = {}
        for name, value in item.items():
            key = keys.get(str(name))
            if key is None or value is None:
                continue
            if key in ("inputs", "buys") and isinstance(value, list):
                row[key] = ";".join(
                    f"{v.get('resource', '')}:{v.get('quantity', '')}:{v.get('unit', '')}" if isinstance(v, dict) else str(v)
                    for v in value)
            elif key == "vacancies" and isinstance(value, list):
                # Kept whole: English roles, skills and estimate flags have no cell form.
                table.structured.setdefault(index, {})[key] = value
            elif isinstance(value, list):
                row[key] = ";".join(str(v) for v in value)
            elif isinstance(value, bool):
                row[key] = "是" if value else "否"
            else:
                row[key] = str(value)
        _screen(table, file, index, row)
        table.rows.append((index, row))
    return table


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def parse(data: bytes, file: str, ref: Lookup, *, max_bytes: int) -> tuple[list[tuple[int, FirmCreate]], Table]:
    """Read and check every row; return the valid firms and the table with all problems found."""
    if len(data) > max_bytes:
        raise _reject(file, f"文件过大：{len(data) / 1e6:.1f} MB，上限 {max_bytes / 1e6:.0f} MB（可设 PARKMATCH_MAX_IMPORT_MB）"
                            f" / file too large: {len(data) / 1e6:.1f} MB, limit {max_bytes / 1e6:.0f} MB (set PARKMATCH_MAX_IMPORT_MB)")
    if not data.strip():
        raise _reject(file, "文件为空 / the file is empty")
    table = READERS[detect_format(file, data)](data, file)
    firms: list[tuple[int, FirmCreate]] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row_no, cells in table.rows:
        if row_no in table.reported_rows:
            continue
        fields, cell_errors = cols.row_to_fields(cells)
        fields.update(table.structured.get(row_no, {}))
        row_problems = [Problem(file=file, row=row_no, column=cols.BY_KEY[key].zh, message=message)
                        for key, message in cell_errors]
        town = fields.get("town")
        if town and (code := ref.town(town)) is not None:
            fields["town"] = code
        resolved_by: dict[str, list[dict[str, Any]]] = {}
        for column in ("inputs", "buys"):  # what a firm uses and what it buys: both resource:quantity:unit
            out = resolved_by[column] = []
            for item in fields.get(column, []):
                try:
                    resource, quantity, unit = ref.resolve_input(item["resource"], item["quantity"], item["unit"])
                except ValueError as exc:
                    row_problems.append(Problem(
                        file=file, row=row_no, column=cols.BY_KEY[column].zh,
                        message=f"{item['resource']}:{cols.fmt_number(item['quantity'])}:{item['unit']} — {exc}"))
                    continue
                out.append({"resource": resource, "quantity": quantity, "unit": unit})
            if column in fields:
                fields[column] = out
        resolved, bought = resolved_by["inputs"], resolved_by["buys"]
        for p in firm_service.references_problems(
            ref=ref, town=town or None, industries=fields.get("industries", []),
            inputs=[(i["resource"], i["unit"]) for i in resolved], row=row_no,
            buys=[(i["resource"], i["unit"]) for i in bought],
        ):
            row_problems.append(p.model_copy(update={"file": file, "column": cols.BY_KEY[p.column or ""].zh}))
        reported = {p.column for p in row_problems}
        try:
            firm = FirmCreate.model_validate(fields)
        except ValidationError as exc:
            more = Problem.from_validation(exc, file=file, row=row_no,
                                           column_names={c.key: c.zh for c in cols.COLUMNS})
            # A cell that failed to convert is also "missing" to the model: say it once.
            row_problems.extend(p for p in more if p.column not in reported)
            table.problems.extend(row_problems)
            continue
        if row_problems:
            table.problems.extend(row_problems)
            continue
        firm = FirmCreate.model_validate(firm_service.normalise(firm, ref).model_dump())
        if firm.credit_code:
            if (first := seen_codes.get(firm.credit_code)) is not None:
                table.problems.append(Problem(file=file, row=row_no, column=cols.BY_KEY["credit_code"].zh,
                                              message=f"与第{first}行统一社会信用代码重复 / duplicate credit code, same as row {first}"))
                continue
            seen_codes[firm.credit_code] = row_no
        name_key = (firm.name_zh, firm.town)
        if (first := seen_names.get(name_key)) is not None:
            table.problems.append(Problem(file=file, row=row_no, column=cols.BY_KEY["name_zh"].zh,
                                          message=f"与第{first}行同镇同名 / duplicate name in the same town, same as row {first}"))
            continue
        seen_names[name_key] = row_no
        firms.append((row_no, firm))
    if not table.rows and not table.problems:
        table.problems.append(Problem(file=file, message="文件中没有企业数据行 / the file holds no firm rows"))
    return firms, table


def safe_name(filename: str) -> str:
    """The base name of an uploaded file, whatever its separators; control characters dropped, length bounded."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:200] or "upload"


def import_firms(*, session: Session, data: bytes, filename: str, max_bytes: int) -> ImportReport:
    """Validate every row and upsert all firms in the caller's transaction; reject the whole file on any problem."""
    file = safe_name(filename)
    firms, table = parse(data, file, lookup(session=session), max_bytes=max_bytes)
    if table.problems:
        count = len(table.problems)
        raise ImportRejected(
            f"导入被拒绝：{count} 处问题，未写入任何数据 / import rejected: {count} problems, nothing was written",
            problems=sorted(table.problems, key=lambda p: (p.row or 0, p.column or "")),
        )
    result = firm_service.upsert_many(session=session, firms=[f for _, f in firms])
    return ImportReport(
        file=file, rows=len(firms), created=len(result.created), updated=len(result.updated),
        unchanged=len(result.unchanged), ignored_columns=table.ignored, firm_ids=result.created + result.updated,
    )
