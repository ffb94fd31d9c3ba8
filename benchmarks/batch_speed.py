"""Time reports: 8 built the way a user does today against `fiscal report --all`, and more.

Builds a temporary FISCAL_DATA with N department-years (copies of the real ones in data/
under new slugs; ``--seed-copies N``: N copies of the seed department-year, futian-sti/2018,
the real workload) and times, each ``--runs`` times (3 by default; the median is printed):

(a) for each department-year, `papermill notebooks/budget_report.ipynb out.ipynb -p ...`
    then `jupyter nbconvert --to html --no-input out.ipynb`, one after another;
(b) `fiscal report --all` into an empty reports folder (a pool of -j workers, default the
    cores, forked from a fork server with the report stack loaded, each running the notebook
    in its own process: fiscal.engine); (a) and (b) alternate, so their ratio holds on a
    noisy machine;
(c) the same `fiscal report --all` again with nothing changed: every report and the index
    are current, so no kernel should start;
(d) one report, `fiscal report <first> --force` (the index is current and stays);
(e) in one warm kernel (``fiscal.report.start_kernel``): its start, the first
    department-year's report rebuilt, and the index over the N department-years.

Targets on a 2-core machine (issue 16): (b) 1.5 s or less per report and at least 8x
faster than (a); (c) 2 s or less; (d) 6 s or less; (e) a report 1.2 s or less, the index
3 s or less.

    .venv/bin/python benchmarks/batch_speed.py [--reports 8 | --seed-copies 8] [--runs 3]
        [--skip-baseline] [-j N]
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
    """(a): papermill then nbconvert, one department-year after another."""
    work.mkdir(parents=True, exist_ok=True)
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


def fiscal_report(env: dict[str, str], *args: str, expect: str | None = None) -> float:
    """Run `fiscal report ARGS` and return its wall time (exit on failure)."""
    t0 = time.perf_counter()
    proc = subprocess.run([str(BIN / "fiscal"), "report", *args], env=env, capture_output=True,
                          text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0 or (expect and expect not in proc.stdout):
        sys.exit(f"`fiscal report {' '.join(args)}` did not do what was expected:\n"
                 f"{proc.stdout}{proc.stderr}")
    return took


def warm_kernel(env: dict[str, str], first: tuple[str, int, str], runs: int
                ) -> tuple[float, list[float], list[float]]:
    """(e), in a child process with the benchmark's folders: a kernel's start, then the first
    department-year's report and the index, each built ``runs`` times in it."""
    code = f"""
import json, time
from fiscal.config import DeptYear, Settings
from fiscal.report import build, build_index, preload, start_kernel
s = Settings.from_env()
t0 = time.perf_counter(); km = start_kernel(s); start = time.perf_counter() - t0
preload()  # what a batch worker loads while its kernel starts
dy = DeptYear({first[0]!r}, {first[1]}, {first[2]!r})
rep, idx = [], []
for _ in range({runs}):
    t0 = time.perf_counter(); build(dy, s, km=km); rep.append(time.perf_counter() - t0)
for _ in range({runs}):
    t0 = time.perf_counter(); build_index(s, km=km); idx.append(time.perf_counter() - t0)
km.shutdown_kernel(now=True)
print(json.dumps([start, rep, idx]))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    start, rep, idx = json.loads(proc.stdout.strip().splitlines()[-1])
    return start, rep, idx


def med(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=8)
    ap.add_argument("--seed-copies", type=int, default=None,
                    help="N copies of the seed department-year instead of --reports")
    ap.add_argument("--runs", type=int, default=3, help="times each figure is taken (median)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    args = ap.parse_args()
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    print(f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "data").mkdir()
        made = build_data(tmp / "data", args.seed_copies or args.reports,
                          seed_only=bool(args.seed_copies))
        n = len(made)
        env = {**os.environ, "FISCAL_DATA": str(tmp / "data")}
        a_times, b_times = [], []
        for i in range(args.runs):
            if not args.skip_baseline:
                a_times.append(baseline(made, env, tmp / f"work{i}"))
            reports = tmp / f"reports{i}"
            b_times.append(fiscal_report({**env, "FISCAL_REPORTS": str(reports)}, "--all",
                                         *jobs, expect=f"{n} built"))
        env["FISCAL_REPORTS"] = str(tmp / f"reports{args.runs - 1}")
        b = statistics.median(b_times)
        if a_times:
            a = statistics.median(a_times)
            print(f"(a) papermill + nbconvert, one by one: {med(a_times)},"
                  f" {a / n:.2f} s per report")
        print(f"(b) fiscal report --all, {n} department-years: {med(b_times)},"
              f" {b / n:.2f} s per report; target 1.5 s: {verdict(b / n <= 1.5)}")
        if a_times:
            print(f"speed-up (a)/(b): {a / b:.1f}x; target 8x: {verdict(a / b >= 8)}")
        c_times = [fiscal_report(env, "--all", *jobs, expect=f"0 built, {n} skipped")
                   for _ in range(args.runs)]
        print(f"(c) fiscal report --all again, nothing changed: {med(c_times)};"
              f" target 2 s: {verdict(statistics.median(c_times) <= 2)}")
        first = made[0]
        key = f"{first[0]}/{first[1]}{'-final' if first[2] == 'final' else ''}"
        d_times = [fiscal_report(env, key, "--force", expect="1 built, 0 skipped")
                   for _ in range(args.runs)]
        print(f"(d) fiscal report {key} --force: {med(d_times)};"
              f" target 6 s: {verdict(statistics.median(d_times) <= 6)}")
        start, rep, idx = warm_kernel(env, first, args.runs)
        print(f"(e) one warm kernel: start {start:.2f} s; {key} rebuilt: {med(rep)},"
              f" target 1.2 s: {verdict(statistics.median(rep) <= 1.2)};"
              f" the index over {n}: {med(idx)}, target 3 s:"
              f" {verdict(statistics.median(idx) <= 3)}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
