"""Fidelity of the checks against hand-labelled answers (tests/answers/*.toml).

Every answer file lists, for one document of tests/fixtures/, the relations a careful
reader can check in it (whole = parts, change, change %, share, completion, restatement,
prior year…), each with its lines, its printed figures and its verdict, written by reading
the document, never by running fiscal. This script extracts and checks each document and
prints, per file and in total:

- recall: labelled relations the checks evaluated (a relation on the same lines with the
  same printed figures; table rules, which compare cells, match on lines);
- precision: error-level relations that match a labelled error / all error-level ones;
- labelled errors found at error level;
- ``review`` relations (read with doubt: shown, never an error), each listed.

    .venv/bin/python benchmarks/fidelity.py [ANSWER.toml ...] [--misses]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "tests" / "answers"
FIXTURES = ROOT / "tests" / "fixtures"
NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
CONSISTENT = {"holds", "rounding"}


def norm(figure: str) -> Decimal | None:
    """A printed figure as a number: full-width digits, separators and units dropped."""
    text = unicodedata.normalize("NFKC", str(figure)).replace(" ", "")
    m = NUMBER_RE.search(text)
    if not m:
        return None
    try:
        return abs(Decimal(m.group().replace(",", ""))).normalize()
    except InvalidOperation:
        return None


def figures_of(values) -> set[Decimal]:
    return {n for n in (norm(v) for v in values) if n is not None}


@dataclass
class Label:
    """One labelled relation of an answer file."""

    id: str
    kind: str
    lines: set[int]
    figures: set[Decimal]
    verdict: str
    doubt: bool = False
    printed: list[str] = field(default_factory=list)


def read_answer(path: Path) -> tuple[dict, list[Label]]:
    """An answer file and its labelled relations (doubts included, flagged)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    labels = []
    for doubt, entries in ((False, data.get("relation", [])), (True, data.get("doubt", []))):
        for r in entries:
            lines = {int(x) for x in r.get("lines", [])}
            lines |= {int(x) for x in r.get("other_lines", [])} if "other_file" not in r else set()
            labels.append(Label(id=r["id"], kind=r["kind"], lines=lines,
                                figures=figures_of(r.get("figures", [])),
                                verdict=r.get("verdict", "holds"), doubt=doubt,
                                printed=[str(x) for x in r.get("figures", [])]))
    return data, labels


def matches(label: Label, lines: tuple, figures: tuple) -> bool:
    """A relation evaluated by the checks is the labelled one: same lines, same figures.

    Relations of claims carry their printed figures: at least two of the label's figures
    (all, if it has fewer) must be among them. Table rules compare cells and carry lines
    only: the line must be one of the label's.
    """
    if not label.lines & set(int(x) for x in lines):
        return False
    if not figures:
        return True
    got = figures_of(figures)
    need = min(2, len(label.figures))
    return len(label.figures & got) >= need


def check_document(source: Path, others: tuple[Path, ...] = ()):
    """``(relations, findings)`` of one document, extracted in memory.

    ``others`` are the same department's other years (for relations across years): they are
    checked together, under one slug, and only the document's own relations are returned.
    """
    from fiscal.checks import relations
    from fiscal.config import Settings
    from fiscal.extract import extract, write
    from fiscal.load import Panel, load_folder

    settings = Settings.from_env()
    slug = "bench" if others else None
    budgets = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate((source, *others)):
            ex = extract(path, settings, slug=slug, department=slug and "bench",
                         unregistered="provisional")
            folder = write(ex, Path(tmp) / f"dy{i}")
            budgets.append(load_folder(folder, ex.dept_year))
    rel, found = relations(Panel.from_budgets(budgets))
    own = budgets[0].dept_year.key
    return rel[rel["key"] == own], found[found["key"] == own] if not found.empty else found


@dataclass
class Score:
    """What one document (or all) scored."""

    name: str
    labelled: int = 0
    evaluated: int = 0
    labelled_errors: int = 0
    errors_found: int = 0
    error_relations: int = 0
    true_errors: int = 0
    reviews: int = 0
    relations: int = 0
    misses: list[str] = field(default_factory=list)
    false_errors: list[str] = field(default_factory=list)
    missed_errors: list[str] = field(default_factory=list)
    review_list: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for f in ("labelled", "evaluated", "labelled_errors", "errors_found", "error_relations",
                  "true_errors", "reviews", "relations"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        for f in ("misses", "false_errors", "missed_errors", "review_list"):
            getattr(self, f).extend(f"{other.name}: {x}" for x in getattr(other, f))


def score(answer: Path) -> Score:
    """Score the checks on the document of one answer file."""
    from fiscal.errors import FiscalError

    data, labels = read_answer(answer)
    s = Score(answer.stem)
    src = FIXTURES / data["source"]
    others = tuple(sorted({src.parent / f"{r['other_file']}{src.suffix}"
                           for r in data.get("relation", []) if r.get("other_file")}))
    try:
        rel, _ = check_document(src, others)
    except FiscalError as exc:  # refused (a table of contents): nothing evaluated
        rel = None
        s.review_list.append(f"refused: {exc}") if labels else None
    rows = list(rel[["rule", "verdict", "lines", "figures", "source_line"]].itertuples(
        index=False)) if rel is not None and not rel.empty else []
    s.relations = len(rows)
    sure = [lb for lb in labels if not lb.doubt]
    for lb in sure:
        s.labelled += 1
        hit = [r for r in rows if matches(lb, r.lines, r.figures)]
        if hit:
            s.evaluated += 1
        else:
            s.misses.append(f"{lb.id} {lb.kind} lines {sorted(lb.lines)} {lb.printed}")
        if lb.verdict == "error":
            s.labelled_errors += 1
            if any(r.verdict == "error" for r in hit):
                s.errors_found += 1
            else:
                s.missed_errors.append(f"{lb.id} {lb.kind} lines {sorted(lb.lines)} "
                                       f"{lb.printed}")
    for r in rows:
        if r.verdict == "review":
            s.reviews += 1
            s.review_list.append(f"{r.rule} lines {list(r.lines)} {list(r.figures)}")
        if r.verdict != "error":
            continue
        s.error_relations += 1
        if any(lb.verdict == "error" and not lb.doubt and matches(lb, r.lines, r.figures)
               for lb in labels):
            s.true_errors += 1
        else:
            s.false_errors.append(f"{r.rule} lines {list(r.lines)} {list(r.figures)}")
    return s


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   – "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("answers", nargs="*", type=Path)
    ap.add_argument("--misses", action="store_true", help="list unmatched labelled relations")
    args = ap.parse_args(argv)
    files = args.answers or sorted(ANSWERS.glob("*.toml"))
    total = Score("total")
    print(f"{'document':58} {'recall':>14} {'errors found':>13} {'precision':>10} {'review':>7}")
    for path in files:
        s = score(path)
        total.add(s)
        print(f"{s.name[:58]:58} {s.evaluated:3}/{s.labelled:<3} {pct(s.evaluated, s.labelled)}"
              f" {s.errors_found:5}/{s.labelled_errors:<3}"
              f" {s.true_errors:4}/{s.error_relations:<3}  {s.reviews:5}")
    print(f"{'TOTAL':58} {total.evaluated:3}/{total.labelled:<3}"
          f" {pct(total.evaluated, total.labelled)} {total.errors_found:5}/"
          f"{total.labelled_errors:<3} {total.true_errors:4}/{total.error_relations:<3}"
          f"  {total.reviews:5}")
    print(f"recall {pct(total.evaluated, total.labelled)}; precision of error-level findings "
          f"{pct(total.true_errors, total.error_relations)}; labelled errors found "
          f"{total.errors_found}/{total.labelled_errors}; review {total.reviews} of "
          f"{total.relations} relations evaluated ({pct(total.reviews, total.relations)})")
    for title, items in (("false errors", total.false_errors),
                         ("labelled errors not found at error level", total.missed_errors),
                         ("review", total.review_list)):
        if items:
            print(f"\n{title} ({len(items)}):")
            for x in items:
                print("  " + x)
    if args.misses and total.misses:
        print(f"\nlabelled relations not evaluated ({len(total.misses)}):")
        for x in total.misses:
            print("  " + x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
