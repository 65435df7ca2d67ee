"""Form and query handling shared by pages: weights and sliders, lead filters, the prospect and firm forms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.catalog.models import Industry
from service.errors import Problem
from service.firms import columns as cols
from service.firms.schemas import FirmBase, FirmCreate
from service.i18n import pick
from service.matching.modes import MODES, Mode
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.ui import ranking

INDUSTRY_CODE = re.compile(r"^[A-T]\d{0,4}$")


def weights_from_query(request: Request, mode: Mode) -> dict[str, float] | None:
    """Slider values (0–100) as weight overrides, ignored when they were set for another mode's preset."""
    params = request.query_params
    if params.get("wmode") != mode.value:
        return None
    weights: dict[str, float] = {}
    for name in FACTOR_NAMES:
        raw = params.get(f"w_{name}")
        if raw is None:
            continue
        try:
            weights[name] = min(max(float(raw), 0.0), 100.0) / 100
        except ValueError:
            continue
    return weights if weights and sum(weights.values()) > 0 else None


def sliders(mode: Mode, weights: Mapping[str, float] | None, lang: str) -> list[dict[str, Any]]:
    """One slider per registered factor, labelled from the factor registry."""
    chosen = weights or MODES[mode].weights
    return [{"name": n, "label": FACTORS[n].label_en if lang == "en" else FACTORS[n].label_zh,
             "value": round(chosen.get(n, 0.0) * 100)} for n in FACTOR_NAMES]


def modes(lang: str) -> list[tuple[str, str]]:
    return [(m.value, MODES[m].label_en if lang == "en" else MODES[m].label_zh) for m in Mode]


@dataclass
class FilterCheck:
    """Filter boxes read as typed and checked one by one, so each mistake is shown beside its own box on the
    page (in the page's language) and the list is drawn without the box that is wrong."""

    lang: str
    problems: dict[str, list[str]] = field(default_factory=dict)

    def _add(self, key: str, message: str) -> None:
        self.problems.setdefault(key, []).append(pick(message, self.lang))

    def town(self, text: str, session: Any) -> str | None:
        """A town code from a code, name or alias; None when empty or unknown (then reported)."""
        from service.catalog.service import resolve_town  # the catalogue, only when a town is typed

        word = text.strip()
        if not word:
            return None
        code = resolve_town(session=session, word=word)
        if code is None:
            self._add("town", f"未知镇街：{word} / unknown town: {word}")
        return code

    def industry(self, text: str, industries: Sequence[Industry]) -> str | None:
        choice = resolve_industry(text, industries)
        if choice.problem:
            self._add("industry", choice.problem)
        return choice.code

    def whole(self, key: str, text: str, *, low: int, high: int, label_zh: str, label_en: str) -> int | None:
        """A whole number in [low, high] from a box; None when empty or wrong (then reported)."""
        word = text.strip().replace(",", "")
        if not word:
            return None
        if not word.isdigit() or not low <= int(word) <= high:
            self._add(key, f"{label_zh}应为 {low}–{high} 的整数，实为 {word} / "
                           f"{label_en} must be a whole number from {low} to {high}, got {word}")
            return None
        return int(word)

    def number(self, key: str, text: str, *, low: float, high: float, label_zh: str, label_en: str) -> float | None:
        word = text.strip()
        if not word:
            return None
        try:
            value = float(word)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # also refuses nan and inf
            self._add(key, f"{label_zh}应为 {low:g}–{high:g} 的数，实为 {word} / "
                           f"{label_en} must be a number from {low:g} to {high:g}, got {word}")
            return None
        return value

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


BoxText = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class LeadFilterBoxes:
    """The lead list's filter boxes exactly as typed (echoed back into the form, mistakes included)."""

    town: str = ""
    industry: str = ""
    min_employees: str = ""
    max_employees: str = ""
    min_score: str = ""
    top_k: str = ""


def lead_filter_boxes(town: BoxText = "", industry: BoxText = "", min_employees: BoxText = "",
                      max_employees: BoxText = "", min_score: BoxText = "", top_k: BoxText = "") -> LeadFilterBoxes:
    return LeadFilterBoxes(town=town, industry=industry, min_employees=min_employees, max_employees=max_employees,
                           min_score=min_score, top_k=top_k)


LeadBoxes = Annotated[LeadFilterBoxes, Depends(lead_filter_boxes)]
LEAD_TOP_K = 50


def check_lead_filters(boxes: LeadFilterBoxes, *, session: Any, industries: Sequence[Industry],
                       lang: str) -> tuple[ranking.LeadFilters, int, FilterCheck]:
    """The lead list's filters and length from its boxes; a wrong box is left out and reported."""
    check = FilterCheck(lang=lang)
    staff = ("员工人数", "employees")
    filters = ranking.LeadFilters(
        town=check.town(boxes.town, session), industry=check.industry(boxes.industry, industries),
        min_employees=check.whole("min_employees", boxes.min_employees, low=0, high=10_000_000,
                                  label_zh=f"最少{staff[0]}", label_en=f"minimum {staff[1]}"),
        max_employees=check.whole("max_employees", boxes.max_employees, low=0, high=10_000_000,
                                  label_zh=f"最多{staff[0]}", label_en=f"maximum {staff[1]}"),
        min_score=(check.number("min_score", boxes.min_score, low=0, high=100, label_zh="最低分",
                                label_en="minimum score") or 0.0))  # 0–100, the scale the engine takes
    top_k = check.whole("top_k", boxes.top_k, low=1, high=200, label_zh="条数", label_en="the number shown")
    return filters, top_k or LEAD_TOP_K, check


def split_codes(text: str) -> list[str]:
    """Industry codes typed with commas, Chinese commas or semicolons."""
    return [c.strip().upper() for c in text.replace("，", ",").replace(";", ",").split(",") if c.strip()]


def problem_text(exc: ValueError, lang: str) -> str:
    """A prospect-form error as one line the user can act on."""
    if isinstance(exc, ValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return pick(f"请检查：{fields} / please check: {fields}", lang)
    return pick("人数与用地须为数字 / employees and land must be numbers", lang)


@dataclass(frozen=True)
class IndustryChoice:
    """What an industry box resolved to: a code (or none), or a bilingual problem to show beside the box."""

    code: str | None = None
    problem: str | None = None


def resolve_industry(text: str, industries: Sequence[Industry]) -> IndustryChoice:
    """A code, a code prefix, or a name (Chinese or English, whole or part) to one industry code."""
    word = text.strip()
    if not word:
        return IndustryChoice()
    codes = {i.code for i in industries}
    upper = word.upper()
    if INDUSTRY_CODE.match(upper):
        if upper in codes or any(c.startswith(upper) for c in codes):
            return IndustryChoice(code=upper)
        return IndustryChoice(problem=f"未知行业代码：{word} / unknown industry code: {word}")
    lowered = word.lower()
    exact = [i for i in industries if lowered in (i.name_zh.lower(), i.name_en.lower())]
    partial = [i for i in industries if lowered in i.name_zh.lower() or lowered in i.name_en.lower()]
    found = exact or partial
    if not found:
        return IndustryChoice(problem=f"未找到行业：{word}，请从列表中选择 / unknown industry: {word}; pick one from the list")
    # The broadest match wins (a group before its classes), so a word like 照明 keeps every lighting class.
    best = min(found, key=lambda i: (len(i.code), i.code))
    return IndustryChoice(code=best.code)


def synonym_industries(word: str, industries: Sequence[Industry]) -> list[str]:
    """Industry classes whose catalogue keywords or names contain the word, or that the word contains."""
    text = word.strip().lower()
    if len(text) < 2:
        return []
    found = []
    for ind in industries:
        words = [k.lower() for k in (*ind.keywords_zh, *ind.keywords_en)] + [ind.name_zh.lower()]
        if any(text in k or (len(k) >= 2 and k in text) for k in words):
            found.append(ind.code)
    return found


# ---- firm add / edit ------------------------------------------------------------------------------------

FIRM_FIELDS = ("name_zh", "name_en", "credit_code", "town", "industries", "products", "employees",
               "revenue_10k_yuan", "land_mu", "electricity_kwh", "export_share", "env_category", "expansion",
               "description_zh", "description_en", "synthetic", "contact_name", "phone", "address", "notes")


class FirmFormIn(BaseModel):
    """The firm form as posted: every cell as text, bounded; conversion and checks come after."""

    model_config = ConfigDict(extra="ignore")

    csrf: str = Field(default="", max_length=64)
    name_zh: str = Field(default="", max_length=400)
    name_en: str = Field(default="", max_length=400)
    credit_code: str = Field(default="", max_length=40)
    town: str = Field(default="", max_length=64)
    industries: str = Field(default="", max_length=400)
    products: str = Field(default="", max_length=2000)
    employees: str = Field(default="", max_length=20)
    revenue_10k_yuan: str = Field(default="", max_length=20)
    land_mu: str = Field(default="", max_length=20)
    electricity_kwh: str = Field(default="", max_length=20)
    export_share: str = Field(default="", max_length=20)
    env_category: str = Field(default="", max_length=20)
    expansion: str = Field(default="", max_length=10)
    description_zh: str = Field(default="", max_length=4000)
    description_en: str = Field(default="", max_length=4000)
    synthetic: str = Field(default="", max_length=10)
    contact_name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=600)
    notes: str = Field(default="", max_length=8000)

    def values(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in FIRM_FIELDS}


@dataclass
class FirmForm:
    """The firm form's cells as typed, and the problems per field (bilingual)."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def firm_form_values(firm: FirmBase | None) -> dict[str, str]:
    """A firm's fields as the text the form shows (empty for a new firm)."""
    if firm is None:
        return dict.fromkeys(FIRM_FIELDS, "") | {"env_category": "registration", "expansion": "否", "synthetic": "否"}
    return {k: v for k, v in cols.firm_to_row(firm).items() if k in FIRM_FIELDS}


def parse_firm_form(values: dict[str, str]) -> tuple[FirmCreate | None, FirmForm]:
    """Convert the typed cells with the import's own rules, then validate; problems go to their field."""
    form = FirmForm(values=values)
    fields, cell_errors = cols.row_to_fields({k: values.get(k, "") for k in FIRM_FIELDS})
    for key, message in cell_errors:
        form.add(key, message)
    if not fields.get("industries"):
        fields.pop("industries", None)
    try:
        firm = FirmCreate.model_validate(fields)
    except ValidationError as exc:
        for problem in Problem.from_validation(exc):
            key = (problem.column or "").split(".")[0]
            if key not in form.errors:
                form.add(key if key in FIRM_FIELDS else "name_zh", problem.message)
        return None, form
    return (None if form.errors else firm), form
