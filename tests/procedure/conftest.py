"""The bureau, built once per session and copied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.procedure.bureau import Bureau, build_template, open_copy


@pytest.fixture(scope="session")
def bureau_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bureau") / "template.db"
    build_template(path)
    return path


@pytest.fixture
def bureau(bureau_template: Path, tmp_path: Path) -> Iterator[Bureau]:
    yield from open_copy(bureau_template, tmp_path / "ledger.db")
