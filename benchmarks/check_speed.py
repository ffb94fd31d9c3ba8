"""Time `fiscal check` over copies of the seed department-year: wall and peak memory.

Copies data/futian-sti/2018 under N slugs into a temporary FISCAL_DATA and runs, as a user
would, `fiscal check --all --format csv` 3 times, then `fiscal check` of one department-year
3 times; prints the median wall time of each and the peak resident memory of the command
(the process and its workers, summed, sampled every 20 ms). Targets on a 2-core machine:
one department-year 1.5 s or less; 1,000 copies 5 s or less; 5,000 copies (``--large``)
20 s or less and 1 GB or less, memory flat in the number of department-years (the check
runs in chunks of whole departments, ``--chunk``, over one worker per core from 500 on).

    .venv/bin/python benchmarks/check_speed.py [--copies N | --large] [--runs 3]
        [-- extra `fiscal check` arguments, e.g. --chunk 500 -j 1 --executor dask]
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

import psutil

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


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``cmd``: wall seconds, peak RSS in bytes of it and its children, its stdout."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        ps = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            rss = 0
            try:
                for p in [ps, *ps.children(recursive=True)]:
                    rss += p.memory_info().rss
            except psutil.Error:
                pass
            peak = max(peak, rss)
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode not in (0, 1):
            sys.exit(f"fiscal check failed ({proc.returncode}): {err}")
        out.seek(0)
        return wall, peak, out.read().decode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--large", action="store_true", help="5,000 copies (time and memory)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("extra", nargs="*", help="more `fiscal check` arguments (after --)")
    args = ap.parse_args()
    copies = 5000 if args.large else args.copies
    wall_target, mem_target = (20, 1024) if args.large else (5, None)
    fiscal = [sys.executable, "-m", "fiscal.cli", "check"]
    print(f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        t0 = time.perf_counter()
        build(data, copies)
        print(f"built {copies} department-years in {time.perf_counter() - t0:.1f} s")
        env = {**os.environ, "FISCAL_DATA": str(data)}
        runs = [timed([*fiscal, "--all", "--format", "csv", *args.extra], env)
                for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs) / 2**20
        findings = runs[0][2].count("\n") - 1
        verdict = "met" if wall <= wall_target and (not mem_target or peak <= mem_target) \
            else "NOT met"
        print(f"fiscal check --all {' '.join(args.extra)}: {copies} department-years,"
              f" {findings} findings, median of {args.runs}: {wall:.2f} s wall"
              f" ({wall / copies * 1000:.2f} ms per department-year), peak RSS {peak:.0f} MB;"
              f" runs {', '.join(f'{r[0]:.2f} s/{r[1] / 2**20:.0f} MB' for r in runs)};"
              f" target {wall_target} s{f', {mem_target} MB' if mem_target else ''}: {verdict}")
        one = [timed([*fiscal, "bench-0000/2018"], env) for _ in range(args.runs)]
        w1 = statistics.median(r[0] for r in one)
        print(f"fiscal check bench-0000/2018: median of {args.runs}: {w1:.2f} s wall"
              f" ({', '.join(f'{r[0]:.2f}' for r in one)}); target 1.5 s:"
              f" {'met' if w1 <= 1.5 else 'NOT met'}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
