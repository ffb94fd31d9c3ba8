"""Time the extraction of a whole PDF disclosure (read, tables, claims, meta).

Reads ../shared/pdf/shpt_sfj_2026_unit_budget.pdf (21 pages) in memory, as
``fiscal extract`` does, best of a few runs after one warm-up import. Target:
under 5 s on a 2-core machine.

    .venv/bin/python benchmarks/pdf_speed.py [PDF] [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT.parent / "shared" / "pdf" / "shpt_sfj_2026_unit_budget.pdf"
TARGET_S = 5.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf", nargs="?", type=Path, default=PDF)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not args.pdf.is_file():
        print(f"no PDF at {args.pdf}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    from fiscal.extract.pdf import extract_pdf  # imports counted once, apart
    t_import = time.perf_counter() - t0
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        ex = extract_pdf(args.pdf, unregistered="provisional")
        times.append(time.perf_counter() - t)
    pages = len(ex.meta.get("pages", []))
    cells = sum(t["cells"] for t in ex.meta["tables"].values())
    best, worst = min(times), max(times)
    print(f"{args.pdf.name}: {pages} pages, {len(ex.tables)} tables, {cells} amounts,"
          f" {len(ex.claims)} claims")
    print(f"extraction: best {best:.2f} s, worst {worst:.2f} s over {args.runs} run(s);"
          f" first import {t_import:.2f} s; target < {TARGET_S:.0f} s:"
          f" {'OK' if worst + t_import < TARGET_S else 'TOO SLOW'}")
    return 0 if worst + t_import < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
