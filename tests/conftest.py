"""Shared fixtures: the seed disclosure, its committed extraction, a throw-away data folder.

The seed is ``../shared/seeds/000_718dc356a2b2d93e.txt`` beside the repository (CI puts a
read-only copy of ``shared/`` there). Tests never write into the real ``data/`` or
``reports/``: they work in ``tmp_path`` with ``FISCAL_DATA`` pointed at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fiscal.config import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED_NAME = "000_718dc356a2b2d93e.txt"
SEED = SHARED / "seeds" / SEED_NAME
COMMITTED_DATA = REPO / "data"
COMMITTED = COMMITTED_DATA / "futian-sti" / "2018"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed disclosure text (深圳市福田区科技创新局 2018 部门预算)."""
    if not SEED.is_file():
        pytest.skip(f"seed disclosure not found at {SEED}: put a copy of shared/ beside the"
                    " repository (../shared)")
    return SEED


@pytest.fixture(scope="session")
def committed_dir() -> Path:
    """The committed extraction of the seed: ``data/futian-sti/2018`` (read, never written)."""
    return COMMITTED


@pytest.fixture(scope="session")
def committed_settings() -> Settings:
    """Settings of the committed data folder (read, never written), whatever FISCAL_DATA says."""
    return Settings(data_dir=COMMITTED_DATA)


@pytest.fixture(scope="session")
def seed_budget(committed_settings: Settings):
    """``load_budget("futian-sti", 2018)`` from the committed data."""
    from fiscal.load import load_budget

    return load_budget("futian-sti", 2018, settings=committed_settings)


@pytest.fixture
def tmp_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder holding only departments.csv; FISCAL_DATA points at it."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(COMMITTED_DATA / "departments.csv", data / "departments.csv")
    monkeypatch.setenv("FISCAL_DATA", str(data))
    monkeypatch.setenv("FISCAL_REPORTS", str(tmp_path / "reports"))
    return data


@pytest.fixture
def fiscal_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``fiscal ARGS…`` in-process; returns ``(exit code, stdout, stderr)``."""
    from fiscal.cli import main

    def run(*argv: object) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
