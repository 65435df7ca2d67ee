"""The parkmatch command: init on an empty database, idempotence, listing and the data check."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings


@pytest.fixture
def cli_env(empty_db_url: str, tmp_path: Path, embedding_cache: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", empty_db_url)
    # init builds the ranking index: into this test's folder, from the run's shared embedding cache.
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(embedding_cache))
    get_settings.cache_clear()
    yield empty_db_url  # type: ignore[misc]
    get_settings.cache_clear()


def test_init_loads_everything_and_is_idempotent(cli_env: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    parks = json.loads(runner.invoke(app, ["parks", "list", "--json"]).output)
    assert parks["total"] >= 7
    firms = json.loads(runner.invoke(app, ["firms", "list", "--json", "--limit", "1"]).output)
    assert firms["total"] >= 400
    # init saved the ranking index the server and the ranking commands load instead of building it.
    saved = get_settings().index_dir / "engine" / "manifest.json"
    built = saved.stat().st_mtime_ns
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0, second.output
    assert saved.stat().st_mtime_ns == built, "unchanged data: the saved index is reused, not rebuilt"
    assert "created 0" in second.output and "updated 0" in second.output and "parks 0" in second.output
    again = json.loads(runner.invoke(app, ["firms", "list", "--json", "--limit", "1"]).output)
    assert again["total"] == firms["total"]


def test_show_unknown_park_fails_clearly(cli_env: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["parks", "show", "no_such_park"])
    assert result.exit_code == 1 and "not found" in result.output


def _open_connections(url: str) -> int:
    """This process's connections to the database: SQLite file handles, or PostgreSQL sessions."""
    if url.startswith("sqlite"):
        path = os.path.realpath(url.removeprefix("sqlite:///"))
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") == path for fd in os.listdir("/proc/self/fd"))
    admin = create_engine(make_url(url).set(database="postgres"))
    with admin.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                            {"name": make_url(url).database})
    admin.dispose()
    return int(count or 0)


def test_a_command_leaves_no_connection_open(db_url: str, tmp_path: Path, embedding_cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Commands run in-process too (the benchmarks, a notebook, these tests): each closes what it opened, on
    # success and on error alike, so the database file is not held and no server session is left behind.
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARKMATCH_EMBEDDING_CACHE_DIR", str(embedding_cache))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        for args, code in ((["parks", "list", "--json"], 0), (["parks", "show", "no_such_park"], 1),
                           (["firms", "list", "--limit", "1"], 0), (["recommend", "--firm", "1", "--json"], 0)):
            result = runner.invoke(app, args)
            assert result.exit_code == code, (args, result.output)
            assert _open_connections(db_url) == 0, args
    finally:
        get_settings.cache_clear()


def test_help_is_bilingual() -> None:
    result = CliRunner().invoke(app, ["import", "firms", "--help"])
    assert "导入企业" in result.output and "Import firms" in result.output


def test_data_check_passes_on_the_shipped_dataset() -> None:
    result = CliRunner().invoke(app, ["data", "check"])
    assert result.exit_code == 0, result.output


LAZY = {"recommend": "为企业推荐园区", "candidates": "为园区推荐企业", "match": "自由文本", "buyers": "采购方",
        "plan": "组合方案", "evaluate": "评估排序质量", "brief": "洽谈简报", "batch": "批量打分"}
LAZY_BENCH = {"matching": "匹配基准", "concurrency": "并发基准", "install": "全新默认安装", "startup": "首次 serve",
              "import": "批量导入"}


def test_help_lists_every_command_and_each_one_loaded_on_demand_answers() -> None:
    # The heavier commands are imported only when run or listed: a wrong name in the lazy table shows here.
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"], terminal_width=200)
    assert listing.exit_code == 0, listing.output
    for name, words in LAZY.items():
        assert name in listing.output and words in listing.output, name
        own = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert own.exit_code == 0 and words in own.output, own.output
    bench = runner.invoke(app, ["bench", "--help"], terminal_width=200)
    for name, words in LAZY_BENCH.items():
        assert name in bench.output and words in bench.output, name
        own = runner.invoke(app, ["bench", name, "--help"], terminal_width=200)
        assert own.exit_code == 0 and words in own.output, own.output
    typo = runner.invoke(app, ["recomend"])
    assert typo.exit_code == 2 and "recommend" in typo.output  # a lazy command is still offered for a typo
