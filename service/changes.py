"""What a change is, where the change log stands, and the cursor that follows it from another process.

Plain Python and SQL text, no database library: a command that answers from a saved snapshot reads the log's
position with the standard library's ``sqlite3`` and builds its cursor here without importing SQLAlchemy (a
third of a second). The log's table, publishing and dispatch are in ``service.events``.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Entity = Literal["firm", "destination", "catalog"]
ENTITIES: tuple[str, ...] = get_args(Entity)

LOOKBACK = 1000  # ids re-read by a cursor: more than the changes that commit while one transaction is open
HEAD_ROWS = 64  # the newest rows whose content goes into the change log's head

# The same statements run through SQLAlchemy (service.events) and through sqlite3 (a saved snapshot's check),
# so both read the same values from a SQLite file. Every column is cast to text: the two see no type handling.
HEAD_SQL = "SELECT COALESCE(MAX(id), 0), COUNT(id) FROM change_log"
RECENT_SQL = ("SELECT id, entity, CAST(ids AS TEXT), CAST(deleted AS TEXT), CAST(created_at AS TEXT) "
              f"FROM change_log ORDER BY id DESC LIMIT {HEAD_ROWS}")
CURSOR_SQL = "SELECT id FROM change_log WHERE id > (SELECT COALESCE(MAX(id), 0) FROM change_log) - :lookback"


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


def head(newest: int, rows: int, recent: Iterable[Sequence[Any]]) -> str:
    """Where the change log stands, from ``HEAD_SQL``'s one row and ``RECENT_SQL``'s rows: its newest id, its number
    of rows and a digest of its newest rows' content.

    Equal at two moments of one database: no change was committed in between (a late commit below the newest
    id still adds a row). The digest tells apart two databases that happen to stand at the same id and count.
    """
    digest = hashlib.sha256(repr([tuple(r) for r in recent]).encode()).hexdigest()[:16]
    return f"{int(newest)}:{int(rows)}:{digest}"


class ChangeCursor:
    """Follow the change log from any process: each committed change is returned once, late commits included.

    Start it with ``ChangeCursor.at_latest(session)`` (or ``past`` the ids ``CURSOR_SQL`` read) before reading
    the data it keeps up to date (a snapshot), then call ``poll(session)`` now and then and apply what it
    returns. Changes committed while the snapshot was read come back from the first poll, so applying a change
    must be idempotent (re-reading the rows is).
    """

    def __init__(self, *, after: int = 0, lookback: int = LOOKBACK) -> None:
        if lookback < 0:
            raise ValueError("lookback must be >= 0")
        self.lookback = lookback
        self._floor = after  # ids at or below it are never returned
        self._high = after
        self._seen: set[int] = set()

    @classmethod
    def past(cls, ids: Iterable[int], *, lookback: int = LOOKBACK) -> ChangeCursor:
        """A cursor past ``ids``, the change ids within ``lookback`` of the newest one visible."""
        seen = {int(i) for i in ids}
        cursor = cls(lookback=lookback)
        cursor._high = max(seen, default=0)
        cursor._seen = seen
        return cursor

    @classmethod
    def at_latest(cls, session: Session, *, lookback: int = LOOKBACK) -> ChangeCursor:
        """A cursor past every change visible now; one still uncommitted below that point comes back later."""
        from sqlalchemy import text

        # Plain SQL, not the mapped class: a query through the ORM configures every mapper first (a tenth of a
        # second that a command answering from a saved snapshot would pay for nothing).
        return cls.past(session.scalars(text(CURSOR_SQL), {"lookback": lookback}), lookback=lookback)

    @property
    def position(self) -> int:
        """The highest change id returned so far."""
        return self._high

    def poll(self, session: Session, *, limit: int = 10_000) -> list[ChangeEntry]:
        """Changes committed since the last poll (and late commits within the lookback), oldest first."""
        from service.events import changes_since

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
