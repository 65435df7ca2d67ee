"""Record outcomes and list the pipeline (the newest outcome of each pair, with its owner and follow-up)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.destinations.models import Destination
from service.destinations.service import not_found
from service.feedback.models import Feedback
from service.feedback.schemas import CLOSED, STATUS_ZH, FeedbackCreate, PipelineItem, Status
from service.firms.errors import FirmNotFound
from service.firms.models import Firm


def _latest(session: Session, firm_id: int, park_id: int) -> Feedback | None:
    query = select(Feedback).where(Feedback.firm_id == firm_id, Feedback.park_id == park_id)
    return session.scalars(query.order_by(Feedback.id.desc()).limit(1)).first()


def record(*, session: Session, body: FeedbackCreate, actor: str) -> Feedback:
    """Store one outcome for a firm–destination pair; an owner or follow-up date left out keeps the pair's last."""
    if session.get(Firm, body.firm_id) is None:
        raise FirmNotFound(f"企业 {body.firm_id} 不存在 / firm {body.firm_id} not found")
    if session.get(Destination, body.park_id) is None:  # any kind of destination
        raise not_found(body.park_id)
    before = _latest(session, body.firm_id, body.park_id)
    owner = body.owner if body.owner is not None else (before.owner if before else "")
    follow_up = body.follow_up if "follow_up" in body.model_fields_set else (before.follow_up if before else None)
    row = Feedback(firm_id=body.firm_id, park_id=body.park_id, status=body.status.value, note=body.note,
                   owner=owner, follow_up=follow_up, actor=actor)
    session.add(row)
    session.flush()
    return row


def pipeline(*, session: Session, status: Status | None = None, firm_id: int | None = None,
             park_id: int | None = None, town: str | None = None, owner: str | None = None,
             today: dt.date | None = None) -> list[PipelineItem]:
    """The newest outcome of every pair, newest first, filtered by status, firm, destination, the firm's town
    or owner (any part of the name, any case)."""
    query = select(Feedback, Firm.name_zh, Firm.town_code, Destination.name_zh).join(
        Firm, Firm.id == Feedback.firm_id).join(Destination, Destination.id == Feedback.park_id).order_by(
        Feedback.id.desc())
    if firm_id is not None:
        query = query.where(Feedback.firm_id == firm_id)
    if park_id is not None:
        query = query.where(Feedback.park_id == park_id)
    if town:
        query = query.where(Firm.town_code == town)
    rows = session.execute(query).all()
    counts = Counter((f.firm_id, f.park_id) for f, _, _, _ in rows)
    today = today or dt.date.today()
    latest: dict[tuple[int, int], PipelineItem] = {}
    for fb, firm_name, town_code, park_name in rows:
        key = (fb.firm_id, fb.park_id)
        if key in latest:
            continue
        state = Status(fb.status)
        latest[key] = PipelineItem(
            firm_id=fb.firm_id, firm_name_zh=firm_name, park_id=fb.park_id, park_name_zh=park_name, status=state,
            status_zh=STATUS_ZH[state], note=fb.note, owner=fb.owner, follow_up=fb.follow_up,
            overdue=fb.follow_up is not None and fb.follow_up < today and state not in CLOSED,
            town=town_code, at=fb.at, history=counts[key])
    wanted = (owner or "").strip().casefold()
    return [i for i in latest.values()
            if (status is None or i.status == status) and (not wanted or wanted in i.owner.casefold())]


def owners(*, session: Session) -> list[str]:
    """Every owner named on any recorded outcome, sorted (for the board's owner picker)."""
    return sorted(o for o in session.scalars(select(Feedback.owner).distinct()) if o)


def history(*, session: Session, firm_id: int, park_id: int) -> list[Feedback]:
    """Every outcome recorded for one firm–destination pair, oldest first."""
    query = select(Feedback).where(Feedback.firm_id == firm_id, Feedback.park_id == park_id).order_by(Feedback.id)
    return list(session.scalars(query))
