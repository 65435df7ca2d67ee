"""Measured quality: the engine beats every baseline on the development set; held-out prospects hit the top 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.dataset.files import DATA_DIR
from service.matching.evaluate import CasesInvalid, EvalReport, evaluate, load_cases
from service.matching.modes import Mode
from service.matching.service import MatchService

pytestmark = pytest.mark.slow
EVAL = DATA_DIR / "eval"


def test_cases_files_are_large_enough_and_sourced() -> None:
    dev, holdout = load_cases(EVAL / "dev.yaml"), load_cases(EVAL / "holdout.yaml")
    assert len(dev) >= 25 and len(holdout) >= 10
    assert not {c.description for c in dev} & {c.description for c in holdout}
    assert any(c.description.isascii() for c in holdout) and any(not c.description.isascii() for c in holdout)


def _dev_report(match_engine: MatchService) -> EvalReport:
    return evaluate(engine=match_engine, cases=load_cases(EVAL / "dev.yaml"),
                    only={"engine", "random", "semantic_only", "rules_only", "bm25_only"})


def test_engine_beats_the_rule_lexical_and_random_baselines_on_mrr(match_engine: MatchService) -> None:
    report = _dev_report(match_engine)
    engine = report.row("engine").mrr
    for baseline in ("random", "rules_only", "bm25_only"):
        assert engine > report.row(baseline).mrr, baseline


def test_engine_beats_semantic_similarity_alone_on_mrr(match_engine: MatchService) -> None:
    report = _dev_report(match_engine)
    assert report.row("engine").mrr > report.row("semantic_only").mrr


def test_every_mode_has_dev_cases_and_the_engine_beats_random_in_each(match_engine: MatchService) -> None:
    report = _dev_report(match_engine)
    assert {part.mode for part in report.modes} == set(Mode)
    for part in report.modes:
        assert part.cases >= 3, part.mode
        assert part.row("engine").mrr > part.row("random").mrr, part.mode
        assert part.row("engine").hit_at_3 >= 0.9, part.mode


def test_the_report_breaks_ranking_quality_down_by_the_kind_of_the_right_answer(match_engine: MatchService) -> None:
    report = _dev_report(match_engine)
    kinds = {part.kind: part for part in report.kinds}
    assert {"park", "workshop", "agri_base"} <= kinds.keys()
    assert sum(part.cases for part in report.kinds) == report.cases
    for part in report.kinds:
        assert {row.system for row in part.rows} == {row.system for row in report.rows}, part.kind


def test_held_out_free_text_prospects_hit_the_top_three(match_engine: MatchService) -> None:
    report = evaluate(engine=match_engine, cases=load_cases(EVAL / "holdout.yaml"), only={"engine"})
    assert report.row("engine").hit_at_3 >= 0.8, report.misses


def test_evaluation_reads_cases_from_any_file(match_engine: MatchService, tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- {id: x, description: 焦炭用户铸造厂, destinations: [六枝经济开发区], source: ref}\n", encoding="utf-8")
    report = evaluate(engine=match_engine, cases=load_cases(path), only={"engine"})
    assert report.cases == 1


def test_a_cases_file_that_still_says_parks_reads_as_destinations(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- {id: x, description: 焦炭用户铸造厂, parks: [liuzhi_edz], source: ref}\n"
                    "- {id: y, description: 两者都写, parks: [a], destinations: [b], source: ref}\n", encoding="utf-8")
    with pytest.raises(CasesInvalid) as raised:
        load_cases(path)
    assert [p.row for p in raised.value.problems] == [2]
    path.write_text("- {id: x, description: 焦炭用户铸造厂, parks: [liuzhi_edz], source: ref}\n", encoding="utf-8")
    assert load_cases(path)[0].destinations == ["liuzhi_edz"]
