"""Input that cannot be read: exit code 2, one line naming the file (and line or cell), no
traceback, and nothing half-written left in the data folder.

Each broken input is built in ``tmp_path``: a copy of the committed department-year with one
thing broken, or a small text written inline.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from fiscal.errors import (
    AmountError,
    DecodeError,
    MissingMetaError,
    MissingTableError,
    TableFileError,
)
from fiscal.extract.text import decode


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under a folder with its bytes (``None`` for a folder)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@contextmanager
def nothing_written(folder: Path):
    """Fail if the block adds, removes or changes anything under ``folder``."""
    before = snapshot(folder)
    yield
    after = snapshot(folder)
    assert after == before, f"left behind or changed: {sorted(set(after) ^ set(before))}"


def assert_one_line_error(err: str, *names: str) -> None:
    """``fiscal: error: …`` on one line, naming each of ``names``, with no traceback."""
    assert "Traceback" not in err
    assert err.startswith("fiscal: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    for name in names:
        assert name in err, f"{name!r} not named in: {err}"


@pytest.fixture
def dept_dir(tmp_data: Path, committed_dir: Path) -> Path:
    """A copy of the committed futian-sti/2018 under FISCAL_DATA, ready to be broken."""
    folder = tmp_data / "futian-sti" / "2018"
    shutil.copytree(committed_dir, folder)
    return folder


def edit_csv(path: Path, edit) -> None:
    """Rewrite a CSV through ``edit(rows) -> rows`` (rows as lists, header first)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(edit(rows))


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# A department-year folder that cannot be read
# ---------------------------------------------------------------------------

def test_table_listed_in_meta_but_missing(fiscal_cli, dept_dir, tmp_data):
    (dept_dir / "t05.csv").unlink()
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "futian-sti/2018")

    assert code == 2
    assert_one_line_error(err, str(dept_dir), "t05.csv", "meta.json")


def test_table_listed_in_meta_but_missing_raises_missing_table_error(dept_dir):
    from fiscal.load import load_folder

    (dept_dir / "t09.csv").unlink()
    with pytest.raises(MissingTableError, match=r"t09\.csv is missing"):
        load_folder(dept_dir)


def test_a_folder_without_meta_json_raises_missing_meta_error(dept_dir):
    from fiscal.load import load_folder

    (dept_dir / "meta.json").unlink()
    with pytest.raises(MissingMetaError, match="meta.json is missing") as info:
        load_folder(dept_dir)
    assert not isinstance(info.value, MissingTableError)


def test_a_broken_file_before_a_bad_amount_raises_as_a_broken_file(dept_dir):
    from fiscal.load import load_folder

    def bad_level(rows):
        rows[1][rows[0].index("level")] = "x"  # not a whole number: read first (t05 < t09)
        return rows

    def no_number(rows):
        rows[1][rows[0].index("amount_wan")] = "abc"
        return rows

    edit_csv(dept_dir / "t05.csv", bad_level)
    edit_csv(dept_dir / "t09.csv", no_number)
    with pytest.raises(TableFileError, match="'x' is not a whole number") as info:
        load_folder(dept_dir)
    assert not isinstance(info.value, AmountError)
    assert "'abc' is not a number" in str(info.value)


def test_non_number_in_an_amount_cell(fiscal_cli, dept_dir, tmp_data):
    def break_basic_total(rows):
        header = rows[0]
        # Line 3 of t05.csv is 合计 / basic 630.34.
        assert rows[2][header.index("column")] == "basic"
        rows[2][header.index("amount_wan")] = "63O.34"  # letter O for a zero
        return rows

    edit_csv(dept_dir / "t05.csv", break_basic_total)
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "futian-sti/2018")

    assert code == 2
    assert_one_line_error(err, f"{dept_dir / 't05.csv'}, line 3, column amount_wan", "'63O.34'")


def test_non_number_in_an_amount_cell_raises_amount_error(dept_dir):
    from fiscal.load import load_folder

    def decimal_comma(rows):
        rows[1][rows[0].index("amount_wan")] = "9,4"  # 三公 total 9.4 with a decimal comma
        return rows

    edit_csv(dept_dir / "t09.csv", decimal_comma)
    with pytest.raises(AmountError, match=r"t09\.csv, line 2, column amount_wan: '9,4'"):
        load_folder(dept_dir)


def test_non_number_message_names_only_the_broken_cell(fiscal_cli, dept_dir):
    def break_cell(rows):
        rows[2][rows[0].index("amount_wan")] = "abc"
        return rows

    edit_csv(dept_dir / "t05.csv", break_cell)
    code, _, err = fiscal_cli("validate", "futian-sti/2018")
    assert code == 2
    assert "column amount_wan" in err
    assert "column department" not in err


def test_csv_with_a_missing_column(fiscal_cli, dept_dir, tmp_data):
    edit_csv(dept_dir / "t06.csv", lambda rows: [r[:-1] for r in rows])  # drop source_line
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "futian-sti/2018")

    assert code == 2
    assert_one_line_error(err, str(dept_dir / "t06.csv"), "missing column(s) source_line")


def test_claims_with_a_non_number_value(fiscal_cli, dept_dir, tmp_data):
    def break_value(rows):
        rows[10][rows[0].index("value")] = "三万"  # line 11: claim c010
        return rows

    edit_csv(dept_dir / "claims.csv", break_value)
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", dept_dir)

    assert code == 2
    assert_one_line_error(err, f"{dept_dir / 'claims.csv'}, line 11, column value", "c010")


def test_meta_that_is_not_json(fiscal_cli, dept_dir, tmp_data):
    write_text(dept_dir / "meta.json", '{"department": ')
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "futian-sti/2018")

    assert code == 2
    assert_one_line_error(err, str(dept_dir / "meta.json"), "not valid JSON")


def test_unquoted_comma_in_a_label(fiscal_cli, dept_dir):
    path = dept_dir / "t12.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("智慧福田“WIFI”通工程维护费,", "智慧福田,WIFI通工程维护费,", 1)
    write_text(path, "\n".join(lines))

    code, _, err = fiscal_cli("validate", "futian-sti/2018")

    assert code == 2
    assert_one_line_error(err, str(path))


@pytest.mark.parametrize("meta_edit", [
    pytest.param({"year": "2018年"}, id="year-not-a-number"),
    pytest.param({"tables": ["t01", "t02"]}, id="tables-a-list"),
    pytest.param({"claims": "claims.csv"}, id="claims-a-string"),
])
def test_meta_with_a_value_of_the_wrong_type(fiscal_cli, dept_dir, meta_edit):
    meta_path = dept_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    write_text(meta_path, json.dumps({**meta, **meta_edit}, ensure_ascii=False))

    code, _, err = fiscal_cli("validate", dept_dir)

    assert code == 2
    assert_one_line_error(err, str(meta_path))


def test_meta_with_an_invalid_slug_names_meta_json(fiscal_cli, dept_dir):
    meta_path = dept_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    write_text(meta_path, json.dumps({**meta, "slug": "Futian STI"}, ensure_ascii=False))

    code, _, err = fiscal_cli("validate", dept_dir)

    assert code == 2
    assert_one_line_error(err, "Futian STI", str(meta_path))


# ---------------------------------------------------------------------------
# Targets that name no department-year
# ---------------------------------------------------------------------------

def test_unknown_department_year(fiscal_cli, tmp_data, dept_dir):
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "nope/2018")
    assert code == 2
    assert_one_line_error(err, "nope/2018", str(tmp_data / "nope" / "2018"),
                          "found: futian-sti/2018")


def test_malformed_target(fiscal_cli, tmp_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no folder called futian-sti here
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("validate", "futian-sti")

    assert code == 2
    assert_one_line_error(err, "'futian-sti' is not a department-year", "<slug>/<year>")


def test_no_target(fiscal_cli, tmp_data):
    code, _, err = fiscal_cli("validate")
    assert code == 2
    assert_one_line_error(err, "no target given")


# ---------------------------------------------------------------------------
# Sources that are not disclosures
# ---------------------------------------------------------------------------

ENGLISH = ("The committee reviewed the annual budget of the bureau. Spending rose by 12% to"
           " 3,000 dollars, mainly on staff and travel.\n")
NO_BUDGET_WORD = ("深圳市福田区科技创新局二〇一八年工作总结：全年举办科普活动三十场，"
                  "服务企业一千余家，各项工作成效显著。\n")


@pytest.mark.parametrize(("name", "data", "says"), [
    pytest.param("english.txt", ENGLISH.encode(), "almost no Chinese", id="english"),
    pytest.param("summary.txt", NO_BUDGET_WORD.encode(), "neither 预算", id="no-budget-word"),
    pytest.param("empty.txt", b"", "almost no Chinese", id="empty"),
    pytest.param("invalid.txt", b"\x80\xff\xfd" + "预算".encode() + b"\xfe\x81",
                 "decode as neither", id="invalid-bytes"),
    pytest.param("utf16-odd.txt", b"\xff\xfe\xfd", "decode as neither", id="bom-then-odd-byte"),
    pytest.param("nul.txt", "深圳市福田区科技创新局 2018 年部门预算".encode() + b"\x00\x00",
                 "NUL bytes", id="nul-bytes"),
])
def test_source_that_is_not_a_disclosure(fiscal_cli, tmp_data, tmp_path, name, data, says):
    source = tmp_path / name
    source.write_bytes(data)
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("extract", source)

    assert code == 2
    assert_one_line_error(err, str(source), says)


def test_failed_reextraction_leaves_the_earlier_one_intact(fiscal_cli, dept_dir, tmp_data,
                                                           tmp_path, seed_path):
    data = seed_path.read_bytes()
    source = tmp_path / seed_path.name
    source.write_bytes(data[:4000] + b"\x00" + data[4000:])  # the seed with a NUL byte

    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("extract", source)

    assert code == 2
    assert_one_line_error(err, str(source), "NUL bytes")


@pytest.mark.parametrize(("data", "encoding"), [
    ("预算".encode(), "utf-8"),
    (b"\xef\xbb\xbf" + "预算".encode(), "utf-8-sig"),
    ("预算".encode("gbk"), "gb18030"),
    ("预算".encode("utf-16"), "utf-16"),
])
def test_decode_reads_the_encodings_of_the_field(data, encoding):
    assert decode(data, Path("x.txt")) == ("预算", encoding)


@pytest.mark.parametrize("data", [b"\x80\xff\xfd", b"\xff\xfe\xfd", b"ab\x00cd",
                                  b"\xfe\xff\x00"])
def test_decode_refuses_bytes_in_no_encoding(data):
    with pytest.raises(DecodeError, match=r"^x\.txt: "):
        decode(data, Path("x.txt"))


def test_missing_source_file(fiscal_cli, tmp_data, tmp_path):
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("extract", tmp_path / "nothing.txt")

    assert code == 2
    assert_one_line_error(err, str(tmp_path / "nothing.txt"), "no such file")


# ---------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------

def test_department_not_in_departments_csv(fiscal_cli, tmp_data, seed_path):
    write_text(tmp_data / "departments.csv",
               "slug,name,region,parent,aliases\n"
               "futian-edu,深圳市福田区教育局,广东省深圳市福田区,深圳市福田区人民政府,\n")
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("extract", seed_path)

    assert code == 2
    assert_one_line_error(err, str(seed_path), "departments.csv")


def test_unknown_slug_given_on_the_command_line(fiscal_cli, tmp_data, seed_path):
    with nothing_written(tmp_data):
        code, _, err = fiscal_cli("extract", seed_path, "--slug", "nope")

    assert code == 2
    assert_one_line_error(err, str(seed_path), "'nope'", str(tmp_data / "departments.csv"))


@pytest.mark.parametrize("departments", [
    pytest.param("slug,region,parent\nfutian-sti,广东省深圳市福田区,深圳市福田区人民政府\n"
                 .encode(), id="no-name-column"),
    pytest.param("slug,name,region,parent,aliases\n"
                 "futian-sti,深圳市福田区科技创新局,广东省深圳市福田区,深圳市福田区人民政府,\n"
                 .encode("gbk"), id="saved-as-gbk"),
])
def test_unreadable_departments_csv(fiscal_cli, tmp_data, seed_path, departments):
    (tmp_data / "departments.csv").write_bytes(departments)

    code, _, err = fiscal_cli("extract", seed_path)

    assert code == 2
    assert_one_line_error(err, str(tmp_data / "departments.csv"))


# ---------------------------------------------------------------------------
# Where to write
# ---------------------------------------------------------------------------

def test_out_folder_holding_something_else(fiscal_cli, tmp_data, tmp_path, seed_path):
    out = tmp_path / "notes"
    out.mkdir()
    write_text(out / "keep.txt", "mine")

    with nothing_written(tmp_path):
        code, _, err = fiscal_cli("extract", seed_path, "--out", out)

    assert code == 2
    assert_one_line_error(err, str(out), "not a department-year folder")


@pytest.mark.parametrize("out", ["a-file", "a-file/2018"])
def test_out_that_is_a_file(fiscal_cli, tmp_data, tmp_path, seed_path, out):
    write_text(tmp_path / "a-file", "not a folder")

    code, _, err = fiscal_cli("extract", seed_path, "--out", tmp_path / out)

    assert code == 2
    assert_one_line_error(err, str(tmp_path / "a-file"))


# ---------------------------------------------------------------------------
# The real console script: no traceback reaches stderr
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    pytest.param(["validate", "nope/2018"], id="unknown-department-year"),
    pytest.param(["extract", "{tmp}/english.txt"], id="not-a-disclosure"),
])
def test_console_script_prints_one_line_and_exits_2(tmp_data, tmp_path, argv):
    write_text(tmp_path / "english.txt", ENGLISH)
    argv = [a.format(tmp=tmp_path) for a in argv]
    script = Path(sys.executable).with_name("fiscal")
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "fiscal.cli"]
    env = {**os.environ, "FISCAL_DATA": str(tmp_data), "FISCAL_REPORTS": str(tmp_path / "r")}

    with nothing_written(tmp_data):
        proc = subprocess.run([*cmd, *argv], capture_output=True, text=True, env=env,
                              timeout=60, cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr)
