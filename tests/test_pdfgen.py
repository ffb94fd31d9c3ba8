"""Generated Shanghai-style PDFs (``tests/pdfgen.py``): every amount read back exactly, every
planted fault found at error level on its cell, and no error-level finding that no fault
explains.

Each department-year is drawn from a seed (budgets and final accounts; page breaks
anywhere, header repeated or not, wrapped header cells, whole 元 or two decimals, 类/款/项
in one column or three, a title alone on the page before its grid, empty tables shown
four ways, a table missing), extracted from its PDF, and all are checked in one panel.
20 department-years run in plain ``make test``; 200 more in CI (``slow``). PDFs are
written to ``tmp_path`` only.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import COMMITTED_DATA
from pdfgen import Doc, doc_from_folder, expected_cells, random_doc, render, to_fen

PLAIN = range(20)
SLOW = range(20, 220)
EMPTY_READ = ("none_row", "text")  # empty tables that say so: read, not reported


def _key(doc: Doc, seed: int) -> str:
    return f"gen-{seed:04d}/{doc.year}" + ("-final" if doc.kind == "final" else "")


def _amounts(ex) -> dict[str, list[tuple[str, str, str, int]]]:
    out = {}
    for t in ex.tables:
        cells = [(c.side, "" if t.id == "t09" else (c.code or c.label), c.column,
                  to_fen(c.printed, t.unit)) for c in t.cells if c.printed]
        if cells or t.id in ("t10", "t11"):
            out[t.id] = sorted(cells)
    return out


def _expected(doc: Doc) -> dict[str, list[tuple[str, str, str, int]]]:
    out = {}
    for tid, cells in expected_cells(doc).items():
        if tid == "t09":
            cells = sorted((s, "", c, v) for s, _k, c, v in cells)
        if cells or tid in ("t10", "t11"):
            out[tid] = cells
    for tid in ("t10", "t11"):  # empty tables: read when they say so, or as blank grids
        t = doc.table(tid)
        if t is None or t.empty not in (*EMPTY_READ, "blank_grid"):
            out.pop(tid, None)
        else:
            out.setdefault(tid, [])
    return out


def _names(fault, doc: Doc) -> set[str]:
    """What a finding may name for a fault's cell: its row's code or label, its parents,
    the table's total row."""
    names = {fault.code, fault.label, "合计", "收入总计", "支出总计"} - {""}
    if fault.code:
        names |= {fault.code[:n] for n in (3, 5) if len(fault.code) > n}
    return names


def _traces(finding, doc: Doc) -> bool:
    tables = set(str(finding["table"]).split("/"))
    for f in doc.faults:
        if f.table in tables and (str(finding["item"]) in _names(f, doc)
                                  or (f.label and f.label in str(finding["message"]))):
            return True
    return False


def _names_cell(finding, fault) -> bool:
    return fault.table in str(finding["table"]).split("/") and str(finding["item"]) in (
        {fault.code, fault.label} - {""})


def run_batch(seeds, tmp_path: Path) -> None:
    """Draw, extract and check the department-years of ``seeds``; assert the round trip."""
    from fiscal.checks import run_rules
    from fiscal.config import Settings
    from fiscal.extract import extract as extract_pdf
    from fiscal.extract import write
    from fiscal.load import load_panel

    settings = Settings(data_dir=tmp_path / "data")
    docs: dict[str, Doc] = {}
    unread: dict[str, list[dict]] = {}
    folders: dict[str, Path] = {}
    problems: list[str] = []
    for seed in seeds:
        doc = random_doc(seed)
        pdf = render(doc, tmp_path / f"gen_{seed:04d}.pdf")
        ex = extract_pdf(pdf, settings, slug=f"gen-{seed:04d}", department=doc.name)
        key = _key(doc, seed)
        assert ex.dept_year.key == key, (seed, ex.dept_year.key)
        got, want = _amounts(ex), _expected(doc)
        if got != want:
            bad = sorted(t for t in set(got) | set(want) if got.get(t) != want.get(t))
            diff = {t: (sorted(set(want.get(t, [])) - set(got.get(t, [])))[:3],
                        sorted(set(got.get(t, [])) - set(want.get(t, [])))[:3]) for t in bad}
            problems.append(f"seed {seed} ({doc.style}): tables {bad} differ: {diff}")
        docs[key] = doc
        unread[key] = ex.meta.get("unread", [])
        folders[key] = write(ex, tmp_path / "data" / key)
        _assert_gaps(doc, unread[key], seed, problems)
    found = run_rules(load_panel(folders))
    for key, doc in docs.items():
        sub = found[(found["key"] == key) & (found["severity"] == "error")]
        for _, f in sub.iterrows():
            if not _traces(f, doc):
                problems.append(f"{key}: error not explained by a planted fault: {f['rule']}"
                                f" {f['table']} {f['item']} {f['message']} (faults:"
                                f" {doc.faults})")
        for fault in doc.faults:
            if not any(_names_cell(f, fault) for _, f in sub.iterrows()):
                problems.append(f"{key}: planted fault not found: {fault}")
        reviews = found[(found["key"] == key) & (found["rule"] == "table_unreadable")]
        assert len(reviews) == len(unread[key]), key
    assert not problems, "\n".join(problems[:12]) + f"\n({len(problems)} problems)"


def _assert_gaps(doc: Doc, unread: list[dict], seed: int, problems: list[str]) -> None:
    """Tables left out or unreadable are in meta["unread"]; empty ones that say so are not."""
    want = set()
    for tid in ("t01", "t02", "t03", "t04", "t05", "t06", "t10", "t11", "t09"):
        t = doc.table(tid)
        if t is None or t.empty == "missing":
            if doc.kind == "budget":
                want.add(tid)
        elif t.empty == "blank_grid":
            want.add(tid)
    got = {u["table"] for u in unread}
    if got != want:
        problems.append(f"seed {seed}: unread {sorted(got)} != expected {sorted(want)}: {unread}")


def test_generated_pdfs_round_trip(tmp_path):
    run_batch(PLAIN, tmp_path)


@pytest.mark.slow
def test_generated_pdfs_round_trip_many(tmp_path):
    run_batch(SLOW, tmp_path)


def test_generator_is_deterministic(tmp_path):
    a = render(random_doc(7), tmp_path / "a.pdf").read_bytes()
    b = render(random_doc(7), tmp_path / "b.pdf").read_bytes()
    assert a == b


def test_variations_are_covered():
    docs = [random_doc(s) for s in PLAIN]
    seen = Counter()
    for d in docs:
        st = d.style
        seen.update({"final": d.kind == "final", "budget": d.kind == "budget",
                     "whole": not st.decimals, "decimals": st.decimals, "codes1": not st.codes3,
                     "codes3": st.codes3, "repeat": st.repeat_header,
                     "no_repeat": not st.repeat_header, "wrap": st.wrap,
                     "title_alone": bool(st.title_alone), "fault": bool(d.faults),
                     "clean": not d.faults, "break": st.rows_per_page <= 8})
        seen.update(t.empty for t in d.tables if t.empty)
    for what in ("final", "budget", "whole", "decimals", "codes1", "codes3", "repeat",
                 "no_repeat", "wrap", "title_alone", "fault", "clean", "break", "none_row",
                 "text", "blank_grid", "missing"):
        assert seen[what], what


def test_committed_shanghai_data_drawn_back(tmp_path):
    """data/shpt-sfj/2026 drawn as a PDF (three-column codes, its own figures, page breaks):
    every amount comes back, and the table errors are those of the committed folder."""
    from pdfgen import Style

    from fiscal.checks import check
    from fiscal.config import Settings
    from fiscal.extract import extract as extract_pdf
    from fiscal.extract import write
    from fiscal.load import load_folder

    folder = COMMITTED_DATA / "shpt-sfj" / "2026"
    doc = doc_from_folder(folder, Style(decimals=True, codes3=True, repeat_header=False,
                                       rows_per_page=9, wrap=True, title_alone=("t06",)))
    pdf = render(doc, tmp_path / "shpt.pdf")
    ex = extract_pdf(pdf, Settings(data_dir=COMMITTED_DATA), slug="shpt-sfj",
                     department="上海市普陀区司法局")
    got, want = _amounts(ex), _expected(doc)
    assert got == want
    ours = check(load_folder(write(ex, tmp_path / "out" / "shpt-sfj" / "2026")))
    theirs = check(load_folder(folder))

    def table_errors(found):
        e = found[(found["severity"] == "error") & ~found["rule"].str.startswith("claim")]
        return Counter(zip(e["rule"], e["table"], e["item"], strict=True))

    assert table_errors(ours) == table_errors(theirs)
