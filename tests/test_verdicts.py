"""A reviewer's verdicts: review.csv read and validated with its folder, `fiscal review`
writing it, verdicts flipping the exit code of `fiscal check`, stale verdicts warned about.

The command-line tests work on copies of committed department-years in a throw-away data
folder (``tmp_data``); jinhua-jzglz/2021-final has one error (a % change) and one review
finding (the same figure stated twice), nanzhang-zsfw/2019-final nothing to check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from fiscal.errors import ReviewFileError
from fiscal.verdicts import Verdict, apply, failing, parse, read, record

DATA = Path(__file__).resolve().parents[1] / "data"
JINHUA = "jinhua-jzglz/2021-final"
ERROR_ID = "claim_change_pct-c8162c26"  # “支出总计”增减 6.76% ≠ 6.61%
OTHER_ID = "claim_completion-428ffa79"  # 完成预算 27.22% ≠ 500.12 ÷ 472.9 = 105.76%
HEADER = "id,verdict,note,who,date\n"


def test_a_review_file_reads_into_one_verdict_per_line():
    v = parse(HEADER + f'{ERROR_ID},not-a-problem,"印刷口径不同, 见附注",李审,2026-12-01\n')
    assert v.to_dict("records") == [{"id": ERROR_ID, "verdict": "not-a-problem",
                                     "note": "印刷口径不同, 见附注", "who": "李审",
                                     "date": "2026-12-01", "line": 2}]


@pytest.mark.parametrize(("line", "says"), [
    (f"{ERROR_ID},maybe,,,2026-12-01", "verdict 'maybe' is not one of confirmed"),
    (f"{ERROR_ID},confirmed,,,1.12.2026", "date '1.12.2026' is not a date YYYY-MM-DD"),
    ("c012,confirmed,,,2026-12-01", "'c012' is not a finding id"),
    (f"{ERROR_ID},confirmed,a, b,,2026-12-01", "6 cells where 5 are expected"),
])
def test_a_malformed_line_is_refused_naming_file_and_line(line, says):
    with pytest.raises(ReviewFileError) as err:
        parse(HEADER + f"{OTHER_ID},confirmed,,,2026-12-01\n" + line + "\n", "x/review.csv")
    assert str(err.value).startswith("x/review.csv, line 3: ")
    assert says in str(err.value)
    assert "— write one line per finding" in str(err.value)


def test_a_second_verdict_on_one_finding_and_a_wrong_header_are_refused():
    with pytest.raises(ReviewFileError, match="line 3: finding .* already has a verdict on"
                                              " line 2"):
        parse(HEADER + f"{ERROR_ID},confirmed,,,2026-12-01\n" * 2)
    with pytest.raises(ReviewFileError, match="line 1: the header is id,verdict"):
        parse("id,verdict\n")


def _found() -> pd.DataFrame:
    return pd.DataFrame({"key": ["k/2021", "k/2021", "k/2021"],
                         "id": ["a_rule-00000001", "a_rule-00000002", "a_rule-00000003"],
                         "severity": ["error", "error", "review"]})


def test_verdicts_attach_to_their_findings_and_the_others_are_stale():
    v = parse(HEADER + "a_rule-00000001,not-a-problem,gap,,2026-12-01\n"
                       "a_rule-00000009,fixed-in-source,,,2026-12-01\n")
    found, stale = apply(_found(), {"k/2021": v})
    assert list(found["verdict"]) == ["not-a-problem", "", ""]
    assert list(found["note"]) == ["gap", "", ""]
    assert list(zip(stale["key"], stale["id"], stale["line"], strict=True)) == [
        ("k/2021", "a_rule-00000009", 3)]


def test_not_a_problem_no_longer_fails_confirmed_still_does_and_fail_on_review_adds_review():
    v = parse(HEADER + "a_rule-00000001,not-a-problem,,,2026-12-01\n"
                       "a_rule-00000002,confirmed,,,2026-12-01\n")
    found, _ = apply(_found(), {"k/2021": v})
    assert list(failing(found, "error")["id"]) == ["a_rule-00000002"]
    assert list(failing(found, "review")["id"]) == ["a_rule-00000002", "a_rule-00000003"]


def test_record_adds_then_replaces_a_line_keeping_the_others(tmp_path):
    (tmp_path / "review.csv").write_text(HEADER + f"{OTHER_ID},confirmed,,,2026-11-30\n",
                                         encoding="utf-8")
    record(tmp_path, Verdict(ERROR_ID, "confirmed", "6.76 ≠ 6.61", "李审", "2026-12-01"))
    record(tmp_path, Verdict(ERROR_ID, "not-a-problem", "基数不同", "李审", "2026-12-02"))
    assert (tmp_path / "review.csv").read_text(encoding="utf-8") == (
        HEADER + f"{OTHER_ID},confirmed,,,2026-11-30\n"
        f"{ERROR_ID},not-a-problem,基数不同,李审,2026-12-02\n")
    assert len(read(tmp_path / "review.csv")) == 2


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

@pytest.fixture
def data(tmp_data) -> Path:
    for key in (JINHUA, "nanzhang-zsfw/2019-final"):
        shutil.copytree(DATA / key, tmp_data / key)
    return tmp_data


def test_a_verdict_flips_the_exit_code(data, fiscal_cli):
    assert fiscal_cli("check", JINHUA)[0] == 1
    code, out, err = fiscal_cli("review", JINHUA, ERROR_ID, "--verdict", "not-a-problem",
                                "--note", "增幅按调整后预算计算", "--who", "李审",
                                "--date", "2026-12-01")
    assert (code, err) == (0, "")
    assert (data / JINHUA / "review.csv").read_text(encoding="utf-8") == (
        HEADER + f"{ERROR_ID},not-a-problem,增幅按调整后预算计算,李审,2026-12-01\n")
    code, out, err = fiscal_cli("check", JINHUA)
    assert (code, err) == (1, "")    # the completion rate is still an error
    assert f"{ERROR_ID}  [not-a-problem: 增幅按调整后预算计算]" in out
    assert out.splitlines()[-1] == ("1 department-year(s), 2 finding(s), 1 error(s),"
                                    " 1 marked not-a-problem.")
    fiscal_cli("review", JINHUA, OTHER_ID, "--verdict", "not-a-problem", "--note", "两个口径",
               "--date", "2026-12-01")
    assert fiscal_cli("check", JINHUA)[0] == 0
    # confirmed: an error stays an error
    fiscal_cli("review", JINHUA, ERROR_ID, "--verdict", "confirmed", "--note", "确有错误",
               "--date", "2026-12-02")
    assert fiscal_cli("check", JINHUA)[0] == 1


def test_fail_on_review_counts_review_findings_until_dismissed(data, fiscal_cli, tmp_path):
    source = tmp_path / "jinhua-2024.txt"
    source.write_text("金华市救助管理站2024年度“三公”经费财政拨款支出决算情况说明\n"
                      "2024年度公务接待费1.58元，经核查，2024年度公务接待费支出为1.58万元。\n",
                      encoding="utf-8")
    assert fiscal_cli("extract", source, "--slug", "jinhua-jzglz", "--year", "2024",
                      "--kind", "final")[0] == 0
    target = "jinhua-jzglz/2024-final"
    code, out, _ = fiscal_cli("check", target)
    assert code == 0 and out.splitlines()[0] == f"{target}: 1 review"
    assert fiscal_cli("check", target, "--fail-on", "review")[0] == 1
    review_id = next(w for w in out.split() if w.startswith("claim_same_figure-"))
    fiscal_cli("review", target, review_id, "--verdict", "not-a-problem", "--note", "单位笔误",
               "--date", "2026-12-01")
    assert fiscal_cli("check", target, "--fail-on", "review")[0] == 0


def test_json_and_csv_show_the_verdict(data, fiscal_cli):
    fiscal_cli("review", JINHUA, ERROR_ID, "--verdict", "confirmed", "--note", "确有错误",
               "--date", "2026-12-01")
    import json

    found = json.loads(fiscal_cli("check", JINHUA, "--format", "json")[1])["findings"]
    assert [(f["id"], f["verdict"], f["note"]) for f in found] == [
        (ERROR_ID, "confirmed", "确有错误"), (OTHER_ID, "", "")]
    out = fiscal_cli("check", JINHUA, "--format", "csv")[1]
    assert out.splitlines()[1].endswith(f",{ERROR_ID},confirmed,确有错误")


def test_a_malformed_review_line_exits_2_naming_it(data, fiscal_cli):
    path = data / JINHUA / "review.csv"
    path.write_text(HEADER + f"{ERROR_ID},ok,,,2026-12-01\n", encoding="utf-8")
    for command in ("check", "validate"):
        code, out, err = fiscal_cli(command, JINHUA)
        assert code == 2
        assert err.startswith(f"fiscal: error: {path}, line 2: verdict 'ok' is not one of")
        assert "Traceback" not in err


def test_a_stale_verdict_is_a_warning(data, fiscal_cli):
    (data / JINHUA / "review.csv").write_text(
        HEADER + "row_total-0badc0de,fixed-in-source,,,2026-12-01\n", encoding="utf-8")
    code, out, err = fiscal_cli("check", JINHUA)
    assert code == 1
    assert err == (f"fiscal: warning: {data / JINHUA / 'review.csv'}, line 2: stale verdict"
                   f" (fixed-in-source) on row_total-0badc0de: no current finding of {JINHUA}"
                   " has this id (the source was corrected, or the finding is gone) — delete"
                   " the line\n")
    assert "unknown_file" not in out  # review.csv is part of the folder contract


def test_review_refuses_an_id_no_finding_has(data, fiscal_cli):
    code, out, err = fiscal_cli("review", JINHUA, "row_total-0badc0de", "--verdict",
                                "confirmed", "--note", "x")
    assert code == 2
    assert "no finding of jinhua-jzglz/2021-final has the id row_total-0badc0de" in err
    assert not (data / JINHUA / "review.csv").exists()


def test_a_document_where_nothing_could_be_checked_is_said_so(data, fiscal_cli):
    code, out, err = fiscal_cli("check", "nanzhang-zsfw/2019-final")
    assert code == 0
    assert out.splitlines()[0] == ("nanzhang-zsfw/2019-final: 1 warning; nothing could be"
                                   " checked (no figure to compare)")
    assert out.splitlines()[-1].endswith("; nothing could be checked in"
                                         " nanzhang-zsfw/2019-final.")
    assert fiscal_cli("check", "nanzhang-zsfw/2019-final", "--fail-on", "review")[0] == 1


def test_extract_over_a_folder_keeps_its_review_csv(data, fiscal_cli, tmp_path):
    review = HEADER + f"{ERROR_ID},confirmed,确有错误,,2026-12-01\n"
    (data / JINHUA / "review.csv").write_text(review, encoding="utf-8")
    source = shutil.copy(data / JINHUA / "source.txt", tmp_path / "jinhua.txt")
    code, _, err = fiscal_cli("extract", source, "--slug", "jinhua-jzglz", "--year", "2021",
                              "--kind", "final")
    assert (code, err) == (0, "")
    assert (data / JINHUA / "review.csv").read_text(encoding="utf-8") == review
