"""Time `fiscal check --all` over 1,000 copies of the seed department-year.

Copies data/futian-sti/2018 under 1,000 slugs into a temporary FISCAL_DATA and
runs the command once, as a user would. Target on a 2-core machine: 10 s or less.

    .venv/bin/python benchmarks/check_speed.py [--copies N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "futian-sti" / "2018"


def build(data: Path, copies: int) -> None:
    """Lay out ``copies`` department-years, each a copy of the seed under a new slug."""
    shutil.copy(ROOT / "data" / "departments.csv", data / "departments.csv")
    for i in range(copies):
        slug = f"bench-{i:04d}"
        dst = data / slug / "2018"
        shutil.copytree(SEED, dst)
        meta = json.loads((dst / "meta.json").read_text(encoding="utf-8"))
        meta["slug"] = slug
        (dst / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        t0 = time.perf_counter()
        build(data, args.copies)
        print(f"built {args.copies} department-years in {time.perf_counter() - t0:.1f} s")
        env = {**os.environ, "FISCAL_DATA": str(data)}
        fiscal = [sys.executable, "-m", "fiscal.cli"]
        t0 = time.perf_counter()
        proc = subprocess.run([*fiscal, "check", "--all", "--format", "csv"], env=env,
                              capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
            return 2
        findings = proc.stdout.count("\n")
        print(f"fiscal check --all: {args.copies} department-years, {findings} findings,"
              f" {wall:.2f} s wall ({wall / args.copies * 1000:.2f} ms per department-year);"
              f" target 10 s: {'met' if wall <= 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
