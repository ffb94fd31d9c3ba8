"""Extraction is reproducible and reads the encodings and digits found in the field.

Re-extracting the seed must give back ``data/futian-sti/2018`` byte for byte; a GBK copy,
a UTF-8 copy with a BOM or full-width digits must give the same tables and claims.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fiscal.config import Settings
from fiscal.extract import extract, write


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def seed_extraction(seed_path, committed_settings):
    return extract(seed_path, committed_settings)


def test_reextraction_reproduces_the_committed_folder(seed_extraction, committed_dir, tmp_path):
    out = write(seed_extraction, tmp_path / "futian-sti" / "2018")
    got, want = folder_bytes(out), folder_bytes(committed_dir)
    assert sorted(got) == sorted(want)
    changed = [name for name in want if got[name] != want[name]]
    assert changed == [], f"files that differ from the committed extraction: {changed}"


def test_extracting_twice_gives_identical_bytes(seed_extraction, seed_path, committed_settings,
                                                tmp_path):
    first = folder_bytes(write(seed_extraction, tmp_path / "a"))
    again = extract(seed_path, committed_settings)
    second = folder_bytes(write(again, tmp_path / "b"))
    assert first == second


def test_rewriting_replaces_an_earlier_extraction_in_place(seed_extraction, tmp_path):
    out = tmp_path / "futian-sti" / "2018"
    write(seed_extraction, out)
    (out / "t05.csv").write_text("stale", encoding="utf-8")
    write(seed_extraction, out)
    assert (out / "t05.csv").read_text(encoding="utf-8").startswith("row,side,code,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["2018"]  # no temporary left


def test_the_source_is_copied_unchanged(seed_extraction, seed_path, tmp_path):
    out = write(seed_extraction, tmp_path / "x")
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["source_copy"] == "source.txt"
    assert (out / "source.txt").read_bytes() == seed_path.read_bytes()


# ---------------------------------------------------------------------------
# Encodings and full-width digits: read, not refused
# ---------------------------------------------------------------------------

def gbk(text: str) -> bytes:
    return text.encode("gbk")


def utf8_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def fullwidth_headline(text: str) -> bytes:
    """Line 129 (the headline sentence) with ``３３，５３４．０８`` for ``33,534.08``."""
    lines = text.split("\n")
    assert "33,534.08" in lines[128]
    lines[128] = lines[128].replace("33,534.08", "３３，５３４．０８")
    return "\n".join(lines).encode("utf-8")


def fullwidth_table_cell(text: str) -> bytes:
    """Line 327 (表一's first row) with a full-width amount."""
    lines = text.split("\n")
    lines[326] = lines[326].replace("33,534.08", "３３，５３４．０８")
    return "\n".join(lines).encode("utf-8")


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize(("variant", "encoding"), [
    (gbk, "gb18030"),
    (utf8_bom, "utf-8-sig"),
    (fullwidth_headline, "utf-8"),
    (fullwidth_table_cell, "utf-8"),
    (crlf, "utf-8"),
], ids=lambda v: getattr(v, "__name__", v))
def test_field_variants_extract_to_the_same_data(variant, encoding, seed_path, seed_extraction,
                                                 committed_settings, tmp_path):
    copy = tmp_path / seed_path.name
    copy.write_bytes(variant(seed_path.read_text(encoding="utf-8")))
    out = write(extract(copy, committed_settings), tmp_path / "out")
    base = write(seed_extraction, tmp_path / "base")

    got, want = folder_bytes(out), folder_bytes(base)
    assert sorted(got) == sorted(want)
    for name in want:
        if name.endswith(".csv"):
            assert got[name] == want[name], f"{name} differs"
    meta, base_meta = (json.loads(m["meta.json"]) for m in (got, want))
    assert meta["source_encoding"] == encoding
    assert meta["source_sha256"] != base_meta["source_sha256"]
    same = {k: v for k, v in meta.items() if k not in ("source_sha256", "source_encoding")}
    assert same == {k: v for k, v in base_meta.items() if k in same}
    assert got["source.txt"] == copy.read_bytes()  # the raw bytes, not re-encoded


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

def test_fiscal_extract_writes_under_fiscal_data(fiscal_cli, tmp_data, seed_path, committed_dir):
    code, out, err = fiscal_cli("extract", seed_path)
    assert (code, err) == (0, "")
    assert out.startswith("futian-sti/2018: 深圳市福田区科技创新局 — 13 tables")
    written = tmp_data / "futian-sti" / "2018"
    assert folder_bytes(written) == folder_bytes(committed_dir)
    assert Settings.from_env().dept_years()[0].key == "futian-sti/2018"


def test_fiscal_extract_out_writes_elsewhere(fiscal_cli, tmp_data, tmp_path, seed_path):
    code, _, _ = fiscal_cli("extract", seed_path, "--out", tmp_path / "elsewhere")
    assert code == 0
    assert (tmp_path / "elsewhere" / "meta.json").is_file()
    assert sorted(p.name for p in tmp_data.iterdir()) == ["departments.csv"]


def test_extracted_folder_validates(fiscal_cli, tmp_data, seed_path):
    assert fiscal_cli("extract", seed_path)[0] == 0
    code, out, _ = fiscal_cli("validate", "futian-sti/2018")
    assert code == 0
    assert "futian-sti/2018: 深圳市福田区科技创新局 — 13 tables" in out
    assert out.rstrip().endswith("1 department-year(s) valid.")


def test_a_governments_fund_balance_table_is_no_departments_expense_table():
    # 彭水县 2021: a county's 政府性基金 income and spending side by side, one cell per line;
    # read as a department's t10 its income cells became the codes of spending rows
    from fiscal.schema import table_id_for_title

    assert table_id_for_title("2021年全县政府性基金预算收支平衡表") is None
    assert table_id_for_title("表十：政府性基金预算支出表") == "t10"
    assert table_id_for_title("五、政府性基金预算拨款支出预算表") == "t10"
    assert table_id_for_title("2026年预算单位政府性基金预算支出功能分类预算表") == "t10"
