"""Change events: written to the change log with the change, dispatched in-process after the commit.

A service that changes firms, destinations or the catalogue calls ``publish(session, Changed(...))`` inside
the caller's transaction. That appends the event to ``session.info["events"]`` and inserts a ``change_log``
row in the same transaction, so the row exists exactly when the change does. ``database.unit_of_work``
hands the events to the in-process subscribers once the commit has succeeded (never after a rollback).
Other processes follow the log with ``service.changes.ChangeCursor``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Engine, Integer, String, func, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.changes import HEAD_SQL, RECENT_SQL, Changed, ChangeEntry, head
from service.database import Base, UtcDateTime
from service.logs import log

Handler = Callable[[Sequence["Changed"]], None]

EVENTS_KEY = "events"


class ChangeLog(Base):
    """The change log: one row per published event, written in the transaction of the change."""

    __tablename__ = "change_log"
    # AUTOINCREMENT on SQLite: an id is never handed out twice, even after the newest row is deleted.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


# (handler, engine): a handler given an engine hears only of commits on that engine, so two apps in one
# process (tests, a CLI next to a server) do not feed each other's changes to the wrong ranking.
_subscribers: list[tuple[Handler, Engine | None]] = []


def publish(session: Session, event: Changed) -> None:
    """Record a change in the caller's transaction; subscribers hear of it after that transaction commits."""
    session.info.setdefault(EVENTS_KEY, []).append(event)
    session.execute(insert(ChangeLog).values(entity=event.entity, ids=list(event.ids), deleted=event.deleted,
                                             created_at=dt.datetime.now(dt.UTC)))


def subscribe(handler: Handler, *, engine: Engine | None = None) -> Callable[[], None]:
    """Call ``handler`` with the events of every unit of work committed in this process (on ``engine`` only,
    when given); return a function that unsubscribes it."""
    entry = (handler, engine)
    _subscribers.append(entry)

    def unsubscribe() -> None:
        if entry in _subscribers:
            _subscribers.remove(entry)

    return unsubscribe


def take_events(session: Session) -> list[Changed]:
    """Remove and return the events published on a session (empty when none were)."""
    events: list[Changed] = session.info.pop(EVENTS_KEY, [])
    return events


def dispatch(events: Sequence[Changed], *, engine: Engine | None = None) -> None:
    """Hand events committed on ``engine`` to its subscribers; a failing one is logged, the rest still run."""
    if not events:
        return
    for handler, wanted in list(_subscribers):
        if wanted is not None and wanted is not engine:
            continue
        try:
            handler(events)
        except Exception as exc:  # the change is committed; a subscriber's failure must not fail the request
            log.exception("change_subscriber_failed", handler=getattr(handler, "__qualname__", repr(handler)),
                          error=repr(exc))


def _entry(row: Any) -> ChangeEntry:
    return ChangeEntry(id=row.id, change=Changed(row.entity, tuple(row.ids or ()), bool(row.deleted)),
                       created_at=row.created_at)


def latest_change_id(session: Session) -> int:
    """The highest committed change id visible to this session, 0 on an empty log."""
    return int(session.scalar(select(func.max(ChangeLog.id))) or 0)


def changes_since(session: Session, *, after: int, limit: int = 10_000) -> list[ChangeEntry]:
    """Committed changes with an id above ``after``, oldest first, at most ``limit``.

    Not safe on its own for following the log on PostgreSQL (see the module docstring): use ChangeCursor.
    """
    rows = session.execute(
        select(ChangeLog.id, ChangeLog.entity, ChangeLog.ids, ChangeLog.deleted, ChangeLog.created_at)
        .where(ChangeLog.id > after).order_by(ChangeLog.id).limit(limit)
    ).all()
    return [_entry(r) for r in rows]


def change_head(session: Session) -> str:
    """Where the change log stands (``service.changes.head``), read through ``session``."""
    newest, rows = session.execute(text(HEAD_SQL)).one()
    return head(newest, rows, session.execute(text(RECENT_SQL)).all())
