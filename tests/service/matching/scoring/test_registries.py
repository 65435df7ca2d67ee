"""The registries are the only lists: every mode names registered factors and constraints, labels come from them."""

from __future__ import annotations

import math

import pytest

from embeddings import DEFAULT_ALPHA, DEFAULT_HOPS
from service.config import Settings
from service.matching.modes import MODES, Mode
from service.matching.scoring import FACTOR_NAMES, FACTORS
from service.matching.scoring.constraints import CONSTRAINTS
from service.matching.snapshot.kinds import DESTINATION_KINDS


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_weighs_every_registered_factor_in_display_order_and_sums_to_one(mode: Mode) -> None:
    spec = MODES[mode]
    assert spec.mode is mode
    assert tuple(spec.weights) == FACTOR_NAMES
    assert math.isclose(sum(spec.weights.values()), 1.0)
    assert all(w >= 0 for w in spec.weights.values())


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_names_registered_constraints_and_destination_kinds(mode: Mode) -> None:
    spec = MODES[mode]
    assert set(spec.constraints) <= set(CONSTRAINTS)
    assert spec.destination_kinds and set(spec.destination_kinds) <= set(DESTINATION_KINDS)
    assert spec.label_zh and spec.label_en and not spec.label_zh.isascii() and spec.label_en.isascii()


def test_factor_names_follow_the_registry_order_and_every_factor_has_both_labels() -> None:
    assert list(FACTOR_NAMES) == sorted(FACTORS, key=lambda n: FACTORS[n].order)
    for spec in FACTORS.values():
        assert spec.label_zh and not spec.label_zh.isascii()
        assert spec.label_en and spec.label_en.isascii()


def test_only_the_moving_modes_apply_site_constraints() -> None:
    # A buyer and an employer move nothing, so land, EIA category and industry restrictions never exclude them.
    site = {"land_short", "env_category", "industry_restricted"}
    for mode in (Mode.market, Mode.labour):
        assert not site & set(MODES[mode].constraints)
    for mode in (Mode.relocation, Mode.joint_development):
        assert site <= set(MODES[mode].constraints)


def test_market_and_labour_rank_their_own_kinds_and_bar_firms_that_neither_buy_nor_hire() -> None:
    assert set(MODES[Mode.market].destination_kinds) == {"agri_base", "processing_centre", "co_built_park"}
    assert MODES[Mode.labour].destination_kinds == ("labour_source",)
    assert "supplies_nothing" in MODES[Mode.market].constraints
    assert "not_hiring" in MODES[Mode.labour].constraints
    # Each mode's own factor carries the most weight in it.
    assert max(MODES[Mode.market].weights, key=MODES[Mode.market].weights.__getitem__) == "supply_match"
    assert MODES[Mode.labour].weights["labour_supply"] >= max(MODES[Mode.labour].weights.values())
    assert MODES[Mode.relocation].weights["supply_match"] == MODES[Mode.relocation].weights["labour_supply"] == 0


def test_the_library_defaults_are_the_service_defaults() -> None:
    # One propagation α and K: the library's defaults and the service's settings may not drift apart.
    settings = Settings()
    assert (settings.propagation_alpha, settings.propagation_hops) == (DEFAULT_ALPHA, DEFAULT_HOPS)
