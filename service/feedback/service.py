"""Record outcomes and list the pipeline (the newest outcome of each pair)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.destinations.models import Destination
from service.destinations.service import not_found
from service.feedback.models import Feedback
from service.feedback.schemas import STATUS_ZH, FeedbackCreate, PipelineItem, Status
from service.firms.models import Firm
from service.firms.service import FirmNotFound


def record(*, session: Session, body: FeedbackCreate, actor: str) -> Feedback:
    """Store one outcome for a firm–park pair."""
    if session.get(Firm, body.firm_id) is None:
        raise FirmNotFound(f"企业 {body.firm_id} 不存在 / firm {body.firm_id} not found")
    if session.get(Destination, body.park_id) is None:  # any kind of destination
        raise not_found(body.park_id)
    row = Feedback(firm_id=body.firm_id, park_id=body.park_id, status=body.status.value, note=body.note, actor=actor)
    session.add(row)
    session.flush()
    return row


def pipeline(*, session: Session, status: Status | None = None, firm_id: int | None = None,
             park_id: int | None = None) -> list[PipelineItem]:
    """The newest outcome of every pair, newest first, optionally of one status, firm or park."""
    query = select(Feedback, Firm.name_zh, Destination.name_zh).join(Firm, Firm.id == Feedback.firm_id).join(
        Destination, Destination.id == Feedback.park_id).order_by(Feedback.id.desc())
    if firm_id is not None:
        query = query.where(Feedback.firm_id == firm_id)
    if park_id is not None:
        query = query.where(Feedback.park_id == park_id)
    rows = session.execute(query).all()
    counts = Counter((f.firm_id, f.park_id) for f, _, _ in rows)
    latest: dict[tuple[int, int], PipelineItem] = {}
    for fb, firm_name, park_name in rows:
        key = (fb.firm_id, fb.park_id)
        if key in latest:
            continue
        latest[key] = PipelineItem(firm_id=fb.firm_id, firm_name_zh=firm_name, park_id=fb.park_id,
                                   park_name_zh=park_name, status=Status(fb.status),
                                   status_zh=STATUS_ZH[Status(fb.status)], note=fb.note, at=fb.at,
                                   history=counts[key])
    items = list(latest.values())
    return [i for i in items if status is None or i.status == status]


def history(*, session: Session, firm_id: int, park_id: int) -> list[Feedback]:
    """Every outcome recorded for one firm–destination pair, oldest first."""
    query = select(Feedback).where(Feedback.firm_id == firm_id, Feedback.park_id == park_id).order_by(Feedback.id)
    return list(session.scalars(query))


def firm_towns(*, session: Session, firm_ids: list[int]) -> dict[int, str]:
    """The town code of each of these firms (for filtering the pipeline by town)."""
    if not firm_ids:
        return {}
    rows = session.execute(select(Firm.id, Firm.town_code).where(Firm.id.in_(firm_ids))).all()
    return {int(firm_id): str(town) for firm_id, town in rows}
