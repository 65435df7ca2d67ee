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
    assert MODES[Mode.market].constraints == ()
    for mode in (Mode.relocation, Mode.joint_development):
        assert {"land_short", "env_category", "industry_restricted"} <= set(MODES[mode].constraints)


def test_the_library_defaults_are_the_service_defaults() -> None:
    # One propagation α and K: the library's defaults and the service's settings may not drift apart.
    settings = Settings()
    assert (settings.propagation_alpha, settings.propagation_hops) == (DEFAULT_ALPHA, DEFAULT_HOPS)
