"""Snapshots saved in the var folder: a checksummed pickle beside a JSON manifest, and the world saved by its
change-log position.

Every write to the data ranking reads (firms, destinations, the catalogue) appends a row to the change log in
its own transaction (``service.events``). A world saved with the log's position (newest id and row count), the
schema revision, the region file and the code that reads it is therefore the world the database holds for as
long as all of those are unchanged: a CLI command that finds them so loads the saved world (a few
hundredths of a second) instead of reading every row again. On a SQLite file it reads that position with the
standard library's sqlite3 (``sqlite_facts``: the same statements on the same driver SQLAlchemy would use), so a
command answered from the saved state never imports SQLAlchemy.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import embeddings
import service
from service.changes import CURSOR_SQL, HEAD_SQL, LOOKBACK, RECENT_SQL, head
from service.logs import log
from service.matching.snapshot.region import REGION_FILE
from service.matching.snapshot.world import World

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

WORLD_FORMAT = 1
WORLD_FILE, WORLD_MANIFEST = "world.pickle", "world.json"
REVISION_SQL = "SELECT version_num FROM alembic_version"


class SnapshotUnusable(Exception):
    """A saved snapshot that cannot be used; ``reason`` says why (missing, stale, corrupt)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one


def write_blob(folder: Path, *, file: str, manifest: str, key: str, blob: bytes, **extra: Any) -> None:
    """Write ``blob`` and then its manifest (key, checksum, size, ``extra``); a reader checks both."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / file, blob)
    _write(folder / manifest, json.dumps({
        "key": key, "sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra,
    }, indent=2).encode())


def read_blob(folder: Path, *, file: str, manifest: str, key: str) -> tuple[bytes, dict[str, Any]]:
    """The saved bytes and manifest when the manifest's key is ``key`` and the checksum holds; else raise
    SnapshotUnusable."""
    manifest_path, blob_path = folder / manifest, folder / file
    if not manifest_path.is_file() or not blob_path.is_file():
        raise SnapshotUnusable(f"未找到已保存的快照 / nothing saved in {folder}", reason="missing")
    try:
        meta = json.loads(manifest_path.read_text(encoding="utf-8"))
        saved_key, digest = str(meta["key"]), str(meta["sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotUnusable(f"快照清单无法解析 / manifest unreadable: {exc}", reason="corrupt") from exc
    if saved_key != key:
        raise SnapshotUnusable("数据、模型或代码已变化 / the data, the model or the code changed since it was saved",
                               reason="stale")
    blob = blob_path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != digest:
        raise SnapshotUnusable("快照文件校验和不符 / snapshot file checksum mismatch", reason="corrupt")
    return blob, meta


@contextmanager
def no_gc() -> Iterator[None]:
    """Unpickling builds hundreds of thousands of objects, none of them garbage: the cyclic collector's passes
    meanwhile are pure cost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cache
def code_fingerprint() -> str:
    """A digest of the application's code (every module of ``service`` and ``embeddings``)."""
    digest = hashlib.sha256()
    for package in (service, embeddings):
        root = Path(package.__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{path.relative_to(root)}\x1f".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class DatabaseFacts:
    """What a saved world's key takes from the database: which one it is and where its change log stands."""

    address: str  # the database's address, without the password
    head: str  # service.changes.head
    revision: str  # the schema's migration revision(s)
    recent_ids: tuple[int, ...]  # the change ids a cursor started now is past (service.changes.CURSOR_SQL)


def sqlite_address(url: str) -> str | None:
    """``sqlite:///`` and the absolute path of the file a SQLite URL names (a relative path names a file per
    folder); None for another database, an in-memory one or a ``file:`` URI."""
    scheme, sep, rest = url.partition(":///")
    if not sep or scheme.split("+", 1)[0] != "sqlite":
        return None
    path, _, query = rest.partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or "%" in path or "uri=true" in query.lower():
        return None
    return f"sqlite:///{Path(path).resolve()}"


def database_facts(session: Session) -> DatabaseFacts:
    """The facts read through ``session``, in its transaction."""
    from sqlalchemy import text

    from service.events import change_head

    url = session.get_bind().engine.url
    address = sqlite_address(url.render_as_string(hide_password=False)) if url.get_backend_name() == "sqlite" else None
    revision = session.execute(text(REVISION_SQL)).scalars().all()
    ids = session.execute(text(CURSOR_SQL), {"lookback": LOOKBACK}).scalars().all()
    return DatabaseFacts(address=address or url.render_as_string(hide_password=True), head=change_head(session),
                         revision=",".join(sorted(str(r) for r in revision)), recent_ids=tuple(int(i) for i in ids))


def sqlite_facts(url: str) -> DatabaseFacts | None:
    """The facts of the SQLite file ``url`` names, read with the standard library's sqlite3 (the driver SQLAlchemy
    uses for it, so the same statements give the same values) in one read-only transaction. None for another
    database, or one that cannot be read as it stands (no file, no schema): the caller then goes through
    SQLAlchemy, which says what is wrong."""
    import sqlite3

    address = sqlite_address(url)
    if address is None:
        return None
    path = Path(address.removeprefix("sqlite:///"))
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")  # the three reads see one state of the file
        revision = [str(row[0]) for row in connection.execute(REVISION_SQL)]
        newest, rows = connection.execute(HEAD_SQL).fetchone()
        recent = connection.execute(RECENT_SQL).fetchall()
        ids = tuple(int(row[0]) for row in connection.execute(CURSOR_SQL, {"lookback": LOOKBACK}))
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return DatabaseFacts(address=address, head=head(newest, rows, recent), revision=",".join(sorted(revision)),
                         recent_ids=ids)


def world_key(facts: DatabaseFacts, *, data_dir: Path) -> str:
    """What the world read from this database would be built from: which database, the change log's position,
    the schema revision, the region file, the code."""
    region = hashlib.sha256((data_dir / REGION_FILE).read_bytes()).hexdigest()
    parts = (f"w{WORLD_FORMAT}", facts.address, facts.head, facts.revision, str(data_dir.resolve()), region,
             code_fingerprint())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SavedWorld:
    world: World
    index_key: str  # the key of the index built from this world (the index's own check, computed once)


def load_saved_world(folder: Path, *, key: str) -> SavedWorld | None:
    """The world saved under ``key``, or None (and why, in the log at INFO) when there is none to use."""
    started = time.perf_counter()
    try:
        blob, meta = read_blob(folder, file=WORLD_FILE, manifest=WORLD_MANIFEST, key=key)
        with no_gc():
            world = pickle.loads(blob)
    except SnapshotUnusable as exc:
        log.info("world_snapshot_unused", reason=exc.reason, folder=str(folder))
        return None
    except Exception as exc:  # a checksum-valid file from an incompatible library version
        log.warning("world_snapshot_unreadable", error=repr(exc), folder=str(folder))
        return None
    if not isinstance(world, World):
        log.warning("world_snapshot_unreadable", error=f"holds a {type(world).__name__}", folder=str(folder))
        return None
    log.info("world_snapshot_loaded", seconds=round(time.perf_counter() - started, 3), folder=str(folder))
    return SavedWorld(world=world, index_key=str(meta.get("index_key", "")))


def save_world(folder: Path, *, key: str, world: World, index_key: str) -> None:
    """Save the world read from the database (a read-only var folder: logged, nothing saved)."""
    try:
        write_blob(folder, file=WORLD_FILE, manifest=WORLD_MANIFEST, key=key,
                   blob=pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL), index_key=index_key,
                   firms=len(world.firms), destinations=len(world.destinations))
    except OSError as exc:
        log.warning("world_snapshot_not_saved", error=repr(exc), folder=str(folder))
