"""A prospect's typed boxes as staff write them (``猕猴桃:300:吨; 刺梨``, ``200:装配工:2-4``), read the same way by
the web form and the ``parkmatch match`` command: names and units resolved against the catalogue, and an entry
that does not read named in both languages."""

from __future__ import annotations

from pydantic import ValidationError

from service.catalog.words import Lookup
from service.firms import columns as cols
from service.firms.schemas import Vacancy
from service.i18n import SEPARATOR
from service.matching.schemas import ProspectInput


class FieldProblem(Exception):
    """A form box that does not read: a "Chinese / English" message that names the box and the entry."""

    def __init__(self, box_zh: str, box_en: str, entry: str, detail: str) -> None:
        zh, _, en = detail.partition(SEPARATOR)
        self.message = f"{box_zh}「{entry}」：{zh.strip()}{SEPARATOR}{box_en} \"{entry}\": {(en or zh).strip()}"
        super().__init__(self.message)


def prospect_buys(text: str, ref: Lookup) -> list[ProspectInput]:
    """The "buys" box (``猕猴桃:300:吨; 刺梨``: product, yearly quantity, unit; quantity and unit optional) as
    resolved purchases; a product or unit the catalogue does not know is a problem naming the box."""
    out: list[ProspectInput] = []
    for part in cols.split_list(text):
        pieces = [p.strip() for p in part.replace("：", ":").split(":")]
        try:
            item = cols.parse_inputs(":".join(pieces if len(pieces) > 1 else [*pieces, "0"]))[0]
            code, quantity, _unit = ref.resolve_input(item["resource"], item["quantity"], item["unit"])
        except ValueError as exc:
            raise FieldProblem("采购的产品", "Products bought", part, str(exc)) from None
        out.append(ProspectInput(resource=code, quantity=quantity))
    return out


def prospect_vacancies(text: str) -> list[Vacancy]:
    """The "vacancies" box (``200:装配工:2-4; 30:质检员``: openings, role, months) as vacancies."""
    try:
        return [Vacancy.model_validate(v) for v in cols.parse_vacancies(text)] if text.strip() else []
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        raise FieldProblem("招聘岗位", "Vacancies", text, f"请检查 {fields}{SEPARATOR}please check {fields}") from None
    except ValueError as exc:
        raise FieldProblem("招聘岗位", "Vacancies", text, str(exc)) from None
