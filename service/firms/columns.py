"""The firm file format: column names in Chinese and English, and cell ↔ field conversion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from service.firms.schemas import ENV_CATEGORY_ZH, EnvCategory, FirmBase, Vacancy


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    aliases: tuple[str, ...] = ()  # other headers firm lists use for this column


COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", "Unified social credit code", "18位，可空", "18 characters, optional"),
    Column("name_zh", "企业名称", "Name (Chinese)", "必填", "required"),
    Column("name_en", "英文名称", "Name (English)", "可空", "optional"),
    Column("town", "镇街", "Town", "镇街代码或名称，如 guzhen 或 古镇", "town code or name, e.g. guzhen or 古镇"),
    Column("industries", "行业代码", "Industry codes", "GB/T 4754-2017 小类，分号分隔", "GB/T 4754-2017 classes, ';'-separated"),
    Column("products", "主要产品", "Products", "分号分隔", "';'-separated"),
    Column("description_zh", "经营范围", "Business scope (Chinese)", "", ""),
    Column("description_en", "英文经营范围", "Business scope (English)", "", ""),
    Column("employees", "员工人数", "Employees", "整数", "integer"),
    Column("revenue_10k_yuan", "营业收入(万元)", "Revenue (10k yuan)", "", ""),
    Column("land_mu", "用地(亩)", "Land (mu)", "", ""),
    Column("electricity_kwh", "年用电量(千瓦时)", "Electricity (kWh/year)", "", ""),
    Column(
        "inputs",
        "主要投入",
        "Inputs",
        "资源代码或名称:年用量:单位，分号分隔，如 aluminium_ingot:1200:t 或 铝锭:1200:吨",
        "resource code or name:quantity:unit, ';'-separated, e.g. aluminium_ingot:1200:t or 铝锭:1200:吨",
    ),
    Column("buys", "采购产品", "Buys", "资源代码或名称:年采购量:单位，分号分隔，量不详填 0，如 kiwifruit:800:t 或 猕猴桃:0",
           "resource code or name:yearly quantity:unit, ';'-separated, 0 when unknown, e.g. kiwifruit:800:t"),
    Column("vacancies", "招工需求", "Vacancies", "人数:岗位[:月份]，分号分隔，如 200:装配工:2-4；或 JSON 数组",
           "count:role[:months], ';'-separated, e.g. 200:assembly worker:2-4; or a JSON array"),
    Column("export_share", "出口占比", "Export share", "0–1 或百分数", "0–1 or a percentage"),
    Column("env_category", "环评类别", "EIA category", "报告书/报告表/登记表", "report/table/registration"),
    Column("expansion", "扩产计划", "Expansion plan", "是/否", "yes/no"),
    Column("synthetic", "合成数据", "Synthetic", "是/否", "yes/no"),
    Column("contact_name", "联系人", "Contact person", "仅编辑者与管理员可见", "shown to editors and admins only",
           ("联系人姓名", "联系人员", "contact", "contact name")),
    Column("phone", "电话", "Phone", "仅编辑者与管理员可见；数字、空格、+ - ( ) 与“转”分机",
           "shown to editors and admins only; digits, spaces, + - ( ) and an extension",
           ("联系电话", "电话号码", "手机", "手机号", "手机号码", "联系方式", "telephone", "tel", "mobile")),
    Column("address", "地址", "Address", "仅编辑者与管理员可见", "shown to editors and admins only",
           ("企业地址", "详细地址", "通讯地址", "注册地址", "经营地址")),
    Column("notes", "备注", "Notes", "仅编辑者与管理员可见", "shown to editors and admins only",
           ("说明", "备注信息", "note", "remarks")),
)
CONTACT_KEYS = ("contact_name", "phone", "address", "notes")

BY_KEY = {c.key: c for c in COLUMNS}
LIST_SEPARATORS = (";", "；", "、", "\n")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "f", ""}


def _normalise_header(text: str) -> str:
    return "".join(text.split()).lower().replace("（", "(").replace("）", ")")


HEADER_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _alias in (_c.key, _c.zh, _c.en, f"{_c.zh} {_c.key}", f"{_c.en} {_c.key}", f"{_c.zh}|{_c.key}", f"{_c.zh}/{_c.en}",
                   *_c.aliases):
        HEADER_ALIASES[_normalise_header(_alias)] = _c.key


def header_key(text: str) -> str | None:
    """Map a header cell (Chinese, English or key) to a field key, None if unknown."""
    return HEADER_ALIASES.get(_normalise_header(text))


def split_list(cell: str) -> list[str]:
    """Split a list cell on ';', '；', '、' or newlines."""
    parts = [cell]
    for sep in LIST_SEPARATORS:
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def parse_bool(cell: str) -> bool:
    word = cell.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"应为 是/否，实为 {cell!r} / expected yes/no, got {cell!r}")


def parse_share(cell: str) -> float:
    text = cell.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    value = float(text)
    return value / 100 if value > 1 else value


def parse_inputs(cell: str) -> list[dict[str, Any]]:
    items = []
    for part in split_list(cell):
        pieces = [p.strip() for p in part.replace("：", ":").split(":")]
        if len(pieces) not in (2, 3) or not pieces[0]:
            raise ValueError(
                f"投入格式应为 资源:年用量:单位，实为 {part!r} / input must look like resource:quantity:unit, got {part!r}"
            )
        try:
            quantity = float(pieces[1].replace(",", "").replace("，", ""))
        except ValueError:
            raise ValueError(f"年用量应为数字，实为 {pieces[1]!r}（{part}）/ quantity must be a number, got {pieces[1]!r} in {part!r}") from None
        items.append({"resource": pieces[0], "quantity": quantity, "unit": pieces[2] if len(pieces) == 3 else ""})
    return items


def _months(text: str, part: str) -> list[int]:
    """Months as "2-4", "2,3,4" or "2、3" (empty: all year)."""
    months: set[int] = set()
    for piece in text.replace("，", ",").replace("、", ",").replace("–", "-").split(","):
        piece = piece.strip().removesuffix("月")
        if not piece:
            continue
        first, _, last = piece.partition("-")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"月份应为 1–12，如 2-4，实为 {text!r}（{part}）/ months must be 1–12, e.g. 2-4, "
                             f"got {text!r} in {part!r}") from None
        if not (1 <= lo <= hi <= 12):
            raise ValueError(f"月份应在 1–12 之间，实为 {text!r}（{part}）/ months must lie in 1–12, got {text!r} in {part!r}")
        months.update(range(lo, hi + 1))
    return sorted(months)


def parse_vacancies(cell: str) -> list[dict[str, Any]]:
    """Read ``200:装配工:2-4;30:质检员`` (or a JSON array of vacancy objects) into vacancy records."""
    if cell.lstrip().startswith("["):
        try:
            loaded = json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(f"招工需求 JSON 格式错误：{exc.msg} / vacancies are malformed JSON: {exc.msg}") from None
        if not isinstance(loaded, list) or not all(isinstance(v, dict) for v in loaded):
            raise ValueError("招工需求 JSON 应为对象数组 / vacancies JSON must be an array of objects")
        return loaded
    items = []
    for part in split_list(cell):
        pieces = [p.strip() for p in part.replace("：", ":").split(":")]
        if len(pieces) not in (2, 3) or not pieces[1]:
            raise ValueError(f"招工需求格式应为 人数:岗位[:月份]，实为 {part!r} / a vacancy must look like "
                             f"count:role[:months], got {part!r}")
        try:
            count = int(pieces[0].replace(",", ""))
        except ValueError:
            raise ValueError(f"招工人数应为整数，实为 {pieces[0]!r}（{part}）/ the count must be a whole number, "
                             f"got {pieces[0]!r} in {part!r}") from None
        items.append({"count": count, "role_zh": pieces[1],
                      "months": _months(pieces[2], part) if len(pieces) == 3 else []})
    return items


def vacancy_cell(vacancies: list[Vacancy]) -> str:
    """The inverse of parse_vacancies: the short form, or a JSON array when English roles, skills or estimate
    flags would otherwise be lost."""
    if any(v.role_en or v.skills or v.estimate for v in vacancies):
        return json.dumps([v.model_dump(exclude_defaults=True) for v in vacancies], ensure_ascii=False)

    def months(v: Vacancy) -> str:
        return ":" + ",".join(str(m) for m in v.months) if v.months else ""
    return ";".join(f"{v.count}:{v.role_zh}{months(v)}" for v in vacancies)


ENV_WORDS = {**{v: k.value for k, v in ENV_CATEGORY_ZH.items()}, **{k.value: k.value for k in EnvCategory}}


def row_to_fields(row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Turn one row of text cells (keyed by field key) into keyword arguments for FirmCreate.

    Returns the fields that converted and, for the cells that did not, (key, bilingual message) pairs.
    """
    fields: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for key, raw in row.items():
        cell = (raw or "").strip()
        if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
            cell = cell[1:]  # undo the apostrophe our own export puts before formula-like text
        try:
            if key in ("industries", "products"):
                fields[key] = split_list(cell)
            elif key in ("inputs", "buys"):
                fields[key] = parse_inputs(cell)
            elif key == "vacancies":
                fields[key] = parse_vacancies(cell)
            elif cell == "":
                continue
            elif key == "employees":
                number = float(cell.replace(",", ""))
                if not number.is_integer():
                    raise ValueError(f"员工人数应为整数：{cell} / employees must be a whole number: {cell}")
                fields[key] = int(number)
            elif key in ("revenue_10k_yuan", "land_mu", "electricity_kwh"):
                fields[key] = float(cell.replace(",", ""))
            elif key == "export_share":
                fields[key] = parse_share(cell)
            elif key in ("expansion", "synthetic"):
                fields[key] = parse_bool(cell)
            elif key == "env_category":
                if cell not in ENV_WORDS:
                    raise ValueError(
                        f"环评类别应为 报告书/报告表/登记表，实为 {cell!r} / EIA category must be report/table/registration, got {cell!r}"
                    )
                fields[key] = ENV_WORDS[cell]
            else:
                fields[key] = cell
        except ValueError as exc:
            message = str(exc)
            if message.startswith("could not convert") or message.startswith("invalid literal"):
                message = f"应为数字，实为 {cell!r} / expected a number, got {cell!r}"
            errors.append((key, message))
    return fields, errors


def fmt_number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def firm_to_row(firm: FirmBase) -> dict[str, str]:
    """Render a firm as text cells keyed by field key (the inverse of row_to_fields)."""
    return {
        "credit_code": firm.credit_code or "",
        "name_zh": firm.name_zh,
        "name_en": firm.name_en,
        "town": firm.town,
        "industries": ";".join(firm.industries),
        "products": ";".join(firm.products),
        "description_zh": firm.description_zh,
        "description_en": firm.description_en,
        "employees": str(firm.employees),
        "revenue_10k_yuan": fmt_number(firm.revenue_10k_yuan),
        "land_mu": fmt_number(firm.land_mu),
        "electricity_kwh": fmt_number(firm.electricity_kwh),
        "inputs": ";".join(f"{i.resource}:{fmt_number(i.quantity)}:{i.unit}" for i in firm.inputs),
        "buys": ";".join(f"{i.resource}:{fmt_number(i.quantity)}:{i.unit}" for i in firm.buys),
        "vacancies": vacancy_cell(firm.vacancies),
        "export_share": fmt_number(firm.export_share),
        "env_category": firm.env_category.value,
        "expansion": "是" if firm.expansion else "否",
        "synthetic": "是" if firm.synthetic else "否",
        **{key: getattr(firm, key) or "" for key in CONTACT_KEYS},
    }


def columns(*, contacts: bool = True) -> tuple[Column, ...]:
    """The file's columns, without the contact ones for a reader who may not see them."""
    return COLUMNS if contacts else tuple(c for c in COLUMNS if c.key not in CONTACT_KEYS)


def header_row(lang: str = "zh", *, contacts: bool = True) -> list[str]:
    """Header cells: Chinese label with the key, or English label with the key."""
    return [f"{c.zh} {c.key}" if lang == "zh" else f"{c.en} {c.key}" for c in columns(contacts=contacts)]
