"""Feedback schemas."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from service.textguard import RefuseControl, Whole


class Status(StrEnum):
    contacted = "contacted"
    visited = "visited"
    negotiating = "negotiating"
    signed = "signed"
    rejected = "rejected"


STATUS_ZH = {Status.contacted: "已联系", Status.visited: "已考察", Status.negotiating: "洽谈中",
             Status.signed: "已签约", Status.rejected: "已放弃"}


class FeedbackBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firm_id: Whole = Field(ge=1, le=2_147_483_647, description="企业编号 / Firm id", examples=[17])
    park_id: Whole = Field(ge=1, le=2_147_483_647, description="园区编号 / Park id", examples=[3])
    status: Status = Field(description="进展：contacted 已联系 / visited 已考察 / negotiating 洽谈中 / signed 已签约 / rejected 已放弃")
    note: str = Field(default="", max_length=2000, description="备注 / Note", examples=["企业关注铝液直供价格"])


class FeedbackCreate(FeedbackBase, RefuseControl):
    """A recorded outcome, as posted: control characters in the note are refused."""


class FeedbackRead(FeedbackBase):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    actor: str = Field(description="记录人 / Who recorded it")
    at: dt.datetime | None


class PipelineItem(BaseModel):
    firm_id: int
    firm_name_zh: str
    park_id: int
    park_name_zh: str
    status: Status
    status_zh: str
    note: str
    at: dt.datetime | None
    history: int = Field(description="该配对的记录数 / Outcomes recorded for the pair")
