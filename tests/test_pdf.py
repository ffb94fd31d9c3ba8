"""PDF disclosures: the Shanghai 2026 unit budget of 上海市普陀区司法局, read from its PDF.

Figures are compared with ``tests/golden/shanghai_2026.py``, typed in by hand from the
PDF; the document's real inconsistencies are named there with their arithmetic. Amounts
compare exactly as integers of 分 (1 元 = 100 分, 1 万元 = 1,000,000 分).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import COMMITTED_DATA, FIXTURES
from golden import shanghai_2026 as G

from fiscal.errors import FiscalError

PDF = FIXTURES / "pdf" / "shpt_sfj_2026_unit_budget.pdf"
COMMITTED_PDF_DIR = COMMITTED_DATA / "shpt-sfj" / "2026"
FEN = {"元": 100, "万元": 1_000_000}


def fen(printed: str, unit: str = "元") -> int:
    return int(Decimal(printed.replace(",", "")) * FEN[unit])


@pytest.fixture(scope="module")
def pdf_path() -> Path:
    return PDF


@pytest.fixture(scope="module")
def extraction(pdf_path):
    from fiscal.config import Settings
    from fiscal.extract import extract as extract_pdf

    return extract_pdf(pdf_path, Settings(data_dir=COMMITTED_DATA), slug="shpt-sfj",
                       department="上海市普陀区司法局")


@pytest.fixture(scope="module")
def budget(extraction, tmp_path_factory):
    from fiscal.extract import write
    from fiscal.load import load_folder

    folder = write(extraction, tmp_path_factory.mktemp("pdf") / "shpt-sfj" / "2026")
    return load_folder(folder)


@pytest.fixture(scope="module")
def findings(budget):
    from fiscal.checks import check

    return check(budget)


def amounts(budget, tid: str) -> Counter:
    df = budget.table(tid)
    df = df[df["amount_fen"].notna()]
    return Counter(zip(df["side"], df["code"].where(df["code"] != "", df["label"]),
                       df["column"], df["amount_fen"].astype(int), strict=True))


def golden(tid: str) -> Counter:
    out: Counter = Counter()

    def rows(side, items, columns, unit="元"):
        for item, values in items:
            values = (values,) if isinstance(values, str) else values
            for col, printed in zip(columns, values, strict=True):
                out[(side, item, col, fen(printed, unit))] += 1

    if tid == "t01":
        rows("收入", G.T01_INCOME, ("amount",))
        rows("支出", G.T01_EXPENSE, G.T01_EXPENSE_COLUMNS)
    elif tid == "t02":
        rows("", [(i, (v, v, "0.00", "0.00", "0.00")) for i, v in G.T02], G.T02_COLUMNS)
    elif tid in ("t03", "t05"):
        rows("", G.T03_T05, G.T03_T05_COLUMNS)
    elif tid == "t04":
        rows("收入", G.T04_INCOME, ("amount",))
        rows("支出", G.T04_EXPENSE, G.T04_EXPENSE_COLUMNS)
    elif tid == "t06":
        rows("", G.T06, G.T06_COLUMNS)
    return out


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("tid", ["t01", "t02", "t03", "t04", "t05", "t06"])
def test_table_figures_match_the_pdf(budget, tid):
    assert amounts(budget, tid) == golden(tid)


def test_sangong_table_with_office_operation(budget):
    df = budget.table("t09")
    got = {c: int(a) for c, a in zip(df["column"], df["amount_fen"], strict=True)}
    assert got == {c: fen(v, "万元") for c, v in G.T09.items()}
    assert df["row"].nunique() == 1


def test_nine_tables_and_empty_ones(extraction):
    assert sorted(t.id for t in extraction.tables) == [
        "t01", "t02", "t03", "t04", "t05", "t06", "t09", "t10", "t11"]
    for tid in G.EMPTY_TABLES:
        t = next(t for t in extraction.tables if t.id == tid)
        assert not any(c.printed for c in t.cells)
        assert any("空表" in n for n in t.notes)


def test_units_recorded_and_converted_exactly(extraction, budget):
    units = {tid: info["unit"] for tid, info in extraction.meta["tables"].items()}
    assert units == {"t01": "元", "t02": "元", "t03": "元", "t04": "元", "t05": "元",
                     "t06": "元", "t09": "万元", "t10": "元", "t11": "元"}
    df = budget.table("t05")
    total = df[(df["label"] == "合计") & (df["column"] == "total")].iloc[0]
    basic = df[(df["label"] == "合计") & (df["column"] == "basic")].iloc[0]
    # 86,959,408.34 元 = 8,695.940834 万元 exactly; its last digit 0.01 元 = 1 分
    assert (int(total["amount_fen"]), int(total["ulp_fen"])) == (8_695_940_834, 1)
    # 22,118,861 printed to whole 元 in a table of 0.01 元: its unit is 1 元 = 100 分
    assert (int(basic["amount_fen"]), int(basic["ulp_fen"])) == (2_211_886_100, 100)


def test_codes_joined_and_page_break_joined(extraction):
    t05 = next(t for t in extraction.tables if t.id == "t05")
    codes = [c.code for c in t05.cells if c.column == "total"]
    assert codes == [i for i, _ in G.T03_T05 if i != "合计"] + [""]
    assert {len(c) for c in codes if c} == {3, 5, 7}
    # the header repeated on page 15 is no row
    assert not {"项目", "类", "功能分类科目名称"} & {c.label for c in t05.cells}
    assert extraction.meta["tables"]["t05"]["pages"] == [14, 15]
    assert extraction.meta["tables"]["t06"]["pages"] == [18, 19]


def test_source_lines_point_into_pages(extraction):
    from fiscal.extract.pdf import page_of, read_pdf

    pages = extraction.meta["pages"]
    assert len(pages) == 21 and pages[0] == 1
    doc = read_pdf(PDF)
    by_number = {ln.number: ln for ln in doc.lines}
    t09 = next(t for t in extraction.tables if t.id == "t09")
    line = t09.cells[0].source_line
    assert page_of(pages, line) == 20 and "184.59" in by_number[line].text
    item = next(c for c in extraction.claims if c.item == "2210203" and c.role == "amount")
    assert page_of(pages, item.source_line) == 7 and "207万元" in by_number[item.source_line].text


def test_source_copy_is_the_pdf_unchanged(extraction, budget):
    import hashlib

    assert extraction.meta["source_copy"] == "source.pdf"
    assert extraction.meta["source_sha256"] == hashlib.sha256(PDF.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# Narrative
# ---------------------------------------------------------------------------

def test_item_claims(extraction):
    cl = extraction.claims
    by_id = {c.claim: c for c in cl}
    for code, name, head, prior, again, pct in G.ITEMS:
        h = next(c for c in cl if c.item == code and c.role == "amount")
        assert (h.subject, h.table, h.column, Decimal(h.value)) == (name, "t05", "total",
                                                                     Decimal(head))
        kids = [c for c in cl if c.parent == h.claim]
        p = next(c for c in kids if c.role == "prior_amount")
        assert (Decimal(p.value), p.year, p.basis) == (Decimal(prior), 2025, "执行数")
        r = next(c for c in kids if c.role == "amount" and not c.parts)
        assert (Decimal(r.value), r.year, r.basis) == (Decimal(again), 2026, "预算")
        q = next(c for c in kids if c.role == "change_pct")
        assert (Decimal(q.value), q.unit) == (Decimal(pct), "%")
        assert by_id[h.parent].subject == "财政拨款支出" and h.parts == "complete"


def test_other_figures(extraction):
    got = Counter((c.subject, c.role, Decimal(c.value)) for c in extraction.claims)
    for subject, role, value in G.FIGURES:
        assert got[(subject, role, Decimal(value))] >= 1, (subject, role, value)


def test_narrative_code_names(extraction):
    names = {d["code"]: d["name"] for d in extraction.meta["narrative_code_names"]
             if len(d["code"]) == 3}
    assert names == G.ITEM_CLASSES


# ---------------------------------------------------------------------------
# Checks: every real inconsistency, named, and nothing else at error level
# ---------------------------------------------------------------------------

def test_every_real_inconsistency_is_an_error(findings):
    errors = findings[findings["severity"] == "error"]
    got = Counter(zip(errors["rule"], errors["table"], errors["item"], strict=True))
    assert got == Counter((r, t, i) for r, t, i, _ in G.ERRORS)
    shared = errors[errors["rule"] == "shared_columns"]["message"]
    assert shared.str.contains("人员经费").sum() == 1 and shared.str.contains("公用经费").sum() == 1


def test_rounding_is_not_error(findings):
    got = set(zip(findings["rule"], findings["table"], findings["item"], strict=True))
    sev = dict(zip(zip(findings["rule"], findings["table"], findings["item"], strict=True),
                   findings["severity"], strict=True))
    for key in G.ROUNDING_ONLY:
        assert key in got and sev[key] == "rounding", key


def test_name_mismatch_is_a_warning(findings):
    warn = findings[findings["severity"] == "warning"]
    got = set(zip(warn["rule"], warn["table"], warn["item"], strict=True))
    assert got >= G.WARNINGS
    msg = warn[warn["rule"] == "code_names"]["message"].iloc[0]
    assert "医疗卫生与计划生育支出" in msg and "卫生健康支出" in msg


def test_committed_folder_is_the_extraction(extraction):
    from fiscal.extract import files_of

    for name, data in files_of(extraction).items():
        assert (COMMITTED_PDF_DIR / name).read_bytes() == data, name


def test_seed_unaffected(seed_budget):
    from fiscal.checks import check

    found = check(seed_budget)
    assert (found["severity"] == "error").sum() == 0
    assert (found["severity"] == "rounding").sum() == 13


# ---------------------------------------------------------------------------
# PDFs that cannot be read: a clear message, exit 2
# ---------------------------------------------------------------------------

def _encrypted_pdf() -> bytes:
    """A one-page PDF under the standard security handler with a non-empty user password."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32
            + b"> /P -4 >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\n"
            % (len(objs) + 1, b"ab" * 16, b"ab" * 16))
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


def _scanned_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(PDF.read_bytes())
    images = [doc[i].render(scale=0.4).to_pil().convert("RGB") for i in range(2)]
    images[0].save(path, save_all=True, append_images=images[1:])


@pytest.mark.parametrize("kind, words", [
    ("scan", "no text layer"), ("encrypted", "encrypted"), ("truncated", "damaged"),
    ("not_pdf", "no PDF"),
])
def test_unreadable_pdfs(pdf_path, tmp_path, kind, words):
    from fiscal.extract.pdf import PdfError, read_pdf

    bad = tmp_path / f"{kind}.pdf"
    if kind == "scan":
        _scanned_pdf(bad)
    elif kind == "encrypted":
        bad.write_bytes(_encrypted_pdf())
    elif kind == "truncated":
        bad.write_bytes(pdf_path.read_bytes()[:len(pdf_path.read_bytes()) // 2])
    else:
        bad.write_bytes(b"<html>not found</html>")
    with pytest.raises(PdfError, match=words) as info:
        read_pdf(bad)
    assert isinstance(info.value, FiscalError) and info.value.exit_code == 2
    assert str(bad) in str(info.value)


def test_cli_check_and_extract_pdf(pdf_path, tmp_data, fiscal_cli, tmp_path):
    code, out, err = fiscal_cli("check", pdf_path)
    assert code == 1, err
    assert "shpt-sfj/2026: 10 error" in out
    code, out, err = fiscal_cli("extract", pdf_path)
    assert code == 0, err
    folder = tmp_data / "shpt-sfj" / "2026"
    assert (folder / "source.pdf").read_bytes() == pdf_path.read_bytes()
    code, out, err = fiscal_cli("check", "shpt-sfj/2026")
    assert code == 1 and "10 error" in out
    bad = tmp_path / "half.pdf"
    bad.write_bytes(pdf_path.read_bytes()[:50_000])
    code, out, err = fiscal_cli("check", bad)
    assert code == 2 and "damaged" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# Tables that cannot be read: reported, the rest still read and checked
# ---------------------------------------------------------------------------

def _doc_with(tables, lines):
    from fiscal.extract.pdf import PdfLine, PdfTable, PdfText

    pls = [PdfLine(i + 1, 1, text, top, top + 8) for i, (text, top) in enumerate(lines)]
    return PdfText(path=Path("x.pdf"), sha256="", lines=pls, pages=[1],
                   tables=[PdfTable(1, bbox, rows, boxes, list(range(1, len(rows) + 1)))
                           for bbox, rows, boxes in tables])


def test_a_grid_holding_only_its_caption_is_reported_not_a_crash():
    from fiscal.extract.shanghai import read_tables

    # the ruling encloses the title and the unit line, nothing else: no row is left
    rows = [["2026年预算单位政府性基金预算支出功能分类预算表", None],
            ["编制单位：某局 单位：元", None]]
    boxes = [[(0, 0, 100, 10), None], [(0, 10, 100, 20), None]]
    doc = _doc_with([((0, 0, 100, 20), rows, boxes)], [(rows[0][0], 1), (rows[1][0], 11)])
    unread: list[dict] = []
    assert all(not t.cells for t in read_tables(doc, unread))
    assert [u["table"] for u in unread] == ["t10"] and unread[0]["reason"]


def test_a_page_saying_none_is_an_empty_table():
    from fiscal.extract.shanghai import read_tables

    doc = _doc_with([], [("2026年部门政府性基金预算支出功能分类预算表", 10),
                         ("编制单位：某局 单位：元", 30), ("本部门无政府性基金预算", 50)])
    unread: list[dict] = []
    found = read_tables(doc, unread)
    assert [t.id for t in found] == ["t10"] and not found[0].cells and not unread
    assert "本部门无政府性基金预算" in found[0].notes[0]


def test_a_table_that_fails_is_left_out_and_the_rest_read(pdf_path, monkeypatch):
    from fiscal.config import Settings
    from fiscal.extract import extract as extract_pdf
    from fiscal.extract import shanghai

    add = shanghai._TableBuilder.add

    def broken(self, texts, line, boxes=None):
        if self.table.id == "t03":
            raise IndexError("a layout not foreseen")
        return add(self, texts, line, boxes)

    monkeypatch.setattr(shanghai._TableBuilder, "add", broken)
    ex = extract_pdf(pdf_path, Settings(data_dir=COMMITTED_DATA), slug="shpt-sfj",
                     department="上海市普陀区司法局")
    assert "t03" not in {t.id for t in ex.tables}
    assert {"t01", "t02", "t04", "t05", "t06", "t09"} <= {t.id for t in ex.tables}
    gap = ex.meta["unread"]
    assert [(u["table"], u["page"]) for u in gap] == [("t03", 11)]
    assert "IndexError" in gap[0]["reason"] and gap[0]["title"].endswith("支出预算总表")
    assert len(ex.claims) > 50  # the narrative is still read


def test_cli_reports_an_unreadable_table_for_review(tmp_path, tmp_data, fiscal_cli):
    import json

    from pdfgen import random_doc, render

    doc = random_doc(3, kind="budget", faults=0)
    t05 = doc.table("t05")
    t05.rows = [r for r in t05.rows if False]  # a grid with its header and no row
    pdf = render(doc, tmp_path / "gap.pdf")
    code, out, err = fiscal_cli("check", pdf, "--format", "json")
    assert code in (0, 1) and "internal error" not in err, err
    found = json.loads(out)["findings"]
    gaps = [f for f in found if f["rule"] == "table_unreadable"]
    assert gaps and all(f["severity"] == "review" for f in gaps)
    assert "t05" in {f["table"] for f in gaps}
    assert not [f for f in found if f["severity"] == "error"]


def test_a_lost_first_page_does_not_graft_rows_onto_the_table_before(pdf_path, tmp_path):
    """Page 9 (the first page of 收入预算总表) removed: its second page has no title and other
    columns than 财务收支预算总表 before it, so it is reported, not appended to t01."""
    import pypdfium2 as pdfium

    from fiscal.config import Settings
    from fiscal.extract import extract as extract_pdf

    doc = pdfium.PdfDocument(pdf_path.read_bytes())
    doc.del_page(8)
    cut = tmp_path / "cut.pdf"
    doc.save(str(cut))
    ex = extract_pdf(cut, Settings(data_dir=COMMITTED_DATA), slug="shpt-sfj",
                     department="上海市普陀区司法局")
    t01 = next(t for t in ex.tables if t.id == "t01")
    assert len([c for c in t01.cells if c.printed]) == 8 + 5 * 4
    assert {(u["table"], u["page"]) for u in ex.meta["unread"]} == {("", 9), ("t02", 0)}
