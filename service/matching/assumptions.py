"""Estimation and cost-model assumptions, each with its source or its estimate note; shown as estimates wherever used."""

from __future__ import annotations

import datetime as dt
from typing import Final

# Cost model.
MONTHS_PER_YEAR: Final = 12
PRODUCTION_STAFF_SHARE: Final = 0.8  # estimate: share of staff that would work at the destination site
LAND_TERM_YEARS: Final = 50  # statutory maximum term of an industrial land-use right
LAND_TERM_SOURCE: Final = "《中华人民共和国城镇国有土地使用权出让和转让暂行条例》第十二条（工业用地最高50年）"
LAND_TERM_AS_OF: Final = dt.date(1990, 5, 19)
# Figures a firm states carry this date until imports record their own.
STATED_AS_OF: Final = dt.date(2025, 1, 1)

# Estimates for what a firm does not state (each marked as an estimate where shown).
DEFAULT_EMPLOYEES: Final = 100.0
TONNES_PER_10K_YUAN: Final = 0.08  # shipped output per 10k yuan of revenue when inputs give no tonnage
REVENUE_10K_PER_EMPLOYEE: Final = 60.0  # revenue per employee when a firm gives none
KWH_PER_10K_YUAN: Final = 300.0  # electricity per 10k yuan of revenue when a firm gives none
LAND_MU_PER_EMPLOYEE: Final = 0.12  # land need when a firm gives none
LAND_MU_PER_EMPLOYEE_MAX: Final = 1.0  # an industry's land intensity never asks more than this per worker
FACTORY_M2_PER_MU: Final = 666.7 * 1.2  # floor space per 亩 of land at a plot ratio of 1.2
# Workshop floor a production-line worker takes at a settlement workshop: the Jinqiu leather-goods workshop
# seats 80+ workers on 3,400 m² (szb.eyesnews.cn/pad/cont/202202/15/content_46776.html, 2022-02-15); an
# estimate for every other workshop. A workshop hosts a line, not a plant, so it is measured in seats.
WORKSHOP_M2_PER_WORKER: Final = 3400 / 80
# An input a firm names itself counts as at least this reliance (0–1), whatever its industry's typical mix.
STATED_INPUT_RELIANCE: Final = 0.8
# A missing destination figure (labour pool, free land) counts as this neutral factor value.
NEUTRAL_VALUE: Final = 0.5

# Market cooperation: a base whose volume (area, capacity) is on record is a surer supplier than one without.
VOLUME_ON_RECORD_SHARE: Final = 0.15
# Labour cooperation: an outflow this many times the openings is a comfortable pool to recruit from.
LABOUR_SOURCE_COMFORT: Final = 20.0
