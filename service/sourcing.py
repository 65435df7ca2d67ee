"""Sourced figures: every number in the data carries where it came from and when."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from service.textguard import LABEL_MAX, LIST_MAX, SHORT_MAX, TEXT_MAX, URL_MAX, Number, RefuseControl

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", min_length=2, max_length=64)]


def _not_a_number(value: object) -> object:
    # pydantic would read 0 as 1970-01-01 (a Unix time); the schema promises a YYYY-MM-DD date.
    if isinstance(value, int | float):
        raise ValueError("日期格式应为 YYYY-MM-DD / a date must be written YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_not_a_number)]


class Figure(RefuseControl):
    """A number with its unit, source and date; `estimate` marks a figure no source gave."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Number = Field(description="数值 / The number", examples=[8831])
    unit: str = Field(max_length=SHORT_MAX, description="单位 / Unit", examples=["元/月"])
    source: str | None = Field(
        default=None, max_length=URL_MAX,
        description="出处（网址或出版物）/ Where the figure was read (URL or publication)",
        examples=["https://finance.sina.com.cn/roll/2024-11-14/doc-incvzmwi0373713.shtml"],
    )
    as_of: Day | None = Field(
        default=None, description="数据日期 / Date the figure refers to", examples=["2023-12-31"]
    )
    estimate: bool = Field(
        default=False, strict=True, description="估算值（无出处）/ An editable estimate, not from a source"
    )
    note: str | None = Field(default=None, max_length=TEXT_MAX, description="说明 / Note", examples=["非私营单位 non-private units"])

    @model_validator(mode="after")
    def _sourced_or_estimate(self) -> Figure:
        if not self.estimate and not self.source:
            raise ValueError(
                "数值须注明出处或标为估算 / a figure needs a source or estimate: true"
            )
        if not self.estimate and self.as_of is None:
            raise ValueError("有出处的数值须注明日期 as_of / a sourced figure needs an as_of date")
        return self

    def label(self, lang: str = "zh") -> str:
        """Render the figure with its unit and, when estimated, the estimate mark."""
        number = f"{self.value:,.2f}".rstrip("0").rstrip(".")
        mark = ("（估算）" if lang == "zh" else " (estimate)") if self.estimate else ""
        return f"{number} {self.unit}{mark}"


class Fact(RefuseControl):
    """A labelled figure about a place, park or town (e.g. GDP, firm count)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label_zh: str = Field(max_length=LABEL_MAX, description="指标（中文）/ Label in Chinese", examples=["镇GDP"])
    label_en: str = Field(max_length=LABEL_MAX, description="指标（英文）/ Label in English", examples=["Town GDP"])
    figure: Figure


class Source(RefuseControl):
    """A public source a record was drawn from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(max_length=URL_MAX, description="网址或出版物 / URL or publication")
    title: str | None = Field(default=None, max_length=LABEL_MAX, description="标题 / Title")
    accessed: Day | None = Field(default=None, description="查阅日期 / Date read")
    targets: list[Annotated[str, Field(pattern=r"^[A-T](\d{2}|\d{3}|\d{4})?$", max_length=5)]] = Field(
        default_factory=list, max_length=LIST_MAX,
        description="此出处明确给出的目标行业代码；未列出的目标行业为本数据集的假设 / Target industry codes this "
                    "source states; a target no source states is an assumption of this dataset",
        examples=[["C3216", "C3252"]],
    )


def sourced_targets(sources: list[Source] | tuple[Source, ...]) -> dict[str, Source]:
    """Target industry code → the first source that states it; a target not here is assumed by the dataset."""
    out: dict[str, Source] = {}
    for source in sources:
        for code in source.targets:
            out.setdefault(code, source)
    return out


def unlisted_targets(targets: list[str], sources: list[Source]) -> list[str]:
    """Codes that sources claim as targets but the record does not target (a data error)."""
    wanted = set(targets)
    return sorted({code for source in sources for code in source.targets if code not in wanted})
