"""The README opens with the two commands a newcomer pastes, and CI runs the second one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)[:2]


def test_readme_opens_with_serve_and_test_commands() -> None:
    serve, test = readme_commands()
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("```")[0]
    assert head.strip().startswith("# ") and head.count("\n") <= 3  # title, then straight to the commands
    assert "torch==2.13.0+cpu" in serve and serve.endswith("parkmatch serve")
    assert "torch==2.13.0+cpu" in test and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test.replace("pip install -q", "pip install -q") in ci
