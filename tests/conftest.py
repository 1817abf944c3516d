"""Fixtures every test suite shares: where ``../shared`` is, and skipping when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under the shared data folder; the calling test is skipped when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set HAR_SHARED_DIR to the ../shared folder)")
    return path


@pytest.fixture
def shared():
    return shared_path
