"""HTTP routes for feedback and the pipeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.auth.guard import Editor, Viewer
from service.auth.service import audit
from service.deps import MAX_ID, DbSession
from service.feedback import service
from service.feedback.schemas import OWNER_MAX, FeedbackCreate, FeedbackRead, PipelineItem, Status

router = APIRouter(tags=["feedback 反馈"])


@router.post("/feedback", response_model=FeedbackRead, status_code=201, summary="记录配对进展 / Record an outcome")
def post_feedback(session: DbSession, who: Editor, body: FeedbackCreate) -> FeedbackRead:
    row = service.record(session=session, body=body, actor=who.name)
    audit(session=session, actor=who, action="create", entity="feedback", entity_id=row.id,
          after=body.model_dump(mode="json"))
    return FeedbackRead.model_validate(row)


@router.get("/pipeline", response_model=list[PipelineItem], summary="进展看板 / Pipeline of pairs by status")
def get_pipeline(session: DbSession, _: Viewer, status: Status | None = None,
                 firm_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 park_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                 town: Annotated[str | None, Query(max_length=64, description="企业所在镇街代码 / The firm's town code")] = None,
                 owner: Annotated[str | None, Query(max_length=OWNER_MAX, description="负责人（名字的一部分即可）/ Owner, "
                                                                                     "any part of the name")] = None,
                 ) -> list[PipelineItem]:
    return service.pipeline(session=session, status=status, firm_id=firm_id, park_id=park_id, town=town, owner=owner)
