"""Hostile and broken input: each class is read correctly or ends in one clear line
(exit 2, file and place named, no traceback) — or, for a damaged number, in a finding.
Never a silent wrong number."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fiscal.checks import check
from fiscal.config import Settings
from fiscal.extract import extract, write
from fiscal.load import load_budget, load_folder

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_718dc356a2b2d93e.txt"
PDF = ROOT / "tests" / "fixtures" / "pdf" / "shpt_sfj_2026_unit_budget.pdf"


def refused(fiscal_cli, *args) -> str:
    code, out, err = fiscal_cli(*args)
    assert code == 2, (code, out, err)
    assert err.startswith("fiscal: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "gb18030"])
def test_seed_in_other_encodings_reads_the_same(tmp_path, encoding, tmp_data):
    text = SEED.read_text(encoding="utf-8")
    src = tmp_path / "seed.txt"
    src.write_bytes(text.encode(encoding))
    ex = extract(src)
    assert ex.source.encoding.replace("-sig", "") in (encoding, "utf-16")
    assert ex.meta["tables"]["t05"]["cells"] == 38
    assert len(ex.claims) == 118


def test_traditional_text_in_big5_is_read_as_big5(tmp_path):
    src = tmp_path / "big5.txt"
    src.write_bytes("二零一九年部門預算：支出合計 100 萬元，經費收入 100 萬元。".encode("big5"))
    from fiscal.extract.text import read_source

    assert read_source(src).encoding == "big5"


@pytest.mark.parametrize("name,data,words", [
    ("zip.txt", b"PK\x03\x04" + bytes(200), "zip archive"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
    ("doc.txt", b"%PDF-1.7\n%broken", "PDF"),
    ("empty.txt", b"", "almost no Chinese"),
    ("binary.txt", bytes(range(256)) * 8, "binary"),
])
def test_files_that_are_no_text_are_refused_by_name(tmp_path, fiscal_cli, name, data, words):
    src = tmp_path / name
    src.write_bytes(data)
    err = refused(fiscal_cli, "check", str(src))
    assert str(src) in err and words in err


@pytest.mark.parametrize("name,data,words", [
    ("image.pdf", b"\x89PNG\r\n\x1a\n" + bytes(200), "no PDF"),
    ("cut.pdf", PDF.read_bytes()[:20000], "damaged"),
])
def test_pdfs_that_cannot_be_read_are_refused(tmp_path, fiscal_cli, name, data, words):
    src = tmp_path / name
    src.write_bytes(data)
    assert words in refused(fiscal_cli, "check", str(src))


def test_a_huge_text_is_refused_before_it_is_read(tmp_path, fiscal_cli):
    src = tmp_path / "huge.txt"
    with src.open("wb") as fh:  # sparse: 100 MB on paper, nothing on disk
        fh.truncate(100 * 2**20)
    assert "100 MB" in refused(fiscal_cli, "check", str(src))


def test_a_pdf_of_too_many_pages_is_refused(tmp_path, fiscal_cli):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for _ in range(301):
        doc.new_page(100, 100)
    src = tmp_path / "compendium.pdf"
    doc.save(str(src))
    assert "301 pages" in refused(fiscal_cli, "check", str(src))


def test_a_damaged_amount_becomes_a_finding_not_a_silent_number(tmp_path, tmp_data):
    # 办公费 5.51 printed as "5.5l": the cell is no number, so 302 商品和服务支出 54.73 no
    # longer equals the sum of its 款 — the checker says so.
    text = SEED.read_text(encoding="utf-8").replace("办公费 5.51 ", "办公费 5.5l ")
    src = tmp_path / "seed.txt"
    src.write_text(text, encoding="utf-8")
    ex = extract(src)
    found = check(load_folder(write(ex, tmp_path / "dy"), ex.dept_year))
    errors = found[found["severity"] == "error"]
    assert ("code_hierarchy", "302") in set(zip(errors["rule"], errors["item"], strict=True))


def test_a_run_together_figure_is_refused_with_its_line(tmp_path, tmp_data, fiscal_cli):
    text = SEED.read_text(encoding="utf-8").replace("办公费 5.51 ", "办公费 551551551551551 ")
    src = tmp_path / "seed.txt"
    src.write_text(text, encoding="utf-8")
    err = refused(fiscal_cli, "check", str(src))
    assert "beyond any department budget" in err and "line 633" in err


def test_a_department_year_linked_from_outside_is_not_data(tmp_path, committed_dir):
    data = tmp_path / "data"
    (data / "elsewhere").mkdir(parents=True)
    outside = tmp_path / "outside" / "2018"
    shutil.copytree(committed_dir, outside)
    (data / "elsewhere" / "2018").symlink_to(outside, target_is_directory=True)
    settings = Settings(data_dir=data)
    assert settings.dept_years() == []
    from fiscal.errors import TargetError

    with pytest.raises(TargetError, match="leads out of the data folder"):
        load_budget("elsewhere", 2018, settings=settings)


def test_an_unknown_file_in_a_folder_is_reported(tmp_path, committed_dir):
    folder = tmp_path / "futian-sti" / "2018"
    shutil.copytree(committed_dir, folder)
    (folder / "notes.xlsx").write_bytes(b"x")
    found = check(load_folder(folder))
    hit = found[found["rule"] == "unknown_file"]
    assert list(hit["item"]) == ["notes.xlsx"] and set(hit["severity"]) == {"warning"}


def test_a_table_cut_off_mid_way_is_reported_not_invented():
    meta = json.loads((ROOT / "data" / "nanzhang-zsfw" / "2019-final" / "meta.json")
                      .read_text(encoding="utf-8"))
    assert meta["tables"]["t01"]["complete"] is False
    found = check(load_budget("nanzhang-zsfw", 2019, "final",
                              settings=Settings(data_dir=ROOT / "data")))
    assert "table_incomplete" in set(found["rule"])
