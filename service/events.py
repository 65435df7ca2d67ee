"""Change events: written to the change log with the change, dispatched in-process after the commit.

A service that changes firms, destinations or the catalogue calls ``publish(session, Changed(...))`` inside
the caller's transaction. That appends the event to ``session.info["events"]`` and inserts a ``change_log``
row in the same transaction, so the row exists exactly when the change does. ``database.unit_of_work``
hands the events to the in-process subscribers once the commit has succeeded (never after a rollback).

Other processes (a second worker, a server watching CLI imports) follow the change log with a
``ChangeCursor``. On PostgreSQL ids come from a sequence when the row is inserted, not when its transaction
commits: a long transaction can commit id 10 after id 11 is already visible. A reader that only asks for
"ids above the highest I have seen" would skip 10 for ever. ``ChangeCursor.poll`` therefore re-reads the
last ``lookback`` ids each time and drops the ones it has already returned; a transaction that commits
more than ``lookback`` ids behind the newest visible one is the only case it can miss. On SQLite writers
are serialised, so ids commit in order and the re-read window only costs a few rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, Engine, Integer, String, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.database import Base, UtcDateTime
from service.logs import log

Entity = Literal["firm", "destination", "catalog"]
ENTITIES: tuple[str, ...] = get_args(Entity)
Handler = Callable[[Sequence["Changed"]], None]

LOOKBACK = 1000  # ids re-read by a cursor: more than the changes that commit while one transaction is open
EVENTS_KEY = "events"


@dataclass(frozen=True)
class Changed:
    """Rows of one entity changed or were deleted; ``Changed("catalog", ())``: "the catalogue changed"."""

    entity: Entity
    ids: tuple[int, ...]
    deleted: bool = False

    def __post_init__(self) -> None:
        if self.entity not in ENTITIES:
            raise ValueError(f"unknown entity {self.entity!r}; expected one of {ENTITIES}")
        object.__setattr__(self, "ids", tuple(int(i) for i in self.ids))


@dataclass(frozen=True)
class ChangeEntry:
    """One committed row of the change log."""

    id: int
    change: Changed
    created_at: dt.datetime | None = None


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


HEAD_ROWS = 64  # the newest rows whose content goes into the change log's head


def change_head(session: Session) -> str:
    """Where the change log stands: its newest id, its number of rows and a digest of its newest rows' content.

    Equal at two moments of one database: no change was committed in between (a late commit below the newest
    id still adds a row). The digest tells apart two databases that happen to stand at the same id and count.
    """
    table = ChangeLog.__table__
    newest, rows = session.execute(select(func.coalesce(func.max(table.c.id), 0), func.count(table.c.id))).one()
    recent = session.execute(select(table.c.id, table.c.entity, table.c.ids, table.c.deleted, table.c.created_at)
                             .order_by(table.c.id.desc()).limit(HEAD_ROWS)).all()
    digest = hashlib.sha256(repr([tuple(r) for r in recent]).encode()).hexdigest()[:16]
    return f"{int(newest)}:{int(rows)}:{digest}"


class ChangeCursor:
    """Follow the change log from any process: each committed change is returned once, late commits included.

    Start it with ``ChangeCursor.at_latest(session)`` before reading the data it keeps up to date (a
    snapshot), then call ``poll(session)`` now and then and apply what it returns. Changes committed while the
    snapshot was read come back from the first poll, so applying a change must be idempotent (re-reading the
    rows is).
    """

    def __init__(self, *, after: int = 0, lookback: int = LOOKBACK) -> None:
        if lookback < 0:
            raise ValueError("lookback must be >= 0")
        self.lookback = lookback
        self._floor = after  # ids at or below it are never returned
        self._high = after
        self._seen: set[int] = set()

    @classmethod
    def at_latest(cls, session: Session, *, lookback: int = LOOKBACK) -> ChangeCursor:
        """A cursor past every change visible now; one still uncommitted below that point comes back later."""
        # The table's columns, not the mapped class's: a Core query does not configure every ORM mapper first
        # (a tenth of a second that a command answering from a saved snapshot would pay for nothing).
        column = ChangeLog.__table__.c.id
        newest = select(func.coalesce(func.max(column), 0)).scalar_subquery()
        ids = list(session.scalars(select(column).where(column > newest - lookback)))
        cursor = cls(lookback=lookback)
        cursor._high = max(ids, default=0)
        cursor._seen = set(ids)
        return cursor

    @property
    def position(self) -> int:
        """The highest change id returned so far."""
        return self._high

    def poll(self, session: Session, *, limit: int = 10_000) -> list[ChangeEntry]:
        """Changes committed since the last poll (and late commits within the lookback), oldest first."""
        low = max(self._floor, self._high - self.lookback)
        # At most len(self._seen) of the rows above `low` were returned before, so this many always holds
        # `limit` new ones when there are that many.
        rows = changes_since(session, after=low, limit=limit + len(self._seen))
        fresh = [entry for entry in rows if entry.id not in self._seen][:limit]
        if not fresh:
            return []
        self._seen.update(entry.id for entry in fresh)
        self._high = max(self._high, fresh[-1].id)
        low = max(self._floor, self._high - self.lookback)
        self._seen = {i for i in self._seen if i > low}
        return fresh
