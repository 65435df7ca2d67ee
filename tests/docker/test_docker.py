"""docker/: the Dockerfile and compose file read right, and the image's entrypoint starts the service in the venv."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from service.bench.load import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"
INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
                "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}


def _instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) per Dockerfile line, continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (DOCKER / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        word, _, rest = (pending + line).partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends in a line continuation"
    return out


def test_every_dockerfile_line_is_an_instruction_and_every_copied_path_exists() -> None:
    lines = _instructions()
    assert [w for w, _ in lines if w not in INSTRUCTIONS] == []
    assert lines[0][0] in ("FROM", "ARG")
    stages = [args.split()[-1] for w, args in lines if w == "FROM" and " AS " in args.upper()]
    for word, args in lines:
        if word != "COPY":
            continue
        parts = shlex.split(args)
        flags = [p for p in parts if p.startswith("--")]
        sources = [p for p in parts if not p.startswith("--")][:-1]
        if any(f.startswith("--from=") for f in flags):
            assert flags[0].split("=", 1)[1] in stages
            continue
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: not in the build context"


def test_the_image_runs_as_a_user_through_the_entrypoint_script_and_needs_only_pypi() -> None:
    lines = _instructions()
    final = lines[max(i for i, (w, _) in enumerate(lines) if w == "FROM"):]
    users = [args for w, args in final if w == "USER"]
    assert users and users[-1] not in ("root", "0")
    entry = [args for w, args in final if w == "ENTRYPOINT"]
    assert entry and "parkmatch-entrypoint" in entry[-1]
    copies = [args for w, args in final if w == "COPY" and "entrypoint.sh" in args]
    assert copies and "parkmatch-entrypoint" in copies[0]
    assert os.access(ENTRYPOINT, os.X_OK)
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert "--index-url" not in text and "--extra-index-url" not in text, "the image must build from PyPI alone"
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True).returncode == 0


def test_compose_starts_postgresql_and_the_service_against_it() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    app = services["app"]
    context = (DOCKER / app["build"]["context"]).resolve()
    assert context == ROOT and (context / app["build"]["dockerfile"]).is_file()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    url = app["environment"]["PARKMATCH_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert all(str(p).startswith("127.0.0.1:") for p in app["ports"]), "published on loopback only"
    named = set(compose.get("volumes", {}))
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in named


def test_docker_compose_config_accepts_the_file_where_compose_is_installed() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose 不可用 / docker compose is not installed here")
    done = subprocess.run([docker, "compose", "-f", str(DOCKER / "compose.yaml"), "config", "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}", "PARKMATCH_DATABASE_URL": url,
            "PARKMATCH_VAR_DIR": str(tmp_path / "var"), "PARKMATCH_HOST": "127.0.0.1",
            "PARKMATCH_INIT_WAIT_SECONDS": "0"}


def test_the_entrypoint_gives_up_with_a_clear_message_when_the_database_never_answers(tmp_path: Path) -> None:
    env = {**_env(tmp_path, f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"), "PARKMATCH_INIT_TRIES": "2"}
    done = subprocess.run(["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "数据库不可用" in done.stderr and "database not reachable after 2 tries" in done.stderr


@pytest.mark.slow
def test_the_entrypoint_initialises_the_database_and_serves_with_two_workers(tmp_path: Path) -> None:
    port = free_port()
    env = {**_env(tmp_path, f"sqlite:///{tmp_path / 'pm.db'}"), "PARKMATCH_PORT": str(port), "PARKMATCH_WORKERS": "2"}
    proc = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 600
        while len(seen) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                if health.status_code == 200:
                    seen.add(health.json().get("process", 0))
            except httpx.HTTPError:
                time.sleep(0.5)
        assert len(seen) == 2, "both worker processes answer /health"
        parks = httpx.get(f"http://127.0.0.1:{port}/api/v1/parks", timeout=10)
        assert parks.status_code == 401, "the starter data is there and the API asks for a key"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
