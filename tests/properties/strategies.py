"""Hypothesis strategies: prospects in Chinese and English, weight overrides, modes."""

from __future__ import annotations

import os

from hypothesis import strategies as st

from service.matching import constants as c
from service.matching.modes import MODES, Mode
from service.matching.schemas import ProspectRequest
from service.matching.scoring import FACTOR_NAMES

# CI replays the same examples every run (a red CI then means a change, not a lucky draw); a developer's
# run explores new ones and keeps any failure in .hypothesis/ to replay.
IN_CI = bool(os.environ.get("CI"))

# Industry and product words the catalogue and the parks talk about, plus a few it does not know.
WORDS_ZH = ["灯饰", "LED吸顶灯", "铝压铸", "铝型材", "铝液", "电饭煲", "小家电", "五金", "锁具", "服装", "牛仔",
            "刺梨", "饮料", "食用菌", "猕猴桃", "锂电池", "磷酸铁锂", "正极材料", "焦炉煤气", "氢能", "煤化工",
            "电机", "红木家具", "包装印刷", "注塑", "模具", "电子元件", "线路板", "水泥", "茶叶", "牛肉", "企业",
            "生产", "加工", "研发", "扩产", "古镇", "小榄", "量子", "奶茶"]
WORDS_EN = ["lighting", "LED", "aluminium", "die casting", "extrusion", "rice cooker", "appliance", "hardware",
            "locks", "garment", "denim", "beverage", "kiwifruit", "mushroom", "lithium battery", "cathode",
            "hydrogen", "coal chemicals", "motor", "furniture", "packaging", "injection moulding", "PCB",
            "cement", "tea", "beef", "factory", "maker", "blockchain", "quantum"]
SEPARATORS = [" ", "，", "、", "; ", ""]

descriptions = st.tuples(
    st.lists(st.sampled_from(WORDS_ZH + WORDS_EN), min_size=1, max_size=8), st.sampled_from(SEPARATORS),
).map(lambda t: t[1].join(t[0])).filter(lambda text: len(text.strip()) >= 2)

modes = st.sampled_from(list(Mode))
factor_names = st.sampled_from(FACTOR_NAMES)
weight_values = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=10.0, allow_nan=False),
                          st.floats(min_value=1e-6, max_value=1e-3))


def valid_overrides(mode: Mode) -> st.SearchStrategy[dict[str, float] | None]:
    """Weight overrides the API accepts for the mode: known factors, finite, not negative, not all zero."""
    overrides = st.dictionaries(factor_names, weight_values, max_size=len(FACTOR_NAMES))
    return st.none() | overrides.filter(lambda w: sum({**MODES[mode].weights, **w}.values()) > 0)


@st.composite
def prospects(draw: st.DrawFn, *, top_k: int = c.MAX_TOP_K) -> ProspectRequest:
    """A prospect as staff would type it, with optional size, land and weights."""
    mode = draw(modes)
    return ProspectRequest(
        description=draw(descriptions),
        employees=draw(st.none() | st.integers(min_value=0, max_value=1_000_000)),
        land_mu=draw(st.none() | st.floats(min_value=0, max_value=5_000, allow_nan=False)),
        mode=mode, weights=draw(valid_overrides(mode)), top_k=top_k, include_excluded=True,
    )
