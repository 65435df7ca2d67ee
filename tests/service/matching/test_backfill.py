"""The background encoding of a bulk change's new texts: one thread that runs until nothing is provisional,
picking up firms that became provisional while it ran; and the one-pass world update it relies on."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from embeddings import HashEncoder
from service.matching.backfill import TextBackfill
from service.matching.service import MatchService
from service.matching.snapshot.build import with_firm, with_firms


class Gate(HashEncoder):
    """Encodes like HashEncoder, after the test opens the gate (so a test can act while a run is under way)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.gate.wait(10)
        self.seen += texts
        return super().encode(texts)


def test_a_run_ends_only_when_firms_added_meanwhile_are_encoded_too() -> None:
    pending = {1: "铝型材", 2: "灯具"}
    finished: list[int] = []
    lock = threading.Lock()

    def finish(ids: Sequence[int], vectors: Mapping[str, NDArray[np.float32]]) -> None:
        assert {pending[fid] for fid in ids} <= set(vectors)  # the finished firms come with their texts' vectors
        with lock:
            for fid in ids:
                pending.pop(fid, None)
                finished.append(fid)

    encoder = Gate()
    backfill = TextBackfill(encoder=encoder, pending=lambda: sorted(pending.items()), finish=finish,
                            stop=threading.Event())
    backfill.wake()
    backfill.wake()  # a second wake while running starts no second thread
    assert backfill.status().provisional_firms == 2
    with lock:
        pending[3] = "服装"  # a second import while the first run encodes
    encoder.gate.set()
    assert backfill.join(timeout=10)
    assert sorted(finished) == [1, 2, 3] and backfill.status().provisional_firms == 0
    assert sorted(encoder.seen) == sorted(["铝型材", "灯具", "服装"])  # each text once
    assert backfill.status().texts_total == 0 and backfill.status().started_at is None


def test_a_stopped_service_leaves_its_provisional_firms_alone() -> None:
    stop = threading.Event()
    encoder = Gate()
    finished: list[int] = []
    backfill = TextBackfill(encoder=encoder, pending=lambda: [(1, "铝型材")], finish=lambda ids, _: finished.extend(ids),
                            stop=stop)
    backfill.wake()
    stop.set()
    encoder.gate.set()
    assert backfill.join(timeout=10) and finished == []


def test_one_pass_world_update_equals_one_firm_at_a_time(match_engine: MatchService) -> None:
    world = match_engine.world
    first, second = world.firms[0], world.firms[1]
    renamed = dataclasses.replace(first, name_zh=first.name_zh + "（新址）", employees=first.employees + 7)
    new = [dataclasses.replace(second, id=10_000_000 + i, name_zh=f"新企业{i}") for i in range(3)]
    batch = with_firms(world, [new[0], renamed, new[1], new[2]])
    one_by_one = world
    for profile in (new[0], renamed, new[1], new[2]):
        one_by_one = with_firm(one_by_one, profile)
    assert batch.firms == one_by_one.firms and batch.firm_row == one_by_one.firm_row
    for f in dataclasses.fields(batch.firm_arrays):
        assert np.array_equal(getattr(batch.firm_arrays, f.name), getattr(one_by_one.firm_arrays, f.name)), f.name
    assert batch.firms[batch.firm_row[first.id]].name_zh.endswith("（新址）")
    assert len(batch.firms) == len(world.firms) + 3
