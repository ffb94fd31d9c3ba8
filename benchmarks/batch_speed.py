"""Time 8 reports built the way a user does today against `fiscal report --all`.

Builds a temporary FISCAL_DATA with 8 department-years (copies of the real ones
in data/ under new slugs) and times, in one run:

(a) for each department-year, `papermill notebooks/budget_report.ipynb out.ipynb -p ...`
    then `jupyter nbconvert --to html --no-input out.ipynb`, one after another;
(b) `fiscal report --all` (warm kernels in a pool of -j workers, default the cores);
(c) the same `fiscal report --all` again with nothing changed, 3 times (the median is
    printed): every report and the index are current, so no kernel should start.

Prints both totals, the ratio, the wall time per report and the no-op rerun. Targets on a
2-core machine: (b) at least 4x faster than (a), 2.5 s or less per report; (c) 2 s or less.
``--seed-copies N`` builds N copies of the seed department-year (futian-sti/2018, the real
workload) instead of copies of every committed department-year.

    .venv/bin/python benchmarks/batch_speed.py [--reports 8 | --seed-copies 8]
        [--skip-baseline] [--noop-runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def build_data(data: Path, n: int, seed_only: bool = False) -> list[tuple[str, int, str]]:
    """``n`` department-years copied from the real ones (or from the seed) under new slugs."""
    real = sorted(p for p in (ROOT / "data").glob("*/*") if (p / "meta.json").is_file())
    if seed_only:
        real = [ROOT / "data" / "futian-sti" / "2018"]
    shutil.copy(ROOT / "data" / "departments.csv", data / "departments.csv")
    made = []
    for i in range(n):
        src = real[i % len(real)]
        meta = json.loads((src / "meta.json").read_text(encoding="utf-8"))
        slug = f"bench-{i:02d}-{meta['slug']}"[:60]
        dst = data / slug / src.name
        shutil.copytree(src, dst)
        meta["slug"] = slug
        (dst / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
        made.append((slug, int(meta["year"]), meta["kind"]))
    return made


def baseline(made, env, work: Path) -> float:
    t0 = time.perf_counter()
    for slug, year, kind in made:
        out = work / f"{slug}-{year}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / "budget_report.ipynb"),
                        str(out), "-p", "department", slug, "-p", "year", str(year),
                        "-p", "kind", kind, "--cwd", str(ROOT / "notebooks"),
                        "--no-progress-bar"],
                       env=env, check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(out)], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=8)
    ap.add_argument("--seed-copies", type=int, default=None,
                    help="N copies of the seed department-year instead of --reports")
    ap.add_argument("--noop-runs", type=int, default=3,
                    help="times to rerun with nothing changed (0: skip)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "data").mkdir()
        made = build_data(tmp / "data", args.seed_copies or args.reports,
                          seed_only=bool(args.seed_copies))
        env = {**os.environ, "FISCAL_DATA": str(tmp / "data"),
               "FISCAL_REPORTS": str(tmp / "reports")}
        a = None
        if not args.skip_baseline:
            (tmp / "work").mkdir()
            a = baseline(made, env, tmp / "work")
            print(f"(a) papermill + nbconvert, one by one: {a:.1f} s"
                  f" ({a / len(made):.2f} s per report)")
        cmd = [str(BIN / "fiscal"), "report", "--all"]
        if args.jobs:
            cmd += ["-j", str(args.jobs)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        b = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return 1
        print(f"(b) fiscal report --all: {b:.1f} s ({b / len(made):.2f} s per report,"
              f" target 2.5 s: {'met' if b / len(made) <= 2.5 else 'NOT met'})")
        if a is not None:
            print(f"speed-up (a)/(b): {a / b:.1f}x (target 4x:"
                  f" {'met' if a / b >= 4 else 'NOT met'})")
        if args.noop_runs:
            times = []
            for _ in range(args.noop_runs):
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
                times.append(time.perf_counter() - t0)
                if proc.returncode != 0 or f"0 built, {len(made)} skipped" not in proc.stdout:
                    print("the rerun rebuilt something:", proc.stdout, proc.stderr,
                          file=sys.stderr)
                    return 1
            c = statistics.median(times)
            print(f"(c) fiscal report --all again, nothing changed: median {c:.2f} s of"
                  f" {len(times)} ({', '.join(f'{t:.2f}' for t in times)});"
                  f" target 2 s: {'met' if c <= 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
