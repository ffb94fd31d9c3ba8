"""Same inputs, same bytes: extraction, checks and reports do not depend on the hash
seed, the locale or the time zone of the machine that makes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_718dc356a2b2d93e.txt"
FISCAL = [sys.executable, "-m", "fiscal.cli"]
ENVS = [
    {"PYTHONHASHSEED": "1", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"},
    {"PYTHONHASHSEED": "4242", "LC_ALL": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8",
     "TZ": "Asia/Shanghai"},
]


def run(args: list[str], env: dict[str, str], **extra) -> subprocess.CompletedProcess:
    full = {**os.environ, **env, **extra}
    full.pop("MPLBACKEND", None)
    return subprocess.run([*FISCAL, *args], env=full, capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_extraction_and_check_ignore_hash_seed_locale_and_time_zone(tmp_path):
    outs = []
    for i, env in enumerate(ENVS):
        out = tmp_path / f"x{i}"
        assert run(["extract", str(SEED), "--out", str(out)], env).returncode == 0
        check = run(["check", "futian-sti/2018", "--format", "json"], env)
        assert check.returncode == 0
        outs.append(({p.name: p.read_bytes() for p in out.iterdir()}, check.stdout))
    assert outs[0] == outs[1]


@pytest.mark.slow
def test_report_bytes_ignore_hash_seed_locale_and_time_zone(tmp_path):
    pages = []
    for i, env in enumerate(ENVS):
        reports = tmp_path / f"r{i}"
        done = run(["report", "futian-sti/2018", "-j", "1"], env,
                   FISCAL_REPORTS=str(reports))
        assert done.returncode == 0, done.stderr
        pages.append((reports / "futian-sti" / "2018.html").read_bytes())
    assert pages[0] == pages[1]
