"""Feedback schemas."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from service.schema import Schema
from service.textguard import RefuseControl, Whole


class Status(StrEnum):
    contacted = "contacted"
    visited = "visited"
    negotiating = "negotiating"
    signed = "signed"
    rejected = "rejected"


OWNER_MAX = 60
CLOSED = (Status.signed, Status.rejected)  # a follow-up date past on these is not overdue

STATUS_ZH = {Status.contacted: "已联系", Status.visited: "已考察", Status.negotiating: "洽谈中",
             Status.signed: "已签约", Status.rejected: "已放弃"}


class FeedbackBase(Schema):
    model_config = ConfigDict(extra="forbid")

    firm_id: Whole = Field(ge=1, le=2_147_483_647, description="企业编号 / Firm id", examples=[17])
    park_id: Whole = Field(ge=1, le=2_147_483_647, description="园区编号 / Park id", examples=[3])
    status: Status = Field(description="进展：contacted 已联系 / visited 已考察 / negotiating 洽谈中 / signed 已签约 / rejected 已放弃")
    note: str = Field(default="", max_length=2000, description="备注 / Note", examples=["企业关注铝液直供价格"])
    owner: str | None = Field(
        default=None, max_length=OWNER_MAX, examples=["王强"],
        description="负责人；不填则沿用该配对上次的负责人，空字符串表示清除 / Owner; left out, the pair keeps its "
                    "owner, an empty string clears it")
    follow_up: dt.date | None = Field(
        default=None, examples=["2026-12-18"],
        description="下次跟进日期 YYYY-MM-DD；不填则沿用，null 表示清除 / Next follow-up date; left out, the pair "
                    "keeps its date, null clears it")

    @field_validator("owner")
    @classmethod
    def _strip_owner(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()


class FeedbackCreate(FeedbackBase, RefuseControl):
    """A recorded outcome, as posted: control characters in the note are refused."""


class FeedbackRead(FeedbackBase):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    owner: str = Field(description="负责人 / Owner")
    actor: str = Field(description="记录人 / Who recorded it")
    at: dt.datetime | None


class PipelineItem(Schema):
    firm_id: int
    firm_name_zh: str
    park_id: int
    park_name_zh: str
    status: Status
    status_zh: str
    note: str
    owner: str = Field(description="负责人 / Owner")
    follow_up: dt.date | None = Field(description="下次跟进日期 / Next follow-up date")
    overdue: bool = Field(description="跟进日期已过且未签约或放弃 / Follow-up date passed, pair still open")
    town: str = Field(description="企业所在镇街代码 / The firm's town code")
    at: dt.datetime | None
    history: int = Field(description="该配对的记录数 / Outcomes recorded for the pair")
