"""The README opens with the two commands a newcomer pastes, and CI runs both of them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = ("python3 -m venv --upgrade-deps .venv && .venv/bin/pip install -q -e . && .venv/bin/parkmatch init && "
         ".venv/bin/parkmatch serve")
TEST = ("python3 -m venv --upgrade-deps .venv && .venv/bin/pip install -q -e '.[dev]' && "
        ".venv/bin/python -m pytest -n 2")


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)[:2]


def test_readme_opens_with_serve_and_test_commands() -> None:
    serve, test = readme_commands()
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("```")[0]
    assert head.strip().startswith("# ") and head.count("\n") <= 3  # title, then straight to the commands
    assert serve == SERVE
    assert test == TEST
    assert "torch" not in serve + test  # the default install needs none


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    serve, test = readme_commands()
    install, _, _ = serve.partition(" && .venv/bin/parkmatch init")
    assert install in ci  # the install half of command 1; CI starts the server itself
    assert test in ci
