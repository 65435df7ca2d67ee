"""Matching defaults, limits, cache sizes, seeds and inference depths; no factor or mode data."""

from __future__ import annotations

from typing import Final

DEFAULT_TOP_K: Final = 10
MAX_TOP_K: Final = 200
DEFAULT_CANDIDATES_TOP_K: Final = 50
# Ranking request bodies: characters of a code or name used as a key (town, resource, industry class, factor)
# and entries of any list or mapping; with the 4,000-character description these bound a request's work.
REQUEST_CODE_MAX: Final = 64
REQUEST_LIST_MAX: Final = 50
# Destination → firms: how many firms the vector index proposes before exact scoring.
VECTOR_CANDIDATES: Final = 1000
# Up to this many stored firms, every firm is scored exactly against a destination (once per destination
# and data state, about 80 ms at 100,000 firms) and the best VECTOR_CANDIDATES go on; above it the vector
# index and the rule pre-score propose them. Measured at 100,000 near-identical firms, those two channels
# found only 42% of the exact top 50, because size-driven factors (cost, land, labour) decide among
# similar firms.
EXACT_CANDIDATES_MAX_FIRMS: Final = 250_000
EXACT_CHUNK: Final = 4_096  # firms per scoring pass when every firm is scored (bounds working memory and the wait of others)
# Firms changed at once (an import) up to which each is refreshed in place; above it the snapshot is rebuilt.
FIRM_REFRESH_ONE_BY_ONE_MAX: Final = 200
PATHS_PER_ITEM: Final = 3
EVIDENCE_CACHE_SIZE: Final = 5_000  # explained pairs kept (about 35 kB each, measured: 175 MB at most)
PROSPECT_CACHE_SIZE: Final = 256  # prospects whose inferred profile is kept per destination state
PROSPECT_EVIDENCE_CACHE_SIZE: Final = 1_000  # prospect–destination pairs whose evidence is kept
WEIGHTINGS_PER_PAIR: Final = 4  # weightings whose factor table and reason text a kept pair remembers
PATH_CACHE_SIZE: Final = 200_000  # rendered evidence paths kept between queries (a few hundred bytes each)
WALK_CACHE_SIZE: Final = 50_000  # meta-path walks kept per (industries, town)

# Stability: share of seeded ±30% weight perturbations under which an item stays in the top 3.
STABILITY_TRIALS: Final = 200
STABILITY_SPREAD: Final = 0.30
STABILITY_TOP: Final = 3
SEED: Final = 20210217  # the day of the first charter flight of Liupanshui workers to Zhongshan

# Plans: land is a size, so flow is counted in land units of this many 亩 (see plan.py).
LAND_UNIT_MU: Final = 5.0
PLAN_SCORE_SCALE: Final = 10_000  # min-cost flow needs integer costs
# Firms one plan may place. The flow grows with firms × destinations: 2,000 starter-like firms over the 35
# destinations took 3.8 s of CPU (420 firms 0.4 s, 5,000 firms 10.9 s); a larger portfolio is planned in
# parts by naming the firms (firm_ids), so no request holds a worker for minutes.
PLAN_MAX_FIRMS: Final = 2_000
# Inference of industries and resources from a prospect's text.
INFER_INDUSTRIES: Final = 3
INFER_RESOURCES: Final = 6
PROSPECT_OWN_TEXT: Final = 0.85  # share of a prospect's own text vector against its inferred neighbours
INFER_AGREE_DEPTH: Final = 5  # a further class must be in both channels' top 5

# Benchmark sizes.
BENCH_FIRMS: Final = 100_000
BENCH_REPEATS: Final = 50

# How often each process looks in the change log for other processes' committed changes.
CHANGE_POLL_SECONDS: Final = 0.5
