"""After a UI write: commit, then tell the ranking engine which firms changed (as the API's firm routes do)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from service.matching.service import MatchService


def commit_firms(*, session: Session, service: MatchService | None, firm_ids: Sequence[int],
                 deleted: bool = False) -> None:
    """Commit the request's work, then refresh the engine's view of these firms.

    The engine reads firms through its own session, so it must only hear of them once they are committed.
    """
    session.commit()
    if service is not None and firm_ids:
        service.firms_changed(list(firm_ids), deleted=deleted)
