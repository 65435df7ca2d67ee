"""Figures and relocation cues read from a prospect's own words, as promotion staff type them."""

from __future__ import annotations

import pytest

from service.matching.retrieval.text_figures import CUES, read_text
from service.matching.snapshot.world import CUE_CODES


@pytest.mark.parametrize(("text", "field", "value"), [
    ("耳机等消费电子产品组装，劳动密集型，员工约400人", "employees", 400),
    ("员工300人，主要做灯饰", "employees", 300),
    ("灯饰厂，约400人，计划扩产", "employees", 400),
    ("an LED luminaire maker with 300 workers", "employees", 300),
    ("employs about 1,200 people on two sites", "employees", 1200),
    ("用地50亩", "land_mu", 50),
    ("needs about 50 mu of land", "land_mu", 50),
    ("需用地3公顷", "land_mu", 45),
    ("现有厂房面积2万平方米", "factory_m2", 20_000),
    ("a 12,000 m² plant", "factory_m2", 12_000),
    ("年用电300万度", "electricity_kwh", 3_000_000),
    ("yearly power use 2,000,000 kWh", "electricity_kwh", 2_000_000),
    ("年营收5000万元", "revenue_10k_yuan", 5000),
    ("营业收入1.2亿元", "revenue_10k_yuan", 12_000),
    ("revenue of 80 million yuan", "revenue_10k_yuan", 8000),
    ("出口占比60%", "export_share", 60),
    ("外销约占六成，出口占比约6成", "export_share", 60),
    ("about 60% of sales are exported", "export_share", 60),
])
def test_each_kind_of_figure_is_read_with_its_words(text: str, field: str, value: float) -> None:
    reading = read_text(text)
    assert reading.value(field) == pytest.approx(value)
    quote = next(f.quote for f in reading.figures if f.field == field)
    assert quote in text


@pytest.mark.parametrize(("text", "resource", "tonnes"), [
    ("古镇灯饰企业，灯体铝压铸，年用铝3000吨", "aluminium_ingot", 3000),
    ("年用铝约3,000吨", "aluminium_ingot", 3000),
    ("铝液年用量5000吨", "liquid_aluminium", 5000),
    ("年采购钢材1.5万吨", "steel", 15_000),
    ("uses 3,000 t of aluminium a year", "aluminium_ingot", 3000),
])
def test_a_yearly_tonnage_is_tied_to_its_material(text: str, resource: str, tonnes: float) -> None:
    assert read_text(text).inputs() == {resource: pytest.approx(tonnes)}


def test_a_text_without_numbers_yields_none_and_a_workforce_need_is_not_staff() -> None:
    assert read_text("生产LED吸顶灯，灯体铝压铸").figures == ()
    assert read_text("员工120人，招工难，缺200人").value("employees") == 120


@pytest.mark.parametrize(("text", "codes"), [
    ("厂房租金上涨，招工难", ("rent_rising", "hiring_difficulty")),
    ("现有用地不足，计划扩产，客户主要在西南", ("land_shortage", "expansion", "southwest_customers")),
    ("rents are rising, it is hard to hire and most customers are in the southwest",
     ("rent_rising", "hiring_difficulty", "southwest_customers")),
    ("we are short of land and plan to expand", ("land_shortage", "expansion")),
    ("暂无扩产计划，生产灯具", ()),
])
def test_relocation_cues_are_read_and_a_negated_one_is_not(text: str, codes: tuple[str, ...]) -> None:
    assert read_text(text).cue_codes() == codes


def test_every_cue_the_reader_knows_has_a_column_in_the_arrays() -> None:
    assert set(CUES) == set(CUE_CODES)
