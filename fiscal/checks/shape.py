"""Shape: codes of a valid length, each once; the tables a disclosure should print."""

from __future__ import annotations

import re

import pandas as pd

from fiscal.checks.findings import (
    _RELATIONS,
    KEY,
    _frame,
    _one,
    _record_rows,
)
from fiscal.checks.params import REQUIRED_TABLES
from fiscal.checks.registry import rule
from fiscal.load import Panel
from fiscal.schema import CODE_LEVELS, CODE_RE, TABLES

#: Tables whose rows are keyed by function or economic code.
CODED_TABLES = tuple(t for t, s in TABLES.items() if s.codes in CODE_LEVELS)


@rule("code_level", name="科目编码",
      emits={"code_level": "科目编码", "duplicate_row": "重复编码"},
      description="功能科目编码为类 3 位、款 5 位、项 7 位，经济科目编码为 3 位或 5 位；"
                  "同一编码在一表一侧只出现一次",
      severity="error", tables=CODED_TABLES)
def rule_code_level(p: Panel) -> pd.DataFrame:
    """Codes must have a valid length for their table (类 3, 款 5, 项 7 digits)."""
    c = p.cells
    rows = []
    collecting = _RELATIONS.get() is not None  # (the relations are built only when wanted)
    for codes in ("function", "economic"):
        tids = [t for t, s in TABLES.items() if s.codes == codes]
        sub = c[c["table"].isin(tids) & (c["code"] != "")].drop_duplicates(
            [*KEY, "table", "row"])
        bad = sub[~sub["code"].str.match(CODE_RE[codes].pattern)
                  | ~sub["code"].str.len().isin(list(CODE_LEVELS[codes]))]
        what = "功能科目编码（类 3 位、款 5 位、项 7 位）" if codes == "function" \
            else "经济科目编码（类 3 位、款 5 位）"
        for _, r in bad.iterrows():
            rows.append(_one(r, "code_level", "error", r["table"], r["code"], None, None,
                             f"{r['label']}：编码 {r['code']} 不是有效的{what}",
                             r["source_line"]))
        dup = sub[sub.duplicated([*KEY, "table", "side", "code"], keep="first")]
        keys, lines = sub["key"].tolist(), sub["source_line"].tolist()
        for rid, failed in (("code_level", bad), ("duplicate_row", dup)) if collecting else ():
            at = set(failed.index)
            _record_rows([{"key": k, "rule": rid, "source_line": line,
                           "verdict": "error" if i in at else "holds"}
                          for i, k, line in zip(sub.index, keys, lines, strict=True)])
        for _, r in dup.iterrows():
            rows.append(_one(r, "duplicate_row", "error", r["table"], r["code"], None, None,
                             f"编码 {r['code']}（{r['label']}）在表中出现不止一次",
                             r["source_line"]))
    return _frame(rows)


@rule("tables_present", name="表格齐全",
      emits={"table_missing": "缺表", "table_incomplete": "表格截断", "title_year": "表题年份",
             "table_unreadable": "表格未能读入", "unknown_file": "多余文件"},
      description="按全套模板公开的应有各表；表未被截断；表题年份与正文一致；原文各表都已读入；文件夹中无契约外文件",
      severity="warning；未能读入的表为 review", params=("REQUIRED_TABLES",))
def rule_tables_present(p: Panel) -> pd.DataFrame:
    """Warn about required tables missing from a disclosure that prints the full set."""
    rows = []
    checked = []  # every check made, held or not: the relations (fiscal.checks.relations)

    def made(key: str, rid: str, ok: bool, line: int, failed: str = "warning") -> bool:
        checked.append({"key": key, "rule": rid, "verdict": "holds" if ok else failed,
                        "source_line": int(line or 0)})
        return ok

    for key, meta in p.meta.items():
        have = set(meta.get("tables", {}))
        r = {"key": key, "slug": meta["slug"], "year": int(meta["year"]), "kind": meta["kind"]}
        # the full Shenzhen-style set (t07 项目分类 is its mark); other templates print fewer
        if "t07" in have and len(have & set(REQUIRED_TABLES)) >= len(REQUIRED_TABLES) // 2:
            for tid in REQUIRED_TABLES:
                if not made(key, "table_missing", tid in have, 0):
                    rows.append(_one(r, "table_missing", "warning", tid, TABLES[tid].title, None,
                                     None, f"未见{TABLES[tid].title}（{tid}）", 0))
        for tid, info in meta.get("tables", {}).items():
            if not made(key, "table_incomplete", info.get("complete") is not False,
                        info.get("title_line", 0)):
                rows.append(_one(r, "table_incomplete", "warning", tid, info.get("title", ""),
                                 None, None, f"{info.get('title', tid)}在原文中被截断（无合计行）："
                                 "只读入已印出的行，缺失的行未作推算", info.get("title_line", 0)))
            years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", info.get("title", ""))}
            if years and not made(key, "title_year", int(meta["year"]) in years,
                                  info.get("title_line", 0)):
                rows.append(_one(r, "title_year", "warning", tid, info.get("title", ""), None,
                                 None, f"表题年份 {sorted(years)} 与正文年份 {meta['year']} 不一致",
                                 info.get("title_line", 0)))
        for gap in meta.get("unread", []):
            made(key, "table_unreadable", False, gap.get("line", 0), "review")
            where = f"第 {gap['page']} 页" if gap.get("page") else ""
            rows.append(_one(r, "table_unreadable", "review", gap.get("table", ""),
                             gap.get("title", ""), None, None,
                             f"{gap.get('title') or gap.get('table', '表')}{where}未能读入："
                             f"{gap.get('reason', '')}；其余表格与正文照常核对",
                             gap.get("line", 0)))
        for name in meta.get("_unknown_files", []):
            made(key, "unknown_file", False, 0)
            rows.append(_one(r, "unknown_file", "warning", "", name, None, None,
                             f"文件夹中有不属于数据契约的文件 {name}：fiscal 不读取它", 0))
    _record_rows(checked)
    return _frame(rows)
