"""The public surface: every public name is exported, in sorted order; importing the library stays light."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import embeddings

# `python -m embeddings.bench` is a command, not part of the library's surface.
NOT_EXPORTED = {"embeddings.bench"}
MODULES = [
    importlib.import_module(f"embeddings.{info.name}")
    for info in pkgutil.iter_modules(embeddings.__path__)
    if f"embeddings.{info.name}" not in NOT_EXPORTED
]


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions, each alphabetical.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_every_name_in_all_is_importable_and_listed_once_in_order() -> None:
    assert len(embeddings.__all__) == len(set(embeddings.__all__))
    assert embeddings.__all__ == sorted(embeddings.__all__, key=_isort_key)
    for name in embeddings.__all__:
        assert hasattr(embeddings, name), name


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_public_name_of_a_module_is_in_its_all_and_the_packages(module: ModuleType) -> None:
    listed = list(module.__all__)
    assert listed == sorted(listed, key=_isort_key), f"{module.__name__}.__all__ is not sorted"
    defined = {
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }
    assert defined <= set(listed), f"{module.__name__}.__all__ lacks {sorted(defined - set(listed))}"
    missing = set(listed) - set(embeddings.__all__)
    assert not missing, f"embeddings.__all__ lacks {sorted(missing)} from {module.__name__}"


def test_import_stays_light_and_independent_of_the_service() -> None:
    code = (
        "import sys, embeddings; "
        "heavy = ('service', 'fastapi', 'sqlalchemy', 'torch', 'sentence_transformers', 'faiss', 'jieba'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
