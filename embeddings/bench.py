"""Benchmark: encoder throughput, index build/search latency, recall and memory at 10k–1M vectors."""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing as mp
import os
import platform
import resource
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["bench_texts", "main", "run"]

K = 100
CHUNK = 65_536
# Spread of synthetic vectors around their base text vector; 0.9 (noise norm ≈ 0.9 × base norm) puts
# members of one cluster at cosine ≈ 0.55, in the range real company descriptions of one cluster show.
NOISE = 0.9

_TOWNS = [
    "古镇",
    "横栏",
    "小榄",
    "东凤",
    "南头",
    "黄圃",
    "沙溪",
    "大涌",
    "港口",
    "坦洲",
    "三角",
    "火炬开发区",
]
_TOWNS_EN = [
    "Guzhen",
    "Henglan",
    "Xiaolan",
    "Dongfeng",
    "Nantou",
    "Huangpu",
    "Shaxi",
    "Dayong",
    "Gangkou",
    "Tanzhou",
]
_PRODUCTS = [
    ("LED吸顶灯", "LED ceiling lights"),
    ("户外路灯", "outdoor street lamps"),
    ("铝压铸灯体", "die-cast aluminium lamp bodies"),
    ("电饭煲", "rice cookers"),
    ("空气炸锅", "air fryers"),
    ("电热水壶", "electric kettles"),
    ("智能门锁", "smart door locks"),
    ("五金配件", "hardware fittings"),
    ("牛仔裤", "jeans"),
    ("休闲衬衫", "casual shirts"),
    ("红木家具", "rosewood furniture"),
    ("游戏游艺设备", "amusement machines"),
    ("多层PCB", "multilayer PCBs"),
    ("燃气灶", "gas stoves"),
    ("腊味食品", "cured meat"),
    ("新能源汽车结构件", "EV structural parts"),
]
_TRAITS = [
    ("员工{n}人", "{n} employees"),
    ("年耗铝{n}吨", "uses {n} t of aluminium a year"),
    ("用地紧张，计划扩产", "short of land and planning to expand"),
    ("用工成本上升", "facing rising labour costs"),
    ("出口东南亚", "exporting to Southeast Asia"),
]


def bench_texts(n: int = 3000, seed: int = 0) -> list[str]:
    """Short realistic company profiles, about half Chinese and half English."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for i in itertools.count():
        if len(out) >= n:
            break
        p_zh, p_en = _PRODUCTS[int(rng.integers(len(_PRODUCTS)))]
        t_zh, t_en = _TRAITS[int(rng.integers(len(_TRAITS)))]
        num = int(rng.integers(20, 3000))
        if i % 2:
            town = _TOWNS_EN[int(rng.integers(len(_TOWNS_EN)))]
            out.append(f"A {town} manufacturer of {p_en}, {t_en.format(n=num)}.")
        else:
            town = _TOWNS[int(rng.integers(len(_TOWNS)))]
            out.append(f"中山市{town}{p_zh}生产企业，{t_zh.format(n=num)}。")
    return out


def _chunks(
    bases: NDArray[np.float32], n: int, seed: int, noise: float = NOISE
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float32]]]:
    """Deterministic synthetic vectors: a real text vector plus Gaussian noise, renormalised, in chunks
    so a 1M × 512 float32 matrix (2 GB) never has to exist in the index process."""
    dim = bases.shape[1]
    for c, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        rng = np.random.default_rng([seed, c])
        x = bases[rng.integers(0, len(bases), m)]
        x = x + rng.standard_normal((m, dim), dtype=np.float32) * np.float32(noise / np.sqrt(dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        yield np.arange(start, start + m, dtype=np.int64), x.astype(np.float32)


def _queries(bases: NDArray[np.float32], count: int, noise: float = NOISE) -> NDArray[np.float32]:
    # A separate seed stream: queries are new prospects, not stored rows.
    return next(_chunks(bases, count, seed=10_000, noise=noise))[1]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def _index_worker(
    n: int, bases_path: str, queries: int, seed: int, nprobe: int, noise: float
) -> dict[str, Any]:
    """Run in a fresh process so its peak RSS is the index's, not the benchmark driver's."""
    import faiss

    from .index import APPROX_THRESHOLD, VectorIndex, default_nlist

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    bases = np.load(bases_path)
    q = _queries(bases, queries, noise)
    started = time.perf_counter()
    if n >= APPROX_THRESHOLD:
        index = VectorIndex(bases.shape[1], kind="ivf", nlist=default_nlist(n), nprobe=nprobe, storage="fp16")
        # Train on a sample drawn the same way as the data (the first chunk(s)), as a service would.
        sample = np.concatenate([x for _, x in itertools.islice(_chunks(bases, n, seed, noise), 2)])[:100_000]
        index.train(sample)
        del sample
    else:
        index = VectorIndex(bases.shape[1], kind="flat")
    for ids, x in _chunks(bases, n, seed, noise):
        index.add(ids, x)
    build_s = time.perf_counter() - started
    lat = []
    found = np.empty((queries, K), dtype=np.int64)
    for i in range(queries):
        t0 = time.perf_counter()
        _, ids = index.search(q[i : i + 1], K)
        lat.append(time.perf_counter() - t0)
        found[i] = ids[0]
    return {
        "kind": index.kind
        if index.kind == "flat"
        else f"ivf{index.nlist},{index.storage},nprobe={index.nprobe}",
        "build_s": build_s,
        "p50_ms": float(np.percentile(lat, 50) * 1e3),
        "p99_ms": float(np.percentile(lat, 99) * 1e3),
        "found": found,
        "peak_rss_mb": _maxrss_mb(),
    }


def _brute_force(
    bases: NDArray[np.float32], n: int, q: NDArray[np.float32], seed: int, timed: int, noise: float
) -> tuple[NDArray[np.int64], float, float]:
    """Exact top-K by numpy: matrix–vector product + argpartition. Returns truth ids, p50 and p99 (ms)."""
    x = np.empty((n, bases.shape[1]), dtype=np.float32)
    for ids, chunk in _chunks(bases, n, seed, noise):
        x[ids[0] : ids[-1] + 1] = chunk
    lat = []
    for i in range(timed):
        t0 = time.perf_counter()
        s = x @ q[i]
        top = np.argpartition(-s, K)[:K]
        top = top[np.argsort(-s[top])]
        lat.append(time.perf_counter() - t0)
    truth = np.empty((len(q), K), dtype=np.int64)
    for start in range(0, len(q), 50):
        s = q[start : start + 50] @ x.T
        part = np.argpartition(-s, K, axis=1)[:, :K]
        order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1)
        truth[start : start + 50] = np.take_along_axis(part, order, axis=1)
    return truth, float(np.percentile(lat, 50) * 1e3), float(np.percentile(lat, 99) * 1e3)


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run(
    sizes: Sequence[int] = (10_000, 100_000, 1_000_000),
    dim: int = 512,
    queries: int = 200,
    json_path: str | os.PathLike[str] | None = None,
    *,
    texts: int = 3000,
    nprobe: int = 32,
    brute_force_queries: int = 50,
    seed: int = 0,
    noise: float = NOISE,
) -> dict[str, Any]:
    """Run the benchmark, print a rich table, optionally write JSON, and return the figures.

    Vectors at each size are synthetic: real USE vectors of ``texts`` bench texts plus Gaussian noise
    (see ``NOISE``), because encoding a million texts would measure the encoder, not the index, and
    uniform random vectors have no neighbourhood structure, which makes approximate recall meaningless.
    """
    from rich.console import Console
    from rich.table import Table

    from .encoders import UseEncoder
    from .index import recall_at_k

    console = Console(width=130)  # wide enough for the table when output is piped to a file
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    encoder = UseEncoder(progress=False)
    sample = bench_texts(texts, seed=seed)
    t0 = time.perf_counter()
    encoder.encode(sample[:8])  # load the weights outside the timed run
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = encoder.encode(sample)
    encode_s = time.perf_counter() - t0
    if dim != base.shape[1]:
        # Keep the benchmark usable at other widths: a random projection preserves the cluster structure.
        proj = np.random.default_rng(seed).standard_normal((base.shape[1], dim)).astype(np.float32)
        base = base @ proj
        base /= np.linalg.norm(base, axis=1, keepdims=True)
    result: dict[str, Any] = {
        "date": started_at,
        "machine": _machine(),
        "encoder": {
            "fingerprint": encoder.fingerprint,
            "texts": len(sample),
            "load_s": round(load_s, 3),
            "seconds": round(encode_s, 3),
            "texts_per_s": round(len(sample) / encode_s, 1),
        },
        "k": K,
        "dim": dim,
        "noise": noise,
        "nprobe": nprobe,
        "queries": queries,
        "sizes": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        bases_path = os.path.join(tmp, "bases.npy")
        np.save(bases_path, base.astype(np.float32))
        q = _queries(base, queries, noise)
        ctx = mp.get_context("spawn")
        for n in sizes:
            console.log(f"size {n:,}: building and searching the index in a child process …")
            with ctx.Pool(1) as pool:
                worker = pool.apply(_index_worker, (n, bases_path, queries, seed, nprobe, noise))
            console.log(f"size {n:,}: brute-force numpy and exact ground truth …")
            rss_before = _maxrss_mb()
            truth, bf_p50, bf_p99 = _brute_force(base, n, q, seed, min(brute_force_queries, queries), noise)
            row = {
                "size": n,
                "index_kind": worker["kind"],
                "build_s": round(worker["build_s"], 2),
                "p50_ms": round(worker["p50_ms"], 3),
                "p99_ms": round(worker["p99_ms"], 3),
                "recall_at_100": round(recall_at_k(worker["found"], truth, K), 4),
                "index_process_peak_rss_mb": round(worker["peak_rss_mb"], 1),
                "numpy_p50_ms": round(bf_p50, 3),
                "numpy_p99_ms": round(bf_p99, 3),
                "numpy_over_index_p50": round(bf_p50 / worker["p50_ms"], 1) if worker["p50_ms"] else None,
                "driver_peak_rss_mb": round(max(rss_before, _maxrss_mb()), 1),
            }
            result["sizes"].append(row)
            del truth
    enc = result["encoder"]
    console.print(
        f"[bold]Encoder[/bold] {enc['fingerprint']}: {enc['texts_per_s']:,.0f} texts/s "
        f"({enc['texts']} texts in {enc['seconds']:.2f} s; weights load {enc['load_s']:.2f} s)"
    )
    table = Table(title=f"Index: one query → top-{K}, dim {dim}, {queries} queries")
    for col in (
        "size",
        "index",
        "build s",
        "p50 ms",
        "p99 ms",
        "recall@100",
        "peak RSS MB",
        "numpy p50 ms",
        "numpy/index",
    ):
        table.add_column(col, justify="right")
    for row in result["sizes"]:
        table.add_row(
            f"{row['size']:,}",
            row["index_kind"],
            f"{row['build_s']:.1f}",
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            f"{row['recall_at_100']:.3f}",
            f"{row['index_process_peak_rss_mb']:,.0f}",
            f"{row['numpy_p50_ms']:.1f}",
            f"{row['numpy_over_index_p50']}×",
        )
    console.print(table)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m embeddings.bench", description="Embeddings benchmark / 向量检索基准测试"
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated index sizes")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nprobe", type=int, default=32)
    parser.add_argument(
        "--noise", type=float, default=NOISE, help="spread of synthetic vectors around text vectors"
    )
    parser.add_argument("--json", dest="json_path", default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    run(
        sizes=sizes,
        dim=args.dim,
        queries=args.queries,
        json_path=args.json_path,
        nprobe=args.nprobe,
        noise=args.noise,
    )


if __name__ == "__main__":
    main()
