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
# Destination → firms: how many of the best firms go on to explanations (the exact top, at any size).
VECTOR_CANDIDATES: Final = 1000
# Every firm is ranked exactly against a destination: firms are grouped (town, class set, input mix, vector
# direction, then cut by size) and scored group by group in the order of each group's upper bound, until
# the VECTOR_CANDIDATES-th exact score beats the next bound (see retrieval/groups.py). The vector index and
# the rule pre-score found only 42% of the exact top 50 at 100,000 near-identical firms, because
# size-driven factors (cost, land, labour) decide among similar firms; they are no longer a candidate path.
GROUP_SIZE: Final = 128  # firms per group at most: smaller groups have tighter bounds, more groups cost more per query
GROUP_DIRECTION_BITS: Final = 16  # random hyperplanes splitting a group by vector direction (tighter semantic bounds)
GROUP_MIN_BATCH: Final = 1_024  # firms scored per pass, best bound first, until the k-th score beats every bound left
EXACT_CHUNK: Final = 16_384  # firms per scoring pass when every firm is scored (bounds the working memory)
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
# Industry inference: weights of the class features (retrieval/prospect.py FEATURES), a conditional logit
# fitted on the tuning split of data/eval/industries.yaml by `parkmatch evaluate --industries … --fit`.
INFER_WEIGHTS: Final = (3.3661, 6.5247, 0.0, 3.3188, 3.5694, 1.7614)
INFER_SURE: Final = 0.5  # below this confidence the answer says it is unsure and offers a choice
INFER_CHOICES: Final = 3  # classes offered when unsure
INFER_EXTRA: Final = 0.5  # a further class is used when at least this share of the best one's confidence

# Benchmark sizes.
BENCH_FIRMS: Final = 100_000
BENCH_REPEATS: Final = 50

# How often each process looks in the change log for other processes' committed changes.
CHANGE_POLL_SECONDS: Final = 0.5

# A pair is recommended when it ranks near the top and its score (0–100) reaches its mode's bar
# (``ModeSpec.recommend_min_score``); any other pair
# says "not recommended, consider X instead" and gets no talking points. A firm compares a few destinations;
# a destination's lead list is a visit list, so more of it counts as the top.
RECOMMEND_TOP_DESTINATIONS: Final = 3
RECOMMEND_TOP_FIRMS: Final = 10
# Factor values closer than this across every candidate count as equal: such a factor never headlines.
EQUAL_FACTOR_SPREAD: Final = 1e-6
IMPACT_WORTH_SAYING: Final = 0.5  # points against the other candidates below which a factor is not named
SCORE_SCALE: Final = 100.0  # scores are shown, filtered and returned on 0–100
