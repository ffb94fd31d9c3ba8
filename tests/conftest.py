"""Shared fixtures: the seed disclosure, its committed extraction, a throw-away data folder.

The seed is ``tests/fixtures/seeds/000_718dc356a2b2d93e.txt``; every file a test reads is in
the repository (``tests/fixtures``, ``tests/answers``, ``data/``). Tests never write into
the real ``data/`` or ``reports/``: they work in ``tmp_path`` with ``FISCAL_DATA`` pointed
at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fiscal.config import Settings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_NAME = "000_718dc356a2b2d93e.txt"
SEED = FIXTURES / "seeds" / SEED_NAME
COMMITTED_DATA = REPO / "data"
COMMITTED = COMMITTED_DATA / "futian-sti" / "2018"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed disclosure text (深圳市福田区科技创新局 2018 部门预算)."""
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


# ---------------------------------------------------------------------------
# Reports (tests/test_report.py, test_browser.py, test_batch.py)
# ---------------------------------------------------------------------------

def copy_dept_year(data: Path, slug: str, department: str | None = None,
                   source: Path = COMMITTED) -> Path:
    """Copy a department-year folder (the seed's by default) into ``data`` under ``slug``.

    meta.json gets the new slug (and department name, when given), and the department is
    added to ``data/departments.csv`` when missing. Returns the new folder.
    """
    import csv
    import json

    meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
    dest = data / slug / source.name
    shutil.copytree(source, dest)
    meta["slug"] = slug
    if department is not None:
        meta["department"] = department
    (dest / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    registry = data / "departments.csv"
    if not registry.exists():
        shutil.copy(COMMITTED_DATA / "departments.csv", registry)
    with registry.open(encoding="utf-8", newline="") as fh:
        known = {row["slug"] for row in csv.DictReader(fh)}
    if slug not in known:
        with registry.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow([slug, meta["department"], "", "", ""])
    return dest


@pytest.fixture(scope="session")
def seed_report_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A throw-away data folder holding only the seed's department-year, and a reports folder."""
    root = tmp_path_factory.mktemp("seed_report")
    data = root / "data"
    data.mkdir()
    shutil.copy(COMMITTED_DATA / "departments.csv", data / "departments.csv")
    shutil.copytree(COMMITTED, data / "futian-sti" / "2018")
    return Settings(data_dir=data, reports_dir=root / "reports")


@pytest.fixture(scope="session")
def seed_report(seed_report_settings: Settings) -> Path:
    """``reports/futian-sti/2018.html`` built once per session in a throw-away folder.

    FISCAL_DATA / FISCAL_REPORTS point at the throw-away folders while the kernel runs
    (it inherits the environment) and are restored afterwards.
    """
    from fiscal.config import DeptYear
    from fiscal.report import build

    s = seed_report_settings
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FISCAL_DATA", str(s.data_dir))
        mp.setenv("FISCAL_REPORTS", str(s.reports_dir))
        return build(DeptYear("futian-sti", 2018), s)
