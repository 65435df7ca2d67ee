"""`parkmatch brief` through Typer's runner, on a small app that registers the command as service/cli.py will."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
import typer
from typer.testing import CliRunner

from service.briefs.cli import brief
from service.config import get_settings
from tests.service.ui.conftest import World, ui_world  # noqa: F401  (session fixture)

app = typer.Typer()
app.command("brief")(brief)
app.command("noop")(lambda: None)  # with two commands Typer keeps the sub-command name, as on the real app


@pytest.fixture
def env(ui_world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:  # noqa: F811
    monkeypatch.setenv("PARKMATCH_DATABASE_URL", ui_world.settings.database_url)
    monkeypatch.setenv("PARKMATCH_VAR_DIR", str(ui_world.settings.var_dir))
    get_settings.cache_clear()
    yield ui_world
    get_settings.cache_clear()


def test_brief_command_writes_a_word_file(env: World, tmp_path: Path) -> None:
    target = tmp_path / "b.docx"
    result = CliRunner().invoke(app, ["brief", "--firm", "1", "--park", "1", "--format", "docx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs)
    assert "洽谈简报" in text


def test_brief_command_refuses_an_unknown_firm(env: World) -> None:
    result = CliRunner().invoke(app, ["brief", "--firm", "999999", "--park", "1", "--format", "md", "-o", "-"])
    assert result.exit_code == 1
    assert "企业 999999 不存在" in result.output


def test_brief_command_writes_a_zip_of_top_leads(env: World, tmp_path: Path) -> None:
    target = tmp_path / "leads.zip"
    result = CliRunner().invoke(app, ["brief", "--park", "1", "--top", "2", "--format", "md", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert len(archive.namelist()) == 2


def test_brief_command_refuses_too_many_leads(env: World) -> None:
    result = CliRunner().invoke(app, ["brief", "--park", "1", "--top", "51", "-o", "x.zip"])
    assert result.exit_code == 2 and "--top" in result.output


def test_brief_command_needs_a_firm_or_top(env: World) -> None:
    result = CliRunner().invoke(app, ["brief", "--park", "1"])
    assert result.exit_code == 2 and "--firm" in result.output
