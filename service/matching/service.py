"""MatchService: ranks destinations for a firm or prospect and firms for a destination, with explanations;
keeps its snapshot in step with committed changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embeddings import Encoder, VectorIndex, make_encoder
from embeddings import WalkPath as GPath
from service.changes import ChangeCursor, Changed
from service.config import Settings
from service.destinations.errors import DestinationNotFound as ParkNotFound
from service.firms.errors import FirmNotFound
from service.logs import log
from service.matching import constants as c
from service.matching import schemas as s
from service.matching.backfill import BackfillStatus, TextBackfill
from service.matching.explain.paths import PROSPECT_NODE, PathFinder
from service.matching.explain.reasons import PairEvidence, explain, pair_evidence, rank_context
from service.matching.explain.terms import TermFinder
from service.matching.limits import check_min_score, check_top_k
from service.matching.memo import remember
from service.matching.modes import DEFAULT_MODE, MODES, Mode, resolve_weights
from service.matching.retrieval.candidates import (
    ExactIndex,
    exact_top_rows,
    firm_names,
    make_batch,
    semantic_values,
)
from service.matching.retrieval.index import F32, SNAPSHOT_FOLDER, EngineIndex, index_key, load_or_build_index
from service.matching.retrieval.prospect import PROSPECT_FIELDS, Prospect, prospect_profile, resolve_town
from service.matching.retrieval.text_figures import reading_report
from service.matching.scoring.ranker import Scored, score, stability
from service.matching.snapshot.build import (
    profile_arrays,
    with_destinations,
    with_firm,
    with_firms,
    without_firm,
)
from service.matching.snapshot.graph import destination_node, destination_records, firm_records
from service.matching.snapshot.graph_schema import NodeType, node_id
from service.matching.snapshot.saved import (
    DatabaseFacts,
    SavedWorld,
    database_facts,
    load_saved_world,
    save_world,
    sqlite_facts,
    world_key,
)
from service.matching.snapshot.world import DestinationProfile, FirmArrays, FirmProfile, World

if TYPE_CHECKING:  # a service answering from a saved snapshot opens the database only when it has to
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class State:
    """What a query reads; replaced as a whole on a change, so readers never see half an update.

    The memos are keyed by firm and destination ids, so a change carries over every entry it does not touch.
    """

    world: World
    firm_vecs: F32  # propagated vectors, rows aligned with world.firms
    firm_ids: NDArray[np.int64]
    dest_vecs: F32  # rows aligned with world.destinations
    # Evidence of (firm id, destination id) pairs already explained.
    evidence: dict[tuple[int, int, str], PairEvidence] = field(default_factory=dict, compare=False)  # (firm, dest, cost model)
    # The firm groups and, per destination id, their bounds: what ranks every firm exactly, built on first use.
    exact: ExactIndex = field(default_factory=ExactIndex, compare=False)
    # Prospects asked for again (the same text and fields under another mode, weighting or length) find their
    # inferred profile and their pairs' evidence here; kept apart, so one-off prospects never push out firms.
    prospects: dict[str, Prospect] = field(default_factory=dict, compare=False)
    prospect_evidence: dict[tuple[FirmProfile, int, str], PairEvidence] = field(default_factory=dict, compare=False)
    # Firms ranked on a provisional vector (a bulk change's new texts, being encoded in the background).
    provisional: frozenset[int] = frozenset()


class MatchService:
    """Holds the snapshot, encoder, graph, vectors and indexes; answers ranking queries; applies changes."""

    def __init__(
        self, *, world: World, index: EngineIndex, session_factory: sessionmaker[Session] | None = None,
        settings: Settings | None = None, cursor: ChangeCursor | None = None, database_url: str | None = None,
    ) -> None:
        self.retrieval = index
        self._sessions = session_factory
        self._database_url = database_url  # the sessions' database, connected to on first use when none are given
        self._own_engine: Engine | None = None  # the engine made for database_url, disposed by close
        self.settings = settings
        self._lock = threading.RLock()
        self.paths = PathFinder(index.graph, index.skeleton)
        self.terms = TermFinder(index.segmenter)
        self._state = State(world=world, firm_vecs=index.initial_firm_vecs,
                            firm_ids=np.array([f.id or 0 for f in world.firms], dtype=np.int64),
                            dest_vecs=index.dest_vecs)
        self._cursor = cursor
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        self.backfill = TextBackfill(encoder=index.encoder, pending=self._provisional_texts,
                                     finish=self._backfilled, stop=self._stop)

    @classmethod
    def build(
        cls, *, session_factory: sessionmaker[Session], settings: Settings,
        firms: Sequence[FirmProfile] | None = None, persist_index: bool = True, encoder: Encoder | None = None,
    ) -> MatchService:
        """Load the world from the database; load the index saved for it, or build it once (and save it).

        The change-log position is taken before the world is read, so a change committed meanwhile comes back
        from the first poll of ``follow`` (applying a change twice is harmless: unchanged rows are skipped).
        """
        from service.database import unit_of_work
        from service.matching.snapshot.loader import load_world

        # The world saved at this change-log position is the one the database holds (saved.py): a start with
        # no change since the last one reads no rows.
        keep_world = persist_index and firms is None
        saved: SavedWorld | None = None
        with unit_of_work(session_factory) as session:
            facts = database_facts(session)
            key = world_key(facts, data_dir=settings.data_dir) if keep_world else ""
            saved = load_saved_world(settings.index_dir / SNAPSHOT_FOLDER, key=key) if keep_world else None
            world = saved.world if saved is not None else load_world(session=session, data_dir=settings.data_dir,
                                                                    firms=firms)
        return cls._assemble(world, saved=saved, world_key=key, facts=facts, settings=settings, encoder=encoder,
                             persist_index=persist_index, session_factory=session_factory)

    @classmethod
    def open_saved(cls, settings: Settings, *, encoder: Encoder | None = None) -> MatchService | None:
        """The service over the world saved for the database as it stands, found without SQLAlchemy (its import
        is a third of a second of a CLI command); None when the database is not a SQLite file or nothing saved
        matches it. The database is connected to only if the service is asked to read it."""
        facts = sqlite_facts(settings.database_url)
        if facts is None:
            return None
        key = world_key(facts, data_dir=settings.data_dir)
        saved = load_saved_world(settings.index_dir / SNAPSHOT_FOLDER, key=key)
        if saved is None or not saved.index_key:
            return None
        return cls._assemble(saved.world, saved=saved, world_key=key, facts=facts, settings=settings,
                             encoder=encoder, persist_index=True, database_url=settings.database_url)

    @classmethod
    def _assemble(
        cls, world: World, *, saved: SavedWorld | None, world_key: str, facts: DatabaseFacts, settings: Settings,
        encoder: Encoder | None, persist_index: bool, session_factory: sessionmaker[Session] | None = None,
        database_url: str | None = None,
    ) -> MatchService:
        """The service over ``world``: its index loaded (or built and saved), the world saved under ``world_key``
        (when it was read from the database), following the change log from ``facts``."""
        if encoder is None:
            encoder = make_encoder(settings.encoder_backend, settings.encoder_model_dir, cache_dir=settings.cache_dir)
        hops, alpha = settings.propagation_hops, settings.propagation_alpha
        known = saved.index_key if saved is not None and saved.index_key else None
        if world_key and known is None:
            known = index_key(world, encoder=encoder, hops=hops, alpha=alpha)
        index = load_or_build_index(world=world, encoder=encoder, hops=hops, alpha=alpha,
                                    index_dir=settings.index_dir if persist_index else None, key=known)
        if world_key and saved is None and known is not None:
            save_world(settings.index_dir / SNAPSHOT_FOLDER, key=world_key, world=world, index_key=known)
        return cls(world=world, index=index, session_factory=session_factory, settings=settings,
                   cursor=ChangeCursor.past(facts.recent_ids), database_url=database_url)

    @classmethod
    def for_world(cls, world: World, *, encoder: Encoder, hops: int, alpha: float) -> MatchService:
        """A service over a world built in memory (tests, benchmarks): nothing is read or saved on disk."""
        return cls(world=world, index=EngineIndex(world=world, encoder=encoder, hops=hops, alpha=alpha, index_dir=None))

    @property
    def session_factory(self) -> sessionmaker[Session] | None:
        """Sessions on the database this service follows (None for a world built in memory)."""
        if self._sessions is None and self._database_url is not None:
            from service.database import make_engine, make_session_factory

            self._own_engine = make_engine(self._database_url)
            self._sessions = make_session_factory(self._own_engine)
        return self._sessions

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        from service.database import unit_of_work

        factory = self.session_factory
        assert factory is not None, "callers check there is a database first"
        with unit_of_work(factory) as session:
            yield session

    # ---------- what queries read ----------

    @property
    def state(self) -> State:
        return self._state

    @property
    def world(self) -> World:
        return self._state.world

    @property
    def encoder(self) -> Encoder:
        return self.retrieval.encoder

    @property
    def index(self) -> VectorIndex:
        """The firms' vector index."""
        return self.retrieval.faiss

    # ---------- changes ----------

    def on_change(self, changes: Sequence[Changed]) -> None:
        """Apply committed changes (this process's, or another's read from the change log).

        Firms are re-read and re-scored one by one; destinations are re-read together and only those that
        differ are redone; a catalogue change rebuilds the snapshot. Applying a change twice changes nothing.
        """
        if not changes:
            return
        with self._lock:
            if any(change.entity == "catalog" for change in changes):
                self.reload()
                return
            if any(change.entity == "destination" for change in changes):
                self.destinations_changed()
            ids = list(dict.fromkeys(i for change in changes if change.entity == "firm" for i in change.ids))
            if len(ids) > c.FIRM_REFRESH_ONE_BY_ONE_MAX:
                # One by one, each firm copies the vectors and every kept score matrix: quadratic in a bulk
                # import. Past this size one rebuild (texts already encoded come from the cache) is far cheaper.
                log.info("firms_changed_in_bulk", firms=len(ids))
                self.firms_changed_in_bulk(ids)
            elif ids:
                self.firms_changed(ids)

    def poll_changes(self) -> int:
        """Read the change log once and apply what other processes committed; return how many changes."""
        if self._cursor is None or self.session_factory is None:
            return 0
        with self._transaction() as session:
            entries = self._cursor.poll(session)
        self.on_change([entry.change for entry in entries])
        return len(entries)

    def follow(self, every: float = c.CHANGE_POLL_SECONDS, *, warm_in_background: bool = False) -> None:
        """Poll the change log every ``every`` seconds in a background thread, until ``close``.

        The encoder's model and the segmenter's dictionary are loaded first (a few seconds), here or, with
        ``warm_in_background``, in a thread of their own while requests are already served.
        """
        if self._follower is not None:
            return
        # The follower itself never loads the model: CPython 3.11 can fail with "AST constructor recursion
        # depth mismatch" when two threads compile code at once, and loading a model imports modules. The
        # background warm-up imports that code here first, so its thread only reads weights.
        if warm_in_background:
            self.retrieval.warm_in_background()
        else:
            self.retrieval.warm()

        def run() -> None:
            while not self._stop.wait(every):
                try:
                    self.poll_changes()
                except Exception as exc:  # a database hiccup must not end the thread: the next poll retries
                    log.warning("change_poll_failed", error=repr(exc))

        self._follower = threading.Thread(target=run, name="change-follower", daemon=True)
        self._follower.start()

    def close(self) -> None:
        """Stop following the change log; close the connections of the engine made for ``database_url``."""
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=5)
            self._follower = None
        if self._own_engine is not None:
            self._own_engine.dispose()

    def reload(self) -> None:
        """Rebuild the snapshot and its indexes from the database (after a catalogue change or a bulk import),
        then swap. The index is saved for the new data (or loaded, when another worker saved it first), so the
        next start does not build it again; a half-written pair of files fails its checksum and is rebuilt."""
        if self.session_factory is None or self.settings is None:
            return
        fresh = MatchService.build(session_factory=self.session_factory, settings=self.settings,
                                   encoder=self.retrieval.encoder)
        with self._lock:
            self.retrieval = fresh.retrieval
            self.paths = fresh.paths
            self.terms = fresh.terms
            self._state = fresh.state

    def firms_changed(self, firm_ids: Sequence[int], *, deleted: bool = False) -> None:
        """Refresh the given firms from the database (or drop them); firms whose profile is unchanged are skipped,
        unless they rank on a provisional vector: a bulk read (the change follower's) may have taken in this edit
        first, and the edit is then ranked on its encoded text here all the same."""
        if self.session_factory is None:
            return
        if deleted:
            profiles: dict[int, FirmProfile | None] = dict.fromkeys(firm_ids)
        else:
            from service.matching.snapshot.loader import load_firms

            with self._transaction() as session:
                profiles = load_firms(session=session, firm_ids=firm_ids)
        for fid, profile in profiles.items():
            world = self._state.world
            current = world.firms[world.firm_row[fid]] if fid in world.firm_row else None
            if profile == current and fid not in self._state.provisional:
                continue
            self.refresh_firm(firm_id=fid, profile=profile)

    def firms_changed_in_bulk(self, firm_ids: Sequence[int]) -> None:
        """Many firms added or changed at once (an import): read in a few queries, applied in one step.

        Texts the encoder's cache holds are read from it; a new text is not waited for: its firm is ranked on
        a provisional vector (its industries, town and known products) and marked so, and the text is encoded in
        the background (``ranking_status``), after which the vector is replaced. Deleted firms among them
        rebuild the snapshot instead.
        """
        if self.session_factory is None:
            return
        from service.matching.snapshot.loader import load_firms

        with self._transaction() as session:
            profiles = load_firms(session=session, firm_ids=firm_ids)
        if any(profile is None for profile in profiles.values()):
            self.reload()
            return
        with self._lock:
            state = self._state
            old = state.world
            changed = [p for fid, p in profiles.items()
                       if p is not None and (fid not in old.firm_row or old.firms[old.firm_row[fid]] != p)]
            if not changed:
                return
            world = with_firms(old, changed)
            texts, neighbours = self._add_firm_nodes(world, changed)
            vectors, provisional = self.retrieval.local_vectors(texts, neighbours, encode=False)
            ids = np.array([p.id or 0 for p in changed], dtype=np.int64)
            self._state = self._with_vectors(state, world, ids, vectors,
                                             provisional=(state.provisional - set(ids.tolist())) | set(ids[provisional].tolist()))
            log.info("firms_ranked_in_bulk", firms=len(changed), provisional=int(provisional.sum()))
        if provisional.any():
            self.backfill.wake()

    def _add_firm_nodes(self, world: World, profiles: Sequence[FirmProfile]) -> tuple[list[str], list[list[str]]]:
        """Put the firms' nodes and edges in the graph (replacing any they had); their texts and neighbours."""
        self.paths.firm_changed()
        graph = self.retrieval.graph
        texts, neighbours = [], []
        for profile in profiles:
            fnode = node_id(NodeType.FIRM, profile.id or 0)
            if fnode in graph:
                graph.remove_node(fnode)
            nodes, edges = firm_records(world, profile)
            for node in nodes:
                graph.add_node(node.id, type=str(node.type), text=node.text, attrs=dict(node.attrs))
            for edge in edges:
                graph.add_edge(edge.source, edge.target, key=str(edge.type), type=str(edge.type),
                               weight=edge.weight, attrs=dict(edge.attrs))
            texts.append(profile.text())
            neighbours.append([e.target for e in edges])
        return texts, neighbours

    def _with_vectors(self, state: State, world: World, ids: NDArray[np.int64], vectors: F32, *,
                      provisional: frozenset[int] | set[int]) -> State:
        """The next state after many firms got new vectors: their rows and faiss entries replaced, their memo
        entries dropped, the firm groups rebuilt on the next destination → firms query."""
        vecs = np.zeros((len(world.firms), state.firm_vecs.shape[1]), dtype=np.float32)
        vecs[:len(state.firm_vecs)] = state.firm_vecs
        vecs[[world.firm_row[int(i)] for i in ids]] = vectors
        self.retrieval.faiss.upsert(ids, vectors)
        touched = set(ids.tolist())
        return State(
            world=world, firm_vecs=vecs, firm_ids=np.array([f.id or 0 for f in world.firms], dtype=np.int64),
            dest_vecs=state.dest_vecs, exact=ExactIndex(),
            evidence={k: v for k, v in state.evidence.items() if k[0] not in touched},
            prospects=state.prospects, prospect_evidence=state.prospect_evidence,
            provisional=frozenset(provisional))

    def _provisional_texts(self) -> list[tuple[int, str]]:
        """(firm id, text) of the firms ranked on a provisional vector (reads the state without the lock)."""
        state = self._state
        world = state.world
        return [(fid, world.firms[world.firm_row[fid]].text()) for fid in sorted(state.provisional)
                if fid in world.firm_row]

    def _backfilled(self, firm_ids: Sequence[int], encoded: Mapping[str, NDArray[np.float32]]) -> None:
        """The background encoding finished these firms' texts: their vectors become the propagated ones (a firm
        whose text changed meanwhile stays provisional for the next run)."""
        with self._lock:
            state = self._state
            world = state.world
            profiles = [world.firms[world.firm_row[fid]] for fid in firm_ids
                        if fid in state.provisional and fid in world.firm_row]
            profiles = [p for p in profiles if p.text() in encoded]
            if not profiles:
                return
            texts = [p.text() for p in profiles]
            neighbours = [[e.target for e in firm_records(world, p)[1]] for p in profiles]
            vectors, _ = self.retrieval.local_vectors(texts, neighbours, vectors=np.stack([encoded[t] for t in texts]))
            done = np.array([p.id or 0 for p in profiles], dtype=np.int64)
            self._state = self._with_vectors(state, world, done, vectors,
                                             provisional=state.provisional - set(done.tolist()))

    def ranking_status(self) -> BackfillStatus:
        """Firms ranked provisionally, and how far the background encoding of their texts is."""
        return self.backfill.status()

    def refresh_firm(self, *, firm_id: int, profile: FirmProfile | None) -> None:
        """Add, change (profile given) or delete (profile None) one firm; only that firm's scores are redone."""
        with self._lock:
            self.paths.firm_changed()
            state = self._state
            graph = self.retrieval.graph
            fnode = node_id(NodeType.FIRM, firm_id)
            if fnode in graph:
                graph.remove_node(fnode)
            if profile is None:
                if firm_id in state.world.firm_row:
                    row = state.world.firm_row[firm_id]
                    world = without_firm(state.world, firm_id)
                    vecs = np.delete(state.firm_vecs, row, axis=0)
                    # Rows after it shift: the firms are regrouped on the next destination → firms query.
                    self._state = self._carry(state, world, vecs, ExactIndex(), firm_id)
                self.retrieval.faiss.remove([firm_id])
                return
            world = with_firm(state.world, profile)
            texts, neighbours = self._add_firm_nodes(world, [profile])
            vec = self.retrieval.local_vector(texts[0], neighbours[0])
            row = world.firm_row[firm_id]
            if row < len(state.firm_vecs):
                vecs = state.firm_vecs.copy()
                vecs[row] = vec
            else:
                vecs = np.concatenate([state.firm_vecs, vec[None, :]])
            self.retrieval.faiss.upsert([firm_id], vec[None, :])
            exact = state.exact.firm_changed(world, vecs, state.dest_vecs, row, added=row >= len(state.firm_vecs))
            self._state = self._carry(state, world, vecs, exact, firm_id)

    @staticmethod
    def _carry(state: State, world: World, vecs: F32, exact: ExactIndex, firm_id: int) -> State:
        """The next state after one firm changed: every memo entry of other firms carries over."""
        return State(
            world=world, firm_vecs=vecs, firm_ids=np.array([f.id or 0 for f in world.firms], dtype=np.int64),
            dest_vecs=state.dest_vecs, exact=exact,
            evidence={k: v for k, v in state.evidence.items() if k[0] != firm_id},
            prospects=state.prospects, prospect_evidence=state.prospect_evidence,
            provisional=state.provisional - {firm_id})

    def destinations_changed(self) -> None:
        """Reload every destination (a few dozen) and redo what depends on those that changed, added or left."""
        if self.session_factory is None:
            return
        from service.matching.snapshot.loader import load_destinations

        with self._transaction() as session:
            fresh = load_destinations(session=session)
        self.refresh_destinations(fresh)

    def refresh_destinations(self, fresh: Sequence[DestinationProfile]) -> None:
        """Replace the destinations; vectors and memos of unchanged destinations carry over."""
        with self._lock:
            state = self._state
            old = {d.id: d for d in state.world.destinations}
            new = {d.id: d for d in fresh}
            touched = {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
            if not touched:
                return
            world = with_destinations(state.world, fresh)
            graph = self.retrieval.graph
            for dest_id in touched:
                if dest_id in old:
                    stale = [n for n in graph.predecessors(destination_node(old[dest_id]))
                             if n.startswith(f"{NodeType.POLICY.value}:")]
                    graph.remove_nodes_from([destination_node(old[dest_id]), *stale])
            vec_of = {d.id: state.dest_vecs[i] for i, d in enumerate(state.world.destinations)}
            for dest_id in touched & new.keys():
                nodes, edges = destination_records(world, new[dest_id])
                for node in nodes:
                    if node.id not in graph:
                        graph.add_node(node.id, type=str(node.type), text=node.text, attrs=dict(node.attrs))
                for edge in edges:
                    graph.add_edge(edge.source, edge.target, key=str(edge.type), type=str(edge.type),
                                   weight=edge.weight, attrs=dict(edge.attrs))
                neighbours = [e.target for e in edges if e.source == nodes[0].id]
                vec_of[dest_id] = self.retrieval.local_vector(nodes[0].text, neighbours)
                self.retrieval.prop[nodes[0].id] = vec_of[dest_id]
            dest_vecs = (np.stack([vec_of[d.id] for d in world.destinations]).astype(np.float32)
                         if world.destinations else np.zeros((0, state.firm_vecs.shape[1]), dtype=np.float32))
            self.retrieval.refresh_destination_text(world)
            self.paths.skeleton_changed(graph, self.retrieval.skeleton)
            self._state = State(
                world=world, firm_vecs=state.firm_vecs, firm_ids=state.firm_ids, dest_vecs=dest_vecs,
                exact=state.exact.without(touched),
                evidence={k: v for k, v in state.evidence.items() if k[1] not in touched},
                prospects=state.prospects,
                prospect_evidence={k: v for k, v in state.prospect_evidence.items() if k[1] not in touched},
                provisional=state.provisional)

    # ---------- scoring core ----------

    def _evidence(self, state: State, scored: Scored, row: int, firm: FirmProfile, dest: DestinationProfile,
                  paths: Callable[[], list[GPath]], prospect_name: str, cost_model: str) -> PairEvidence:
        """A pair's evidence, built once and kept until the firm or the destination changes.

        Factor values, their evidence and the graph paths depend only on the data (the firm, the destination,
        their vectors), never on the mode or the weights; the cost table depends on the mode's cost model, which
        is part of the key. A destination's lead list shows
        the same pairs on every view; building their evidence again was most of the cost of a ranking.
        Prospects (no id) are kept apart, by their profile.
        """
        def build() -> PairEvidence:
            return pair_evidence(scored, row, dest, paths, self.paths, prospect_name, firm=firm, terms=self.terms,
                                 cost_model=cost_model)

        if firm.id is None:
            return remember(state.prospect_evidence, (firm, dest.id, cost_model), c.PROSPECT_EVIDENCE_CACHE_SIZE, build)
        return remember(state.evidence, (firm.id, dest.id, cost_model), c.EVIDENCE_CACHE_SIZE, build)

    def dest_ref(self, world: World, dest: DestinationProfile) -> s.ParkRef:
        return s.ParkRef(id=dest.id, code=dest.code, name_zh=dest.name_zh, name_en=dest.name_en, county=dest.county,
                         county_name_zh=world.county_name(dest.county), county_name_en=world.county_name(dest.county, "en"))

    park_ref = dest_ref

    @staticmethod
    def firm_ref(world: World, firm: FirmProfile) -> s.FirmRef:
        return s.FirmRef(id=firm.id, name_zh=firm.name_zh, name_en=firm.name_en, town=firm.town,
                         town_name_zh=world.town_name(firm.town) if firm.town else None,
                         industries=list(firm.industries), employees=firm.employees, land_mu=firm.land_mu,
                         synthetic=firm.synthetic)

    def _dest_rows(self, world: World, mode: Mode) -> NDArray[np.intp]:
        """Rows of the destinations a mode ranks (by kind)."""
        kinds = [world.kind_codes.index(k) for k in MODES[mode].destination_kinds if k in world.kind_codes]
        return np.flatnonzero(np.isin(world.dest_arrays.kind, kinds)).astype(np.intp)

    # ---------- firm → destinations ----------

    def _dests_for(
        self, state: State, firms: FirmArrays, vec: F32, firm: FirmProfile, *, mode: Mode,
        weights: Mapping[str, float], top_k: int, include_excluded: bool,
        paths: Callable[[DestinationProfile], list[GPath]], prospect_name: str = "",
    ) -> tuple[list[s.RankedPark], list[s.ExcludedPark] | None]:
        world = state.world
        dests = self._dest_rows(world, mode)
        batch = make_batch(world, firms.take(np.zeros(len(dests), dtype=np.intp)), dests,
                           semantic_values(state.dest_vecs[dests], vec), lambda _i: (firm.name_zh, firm.name_en))
        scored = score(batch, constraints=MODES[mode].constraints, weights=weights,
                       tiebreak=np.array([world.destinations[int(p)].id for p in dests], dtype=np.int64))
        stab = stability(scored.matrix, scored.weights, scored.order)
        best = world.destinations[int(dests[scored.order[0]])] if len(scored.order) else None
        ctx = rank_context(scored, (best.name_zh, best.name_en) if best else ("", ""), top=c.RECOMMEND_TOP_DESTINATIONS,
                           bar=MODES[mode].recommend_min_score)
        items = []
        for rank, i in enumerate(scored.order[:top_k], start=1):
            dest = world.destinations[int(dests[i])]
            pair = self._evidence(state, scored, int(i), firm, dest, partial(paths, dest), prospect_name,
                                  MODES[mode].cost_model)
            detail = explain(pair, scored, int(i), rank=rank, stability=float(stab[rank - 1]), firm=firm, dest=dest,
                             ctx=ctx, name=(dest.name_zh, dest.name_en), provisional=firm.id in state.provisional)
            items.append(s.RankedPark(park=self.dest_ref(world, dest), **detail))
        excluded = None
        if include_excluded:
            excluded = [s.ExcludedPark(park=self.dest_ref(world, world.destinations[int(dests[i])]),
                                       reasons=scored.reasons(int(i)))
                        for i in np.flatnonzero(scored.excluded)]
        return items, excluded

    def recommend(
        self, *, firm_id: int, mode: Mode = DEFAULT_MODE, top_k: int = c.DEFAULT_TOP_K,
        weights: Mapping[str, float] | None = None, include_excluded: bool = False,
    ) -> s.Recommendations:
        """Rank destinations for a stored firm."""
        check_top_k(top_k)
        w = resolve_weights(mode=mode, overrides=weights)
        state = self._state
        world = state.world
        if firm_id not in world.firm_row:
            raise FirmNotFound(f"企业 {firm_id} 不存在 / firm {firm_id} not found")
        row = world.firm_row[firm_id]
        firm = world.firms[row]
        fnode = node_id(NodeType.FIRM, firm_id)
        by_dest = self.paths.profile_paths(firm, fnode)

        def paths(dest: DestinationProfile) -> list[GPath]:
            return by_dest.get(destination_node(dest), []) + self.paths.input_paths(fnode, firm, dest)

        items, excluded = self._dests_for(state, world.firm_arrays.take([row]), state.firm_vecs[row], firm, mode=mode,
                                          weights=w, top_k=top_k, include_excluded=include_excluded, paths=paths)
        return s.Recommendations(firm=self.firm_ref(world, firm), mode=mode, weights=w, items=items, excluded=excluded)

    # ---------- prospect → destinations ----------

    def prospect_profile(self, request: s.ProspectRequest) -> Prospect:
        """Turn a prospect request into a profile, with what was inferred and its propagated vector."""
        return prospect_profile(self.retrieval, self._state.world, request)

    def _prospect(self, state: State, request: s.ProspectRequest) -> Prospect:
        """prospect_profile, kept for requests that describe the same prospect."""
        return remember(state.prospects, request.model_dump_json(include=PROSPECT_FIELDS), c.PROSPECT_CACHE_SIZE,
                        lambda: prospect_profile(self.retrieval, state.world, request))

    def match(self, request: s.ProspectRequest) -> s.MatchResult:
        """Rank destinations for a prospect described in free text (plus optional fields)."""
        check_top_k(request.top_k)
        w = resolve_weights(mode=request.mode, overrides=request.weights)
        state = self._state
        profile, inferred, resources, vec = self._prospect(state, request)
        arrays = profile_arrays(state.world, [profile])
        grouped = self.paths.profile_paths(profile, PROSPECT_NODE)

        def paths(dest: DestinationProfile) -> list[GPath]:
            return grouped.get(destination_node(dest), []) + self.paths.input_paths(PROSPECT_NODE, profile, dest)

        items, excluded = self._dests_for(state, arrays, vec, profile, mode=request.mode, weights=w,
                                          top_k=request.top_k, include_excluded=request.include_excluded,
                                          paths=paths, prospect_name=profile.name_zh)
        read, cues = reading_report(state.world, request)
        return s.MatchResult(prospect=self.firm_ref(state.world, profile), mode=request.mode, weights=w,
                             industries=inferred.industries, industry_unsure=inferred.unsure,
                             industry_choices=inferred.choices, resources=resources, read_from_text=read, cues=cues,
                             items=items, excluded=excluded)

    def rank_prospect_parks(self, request: s.ProspectRequest) -> list[str]:
        """Destination codes best first, without explanations (for evaluation)."""
        w = resolve_weights(mode=request.mode, overrides=request.weights)
        state = self._state
        world = state.world
        profile, _, _, vec = prospect_profile(self.retrieval, world, request)
        arrays = profile_arrays(world, [profile])
        dests = self._dest_rows(world, request.mode)
        batch = make_batch(world, arrays.take(np.zeros(len(dests), dtype=np.intp)), dests,
                           semantic_values(state.dest_vecs[dests], vec), lambda _i: (profile.name_zh, profile.name_en))
        scored = score(batch, constraints=MODES[request.mode].constraints, weights=w,
                       tiebreak=np.array([world.destinations[int(p)].id for p in dests], dtype=np.int64))
        # Excluded destinations go last rather than vanish, so every case has a full ranking to measure.
        rest = np.flatnonzero(scored.excluded)
        rest = rest[np.argsort(-scored.scores[rest], kind="stable")]
        return [world.destinations[int(dests[i])].code for i in [*scored.order, *rest]]

    # ---------- destination → firms ----------

    def candidates(
        self, *, park_id: int, mode: Mode = DEFAULT_MODE, top_k: int = c.DEFAULT_CANDIDATES_TOP_K,
        weights: Mapping[str, float] | None = None, town: str | None = None, industry: str | None = None,
        min_employees: int | None = None, max_employees: int | None = None, min_score: float = 0.0,
        include_excluded: bool = False,
    ) -> s.Candidates:
        """Rank stored firms for a destination: the exact top firms (scored group by group), then explanations.

        ``min_score`` is on the 0–100 scale of the returned scores."""
        check_top_k(top_k)
        check_min_score(min_score)
        w = resolve_weights(mode=mode, overrides=weights)
        state = self._state
        world = state.world
        if park_id not in world.dest_row:
            raise ParkNotFound(f"园区 {park_id} 不存在 / park {park_id} not found")
        p = world.dest_row[park_id]
        dest = world.destinations[p]
        fa = world.firm_arrays
        mask = np.ones(len(fa), dtype=bool)
        if town:
            code = resolve_town(world, town)
            mask &= fa.town == world.town_codes.index(code or "")
        if industry:
            cols = [j for j, cls in enumerate(world.class_codes) if cls.startswith(industry)]
            mask &= fa.industry[:, cols].any(axis=1) if cols else False
        if min_employees is not None:
            mask &= fa.employees >= min_employees
        if max_employees is not None:
            mask &= fa.employees <= max_employees
        allowed = np.flatnonzero(mask)
        ids = state.firm_ids
        constraints = MODES[mode].constraints
        k = min(c.VECTOR_CANDIDATES, len(allowed))
        rows = exact_top_rows(world=world, firm_vecs=state.firm_vecs, firm_ids=ids, dest_vec=state.dest_vecs[p], p=p,
                              index=state.exact, allowed=mask, constraints=constraints, weights=w, k=k,
                              include_excluded=include_excluded) if k else np.zeros(0, dtype=np.intp)
        considered = len(allowed)  # every allowed firm is ranked exactly; most are ruled out by their group's bound
        firms = fa.take(rows)
        batch = make_batch(world, firms, np.full(len(rows), p, dtype=np.intp),
                           semantic_values(state.firm_vecs[rows], state.dest_vecs[p]), firm_names(world, rows))
        scored = score(batch, constraints=constraints, weights=w, tiebreak=ids[rows])
        order = scored.order[scored.scores[scored.order] * c.SCORE_SCALE >= min_score]
        stab = stability(scored.matrix, scored.weights, order)
        pnode = destination_node(dest)
        lead = world.firms[int(rows[scored.order[0]])] if len(scored.order) else None
        ctx = rank_context(scored, (lead.name_zh, lead.name_en or lead.name_zh) if lead else ("", ""),
                           top=c.RECOMMEND_TOP_FIRMS, bar=MODES[mode].recommend_min_score)
        items = []
        for rank, i in enumerate(order[:top_k], start=1):
            firm = world.firms[int(rows[i])]

            def paths(firm: FirmProfile = firm) -> list[GPath]:
                fnode = node_id(NodeType.FIRM, firm.id or 0)
                return self.paths.profile_paths(firm, fnode, pnode)[pnode] + self.paths.input_paths(fnode, firm, dest)

            pair = self._evidence(state, scored, int(i), firm, dest, paths, "", MODES[mode].cost_model)
            detail = explain(pair, scored, int(i), rank=rank, stability=float(stab[rank - 1]), firm=firm, dest=dest,
                             ctx=ctx, name=(firm.name_zh, firm.name_en or firm.name_zh),
                             provisional=firm.id in state.provisional)
            items.append(s.RankedFirm(firm=self.firm_ref(world, firm), **detail))
        excluded = None
        if include_excluded:
            excluded = [s.ExcludedFirm(firm=self.firm_ref(world, world.firms[int(rows[i])]), reasons=scored.reasons(int(i)))
                        for i in np.flatnonzero(scored.excluded)]
        return s.Candidates(park=self.dest_ref(world, dest), mode=mode, weights=w, considered=considered, items=items,
                            excluded=excluded)

    # ---------- all pairs (plans, evaluation) ----------

    def pair_scores(
        self, *, firm_rows: NDArray[np.intp], mode: Mode, weights: Mapping[str, float],
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_], Scored, NDArray[np.intp]]:
        """Scores and exclusions of every (firm, destination) pair the mode ranks, as (firms × destinations)
        matrices, with the destination rows the columns stand for."""
        state = self._state
        world = state.world
        dest_rows = self._dest_rows(world, mode)
        rows = np.repeat(firm_rows, len(dest_rows))
        dests = np.tile(dest_rows, len(firm_rows))
        semantic = semantic_values(state.firm_vecs[rows], state.dest_vecs[dests])
        batch = make_batch(world, world.firm_arrays.take(rows), dests, semantic, firm_names(world, rows))
        scored = score(batch, constraints=MODES[mode].constraints, weights=resolve_weights(mode=mode, overrides=weights),
                       tiebreak=np.arange(len(rows), dtype=np.int64))
        shape = (len(firm_rows), len(dest_rows))
        return scored.scores.reshape(shape), scored.excluded.reshape(shape), scored, dest_rows

    def park_bm25_ranking(self, text: str) -> list[str]:
        """Destination codes by BM25 of the text against destination documents (a baseline)."""
        world = self._state.world
        scores = self.retrieval.dest_bm25.scores(text)
        order = np.lexsort((np.array([d.id for d in world.destinations]), -scores))
        return [world.destinations[int(i)].code for i in order]


def service_from_settings(settings: Settings, session_factory: sessionmaker[Session]) -> MatchService:
    """Build the service the way the application's lifespan does: it follows the change log from then on."""
    service = MatchService.build(session_factory=session_factory, settings=settings)
    service.follow(warm_in_background=settings.warm_up == "background")
    return service


