"""HTTP routes for feedback and the pipeline."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth.guard import Editor, Viewer
from service.auth.service import audit
from service.deps import DbSession
from service.feedback import service
from service.feedback.schemas import FeedbackCreate, FeedbackRead, PipelineItem, Status

router = APIRouter(tags=["feedback 反馈"])


@router.post("/feedback", response_model=FeedbackRead, status_code=201, summary="记录配对进展 / Record an outcome")
def post_feedback(session: DbSession, who: Editor, body: FeedbackCreate) -> FeedbackRead:
    row = service.record(session=session, body=body, actor=who.name)
    audit(session=session, actor=who, action="create", entity="feedback", entity_id=row.id,
          after=body.model_dump(mode="json"))
    return FeedbackRead.model_validate(row)


@router.get("/pipeline", response_model=list[PipelineItem], summary="进展看板 / Pipeline of pairs by status")
def get_pipeline(session: DbSession, _: Viewer, status: Status | None = None, firm_id: int | None = None,
                 park_id: int | None = None) -> list[PipelineItem]:
    return service.pipeline(session=session, status=status, firm_id=firm_id, park_id=park_id)
