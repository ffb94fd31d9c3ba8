"""Time ``fiscal check FILE.pdf`` as a user runs it: a fresh process, imports included.

Runs the command as a subprocess (the ``fiscal`` of this interpreter's environment)
``--runs`` times (3 by default) on the 21-page unit budget in tests/fixtures/pdf and
prints each wall time and their median. Target: a median of at most 2.5 s on a 2-core machine.

    .venv/bin/python benchmarks/pdf_speed.py [PDF] [--runs N]

Python caches compiled modules in ``__pycache__``; with ``PYTHONDONTWRITEBYTECODE`` set
and no cache yet, every run compiles pandas, pandera and the rest again (about 1.5 s
more): the script says when that is the case.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "tests" / "fixtures" / "pdf" / "shpt_sfj_2026_unit_budget.pdf"
TARGET_S = 2.5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf", nargs="?", type=Path, default=PDF)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not args.pdf.is_file():
        print(f"no PDF at {args.pdf}", file=sys.stderr)
        return 2
    fiscal = Path(sys.executable).with_name("fiscal")
    cmd = [str(fiscal) if fiscal.is_file() else sys.executable, *(
        [] if fiscal.is_file() else ["-m", "fiscal.cli"]), "check", str(args.pdf)]
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t)
        if done.returncode not in (0, 1):
            print(done.stderr.strip(), file=sys.stderr)
            return 2
    median = statistics.median(times)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"$ fiscal check {args.pdf.name}  ->  {last}")
    print("runs: " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"median of {args.runs}: {median:.2f} s (target <= {TARGET_S} s:"
          f" {'OK' if median <= TARGET_S else 'TOO SLOW'})")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: modules without a __pycache__ entry are"
              " compiled again in every run")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
