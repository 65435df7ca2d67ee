"""A hand-made BriefData with a sourced figure, estimates and a name that looks like markup."""

from __future__ import annotations

import datetime as dt

from service.briefs.schemas import (
    AnchorLine,
    Bi,
    BriefData,
    BriefFactor,
    BriefFirm,
    BriefPark,
    CostRow,
    ResourceLine,
)
from service.sourcing import Figure

WAGE_SOURCE = "https://finance.sina.com.cn/roll/2024-11-14/doc-incvzmwi0373713.shtml"


def sample_brief(*, firm_name: str = "中山市澜灯照明科技有限公司", park_name: str = "水城经济开发区") -> BriefData:
    """A lighting firm from 古镇 and the Shuicheng aluminium park, as the engine would explain them."""
    return BriefData(
        firm=BriefFirm(id=17, name_zh=firm_name, name_en="Zhongshan Landeng Lighting", town=Bi(zh="古镇镇", en="Guzhen"),
                       industries=[Bi(zh="C3872 照明灯具制造", en="C3872 Manufacture of lighting fixtures")],
                       products=["LED吸顶灯", "铝制灯体"], employees=120, revenue_10k_yuan=8600, land_mu=25,
                       synthetic=True),
        park=BriefPark(id=3, name_zh=park_name, name_en="Shuicheng Economic Development Zone",
                       county=Bi(zh="水城区", en="Shuicheng District"), level=Bi(zh="省级", en="provincial"),
                       positioning=Bi(zh="铝及铝精深加工", en="Aluminium and downstream processing"),
                       free_land_mu=Figure(value=1200, unit="亩", estimate=True)),
        mode=Bi(zh="产业转移", en="Relocation"),
        score=78, rank=1, of=12, stability=0.91,
        reason=Bi(zh="园区以铝精深加工为主导，可直供铝液，契合灯体压铸。", en="The park supplies liquid aluminium for die-cast lamp bodies."),
        factors=[
            BriefFactor(name="industry_fit", label=Bi(zh="产业契合", en="Industry fit"), value=0.9, weight=0.24,
                        contribution=21.6, evidence=Bi(zh="园区主导产业含 C33 金属制品", en="Park targets C33")),
            BriefFactor(name="cost_advantage", label=Bi(zh="成本优势", en="Cost advantage"), value=0.4, weight=0.12,
                        contribution=4.8, evidence=Bi(zh="年节省约 180 万元", en="saves about 1.8m yuan a year")),
        ],
        helps_most=Bi(zh="产业契合", en="Industry fit"), drags_most=Bi(zh="成本优势", en="Cost advantage"),
        costs=[
            CostRow(item=Bi(zh="工资", en="Wages"),
                    origin=Figure(value=8831, unit="元/月", source=WAGE_SOURCE, as_of=dt.date(2023, 12, 31)),
                    park=Figure(value=5200, unit="元/月", estimate=True),
                    yearly_saving=Figure(value=3_485_000, unit="元/年", estimate=True)),
            CostRow(item=Bi(zh="物流", en="Logistics"), yearly_saving=Figure(value=-620_000, unit="元/年", estimate=True)),
        ],
        total_saving=Figure(value=2_865_000, unit="元/年", estimate=True),
        resources=[ResourceLine(name=Bi(zh="铝液", en="Liquid aluminium"),
                                capacity=Figure(value=500_000, unit="t/年", estimate=True))],
        anchors=[AnchorLine(name=Bi(zh="双元铝业", en="Shuangyuan Aluminium"))],
        paths=[Bi(zh="企业 → 照明灯具制造 → 消耗 铝 ← 供应 园区", en="firm → lighting → consumes aluminium ← park")],
        risks=[Bi(zh="工资为估算值", en="Wages are an estimate")],
        talking_points=[Bi(zh="铝液直供降低熔铸成本", en="Direct liquid aluminium cuts melting cost")],
        next_steps=[Bi(zh="安排园区考察", en="Arrange a site visit")],
        generated_at=dt.datetime(2025, 3, 1, 9, 30),
    )
