"""Session fixtures: the domain models are trained once (a few seconds) and shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.backends import DATA_DIR, EmbeddedBackend


@pytest.fixture(scope="session")
def nlu_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="session")
def backend(nlu_cache_dir: Path) -> EmbeddedBackend:
    return EmbeddedBackend.from_data_dir(DATA_DIR, nlu_cache_dir)
