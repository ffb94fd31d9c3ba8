"""Every corpus file (tests/fixtures/corpus) is a test: extracted and checked, or refused.

The corpus holds excerpts of real disclosures with the damage real downloads have
(traditional characters with pinyin glosses, one cell per line, ``|`` tables, 元,
4-decimal 万元, flattened PDF text). ``EXPECTED`` records, per file, what
``fiscal check FILE`` must find: the refusal, or the error-level findings (rule and
item) — the source inconsistencies INDEX.tsv records and the further ones verified
by hand. A file whose arithmetic holds has no error-level finding.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from fiscal.config import Settings
from fiscal.extract import extract, write
from fiscal.load import load_folder

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
DAMAGED = Path(__file__).resolve().parent / "fixtures" / "damaged"
DATA = Path(__file__).resolve().parents[1] / "data"

#: file prefix -> ("refused", reason words) or (slug/year key, {(rule, item) of errors}).
EXPECTED: dict[str, tuple[str, object]] = {
    "02": ("szft-minzheng/2026", set()),
    "03": ("sz-zfbgt/2011", {("claim_parts", "政府办公厅(室)及相关事务"),
                             ("claim_parts", "支出总计")}),
    "07": ("07-hlx-bumen-2018-sangong-final/2018", set()),
    "09": ("longquan-hz/2018-final", set()),
    "13": ("sz-jyj/2013", set()),
    "17": ("tianshui-yey/2017-final", set()),
    "18": ("18-shibenji-2019-sangong-budget-trad-taushaann/2019", set()),
    "20": ("refused", "no amount"),
    "21": ("refused", "no amount"),
    "28": ("28-wuzhou-platform-kexie-2023-budget-fragment-yuan/2023", set()),
    "29": ("29-wuzhou-platform-unit-2023-final-account-fragment/2023-final", set()),
    "32": ("32-chongqing-jiangbei-qubenji-2021-sangong-table/2021", set()),
    "34": ("guilin-sfj/2015", {("totals", "三公经费"), ("outline", "3.公务用车费")}),
    "35": ("yueyang-tcy/2017", set()),
    "36": ("36-nantong-guoziwei-2016-sangong-table/2016", set()),
    "40": ("nanzhang-zsfw/2019-final", set()),
    "41": ("41-wuzhou-platform-unit-2021-budget-fragment-commas/2020", set()),
    "46": ("jinhua-jzglz/2021-final", {("claim_change_pct", "支出总计"),
                                       ("claim_completion", "财政拨款支出")}),
    "48": ("refused", "names 12 table(s)"),
    "52": ("guilin-sfj/2016", set()),
    "53": ("guilin-sfj/2017", set()),
    "57": ("beibei-kw/2018", set()),
    "58": ("wuchuan-jxkj/2018", set()),
    "59": ("refused", "no amount"),
    "60": ("fcg-ggzyjy/2018", {("claim_change_pct", "收支总计")}),
    "64": ("refused", "no amount"),
    "65": ("urumqi-zwfw/2023-final", set()),
    "66": ("refused", "no amount"),
    "71": ("71-beita-qu-zhengxie-2017-budget-4dec/2017", set()),
    "74": ("qianjiang-glsw/2023-final", set()),
}


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("[0-9][0-9]_*.txt"))


def test_every_corpus_file_has_an_expectation():
    names = {p.name[:2] for p in corpus_files()}
    assert names == set(EXPECTED)


#: Texts that name no registered department (本部门, 市本级, 区本级, 区政协 …): `fiscal check`
#: refuses them until fiscal.cli.budget_from_source passes unregistered="provisional".
ANONYMOUS = {"07", "18", "28", "29", "32", "36", "41", "71"}


def _errors(found) -> set[tuple[str, str]]:
    return {(r["rule"], r["item"]) for _, r in found.iterrows() if r["severity"] == "error"}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_every_corpus_file_is_checked_or_refused(prefix, tmp_path):
    """The library path: extract (provisional department where unregistered), load, check."""
    from fiscal.checks import check
    from fiscal.errors import NotADisclosureError

    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    key, want = EXPECTED[prefix]
    settings = Settings(data_dir=DATA)
    if key == "refused":
        with pytest.raises(NotADisclosureError, match=want.replace("(", r"\(").replace(
                ")", r"\)")):
            extract(path, settings, unregistered="provisional")
        return
    ex = extract(path, settings, unregistered="provisional")
    assert ex.dept_year.key == key
    budget = load_folder(write(ex, tmp_path / "dy"), ex.dept_year)
    assert _errors(check(budget)) == want


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_fiscal_check_on_the_corpus_file(prefix, fiscal_cli, tmp_data):
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    shutil_copy_registry(tmp_data)
    key, want = EXPECTED[prefix]
    code, out, err = fiscal_cli("check", path, "--format", "json")
    if key == "refused":
        assert code == 2
        assert err.count("\n") == 1 and want in err and "Traceback" not in err
        return
    assert err == ""
    found = json.loads(out)["findings"]
    errors = {(f["rule"], f["item"]) for f in found if f["severity"] == "error"}
    assert errors == want
    assert code == (1 if want else 0)
    assert {f"{f['department']}/{f['year']}" for f in found} <= {key.split("-final")[0]}


def shutil_copy_registry(tmp_data: Path) -> None:
    """The test data folder gets the real registry (the fixture copies it already)."""
    assert (tmp_data / "departments.csv").is_file()


# ---------------------------------------------------------------------------
# The committed department-years of the corpus
# ---------------------------------------------------------------------------

COMMITTED = {
    "02": "szft-minzheng/2026", "03": "sz-zfbgt/2011", "07": "hlx-bumen/2018-final",
    "09": "longquan-hz/2018-final", "13": "sz-jyj/2013", "17": "tianshui-yey/2017-final",
    "18": "shibenji-unnamed/2019", "28": "wuzhou-unit-843/2023",
    "29": "wuzhou-unit-1443/2023-final", "32": "cqjb-qubenji/2021", "34": "guilin-sfj/2015",
    "35": "yueyang-tcy/2017", "36": "nantong-gzw/2016", "40": "nanzhang-zsfw/2019-final",
    "41": "wuzhou-unit-1465/2021", "46": "jinhua-jzglz/2021-final", "52": "guilin-sfj/2016",
    "53": "guilin-sfj/2017", "57": "beibei-kw/2018", "58": "wuchuan-jxkj/2018",
    "60": "fcg-ggzyjy/2018", "65": "urumqi-zwfw/2023-final", "71": "beita-zx/2017",
    "74": "qianjiang-glsw/2023-final",
}
#: CLI flags each committed extraction needed (the text alone does not say).
FLAGS = {
    "07": {"slug": "hlx-bumen", "kind": "final"}, "18": {"slug": "shibenji-unnamed"},
    "28": {"slug": "wuzhou-unit-843"}, "29": {"slug": "wuzhou-unit-1443"},
    "32": {"slug": "cqjb-qubenji"}, "36": {"slug": "nantong-gzw"},
    "41": {"slug": "wuzhou-unit-1465", "year": 2021}, "71": {"slug": "beita-zx"},
}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("prefix", sorted(COMMITTED))
def test_committed_folder_is_reproduced(prefix, tmp_path):
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    settings = Settings(data_dir=DATA)
    ex = extract(path, settings, **FLAGS.get(prefix, {}))
    assert ex.dept_year.key == COMMITTED[prefix]
    out = write(ex, tmp_path / "dy")
    assert folder_bytes(out) == folder_bytes(DATA / COMMITTED[prefix])


def test_slugs_are_stable_ascii_lowercase():
    for key in COMMITTED.values():
        slug = key.split("/")[0]
        assert slug.isascii() and slug == slug.lower()


def test_guilin_three_years_of_sangong():
    from fiscal.load import load_budget

    settings = Settings(data_dir=DATA)
    b15, b16, b17 = (load_budget("guilin-sfj", y, settings=settings) for y in (2015, 2016, 2017))
    t09 = b15.table("t09")
    amount = t09[t09["column"] == "amount"].set_index("name")["amount_fen"]
    assert amount["三公经费"] == 34_350_000                 # 34.35 万元 in 分
    assert amount["公务用车购置及运行维护费"] == 0           # printed 0 …
    assert amount["公务用车运行维护费"] == 32_650_000         # … while its 其中 row is 32.65
    levels = t09.drop_duplicates("row").set_index("name")["level"]
    assert (levels["三公经费"], levels["公务接待费"]) == (0, 1)
    assert levels["公务用车运行维护费"] == 2

    def stated(b, subject):
        c = b.claims
        hit = c[(c["subject"] == subject) & (c["role"] == "amount") & (c["claim_year"] == b.year)]
        return hit["value"].iloc[0]

    assert str(stated(b16, "公务接待费")) == "1.71"
    assert str(stated(b16, "公务用车购置及运行维护费")) == "25.65"
    assert not (b16.claims["subject"] == "三公经费").any()  # 2016 prints no total
    assert str(stated(b17, "三公经费")) == "21.56"
    # 2016's changes imply 2015's figures: 1.71 − 0.01 = 1.70 and 25.65 + 7 = 32.65
    ch = b16.claims[b16.claims["role"] == "change"]
    assert {str(v) for v in ch["value"]} >= {"0.01", "-7"}


def test_the_2015_table_contradicts_itself():
    from fiscal.checks import check
    from fiscal.load import load_budget

    found = check(load_budget("guilin-sfj", 2015, settings=Settings(data_dir=DATA)))
    err = found[found["severity"] == "error"]
    assert set(err["rule"]) == {"totals", "outline"}
    totals = err[err["rule"] == "totals"]
    assert {Decimal(v) for v in totals["expected"]} == {Decimal("1.7")}   # 0 + 1.70 + 0
    assert {Decimal(v) for v in totals["actual"]} == {Decimal("34.35")}
    # 3.公务用车费 is printed 0 above its own 其中 rows: 32.65 (运行维护费) + 0 (购置)
    outline = err[err["rule"] == "outline"]
    assert {Decimal(v) for v in outline["expected"]} == {Decimal("32.65")}
    assert {Decimal(v) for v in outline["actual"]} == {Decimal("0")}


# ---------------------------------------------------------------------------
# Damage planted in fixtures: GBK, page markers, full-width digits, BOM, 元
# ---------------------------------------------------------------------------

def test_gbk_page_markers_and_fullwidth_digits_read_as_the_original(tmp_path):
    settings = Settings(data_dir=DATA)
    planted = extract(DAMAGED / "53_pagemarks_fullwidth.gbk.txt", settings)
    (orig_path,) = CORPUS.glob("53_*.txt")
    orig = extract(orig_path, settings)
    assert planted.meta["source_encoding"] == "gb18030"
    assert [(c.subject, c.role, c.value) for c in planted.claims] == \
        [(c.subject, c.role, c.value) for c in orig.claims]


def test_bom_and_crlf_read_as_the_original(tmp_path):
    (src,) = CORPUS.glob("34_*.txt")
    copy = tmp_path / src.name
    copy.write_bytes(b"\xef\xbb\xbf" + src.read_text(encoding="utf-8").replace(
        "\n", "\r\n").encode("utf-8"))
    settings = Settings(data_dir=DATA)
    a, b = extract(copy, settings), extract(src, settings)
    assert a.meta["source_encoding"] == "utf-8-sig"
    assert [(c.label, c.column, c.printed) for c in a.tables[0].cells] == \
        [(c.label, c.column, c.printed) for c in b.tables[0].cells]


def test_traditional_text_keeps_its_sentence_and_matches_simplified():
    (path,) = CORPUS.glob("17_*.txt")
    ex = extract(path, Settings(data_dir=DATA))
    assert ex.dept_year.kind == "final"
    c = next(c for c in ex.claims if c.value == "1516.64")
    assert "財政撥款" in c.sentence          # the printed text, traditional
    pinyin = [c for c in ex.claims if "(yù)" in c.sentence]
    assert pinyin                            # glosses kept in the quote …
    assert all("(yù)" not in c.subject for c in ex.claims)  # … not in what is matched


def test_yuan_tables_are_converted_and_the_unit_kept():
    (path,) = CORPUS.glob("35_*.txt")
    ex = extract(path, Settings(data_dir=DATA))
    (t09,) = ex.tables
    assert t09.unit == "元" and ex.meta["unit"] == "元"
    out = {c.name: c.printed for c in t09.cells if c.printed}
    assert out["三公经费"] == "250000" or out.get("支出合计") == "250000"
    assert any("公务用车保有量" in n for n in ex.meta["notes"])


def test_four_decimal_wan_keeps_its_precision():
    (path,) = CORPUS.glob("71_*.txt")
    ex = extract(path, Settings(data_dir=DATA), slug="beita-zx")
    c = next(c for c in ex.claims if c.printed.startswith("275.7248"))
    assert (c.value, c.ulp) == ("275.7248", "0.0001")


def test_narrative_in_yuan_is_converted(tmp_path):
    (path,) = CORPUS.glob("41_*.txt")
    ex = extract(path, Settings(data_dir=DATA), slug="wuzhou-unit-1465", year=2021)
    c = next(c for c in ex.claims if c.printed.startswith("924,289.71"))
    assert (c.value, c.ulp, c.unit) == ("92.428971", "0.000001", "万元")
    assert ex.meta["unit"] == "元"


def test_a_committed_corpus_folder_loads(tmp_path):
    b = load_folder(DATA / "guilin-sfj" / "2015")
    assert list(b.tables) == ["t09"] and b.claims.empty
