"""The public surface: every exported name exists, and importing the library pulls in no web, database or torch code."""

from __future__ import annotations

import subprocess
import sys

import embeddings


def test_every_name_in_all_is_importable() -> None:
    assert sorted(embeddings.__all__) == sorted(set(embeddings.__all__))
    for name in embeddings.__all__:
        assert hasattr(embeddings, name), name


def test_import_stays_light_and_independent_of_the_service() -> None:
    code = (
        "import sys, embeddings; "
        "bad = [m for m in ('service', 'fastapi', 'sqlalchemy', 'torch', 'sentence_transformers') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
