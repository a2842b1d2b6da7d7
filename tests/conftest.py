from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
#: The API documents, beside the repository in development and CI (``../shared/seeds``).
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("the API documents (../shared/seeds) are not beside this checkout")
    return SEEDS
