"""The exports reviewers work in: ``fiscal check --format xlsx`` and ``--format csv --out``.

The workbook has three sheets: ``findings`` and ``coverage`` (the rows and columns of
``fiscal check --format json``), and ``检查表``, the checklist district reviewers fill in for a
budget disclosure: one row per part of the document — the narrative (正文说明) section by
section, then each table by its title — with 检查内容 | 符合要求 (是 / 否 / 未核对) | 问题描述 |
页码/原文行. Same inputs, same bytes: fixed document properties and zip entry times.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from fiscal.coverage import COVERAGE_COLUMNS
from fiscal.load import Panel

#: Columns of the 检查表 sheet, in order.
CHECKLIST_COLUMNS = ["部门", "年度", "类型", "检查内容", "符合要求", "问题描述", "页码/原文行"]
#: The time written into the workbook's properties and zip entries (none: same bytes).
FIXED_TIME = datetime(2000, 1, 1)
_SEVERITY_WORDS = {"error": "错误", "review": "待复核", "rounding": "舍入差异", "warning": "提示"}
_KIND_WORDS = {"budget": "预算", "final": "决算"}


def _lines(span: list[int]) -> str:
    span = sorted({int(x) for x in span if x})
    if not span:
        return ""
    return f"第 {span[0]} 行" if span[0] == span[-1] else f"第 {span[0]}–{span[-1]} 行"


def _verdict(found: pd.DataFrame, checked: bool) -> str:
    if len(found) and (found["severity"] == "error").any():
        return "否"
    return "是" if checked else "未核对"


def _problems(found: pd.DataFrame) -> str:
    return "；".join(f"{_SEVERITY_WORDS.get(r['severity'], r['severity'])}：{r['message']}"
                     + (f"（第 {int(r['source_line'])} 行）" if r["source_line"] else "")
                     for r in found.to_dict("records"))


def checklist(p: Panel, rel: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """The 检查表: per department-year, the narrative by section, then each table by title.

    A part is ``否`` where an error-level finding falls in it, ``是`` where a relation
    checked a line of it and none failed beyond rounding, ``未核对`` where nothing did.

    Args:
        p: the panel checked.
        rel, found: :func:`fiscal.checks.relations` of ``p``.
    """
    rows = []
    for key in sorted(p.meta):
        meta = p.meta[key]
        head = {"部门": meta.get("department") or meta["slug"], "年度": int(meta["year"]),
                "类型": _KIND_WORDS.get(meta["kind"], meta["kind"])}
        r_key = rel[rel["key"] == key] if len(rel) else rel
        checked_lines = {int(x) for ls in r_key["lines"] for x in ls} if len(r_key) else set()
        f_key = found[found["key"] == key] if len(found) else found
        cl = p.claims[p.claims["key"] == key] if len(p.claims) else p.claims
        if len(cl):
            for section, part in cl.groupby("section", sort=False):
                lines = set(part["source_line"].astype(int))
                f = f_key[f_key["source_line"].isin(lines)] if len(f_key) else f_key
                rows.append({**head, "检查内容": f"正文说明：{section or '（未分节）'}",
                             "符合要求": _verdict(f, bool(lines & checked_lines)),
                             "问题描述": _problems(f), "页码/原文行": _lines(list(lines))})
        cells = p.cells[p.cells["key"] == key]
        for tid, info in sorted(meta.get("tables", {}).items()):
            lines = set(cells.loc[cells["table"] == tid, "source_line"].astype(int))
            f = f_key[f_key["table"].str.split("/").map(lambda ts, tid=tid: tid in ts)] \
                if len(f_key) else f_key
            span = [*lines, int(info.get("title_line") or 0)]
            rows.append({**head, "检查内容": f"{tid} {info.get('title', '')}".strip(),
                         "符合要求": _verdict(f, bool(lines & checked_lines)),
                         "问题描述": _problems(f), "页码/原文行": _lines(span)})
    return pd.DataFrame(rows, columns=CHECKLIST_COLUMNS)


def write_xlsx(path: Path, findings: list[dict], coverage: list[dict],
               checks: pd.DataFrame, finding_columns: list[str]) -> Path:
    """Write the workbook: sheets ``findings`` (``finding_columns``), ``coverage``
    (``COVERAGE_COLUMNS``) and ``检查表`` (``CHECKLIST_COLUMNS``), with fixed properties and
    zip entry times so that the same inputs give the same bytes."""
    from openpyxl import Workbook  # lazy: openpyxl, for this export only
    from openpyxl.writer.excel import ExcelWriter  # lazy: as above

    wb = Workbook()
    sheets = (("findings", finding_columns, [[f.get(c) for c in finding_columns]
                                             for f in findings]),
              ("coverage", COVERAGE_COLUMNS, [[c[k] for k in COVERAGE_COLUMNS]
                                              for c in coverage]),
              ("检查表", CHECKLIST_COLUMNS, checks.values.tolist()))
    for i, (title, columns, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        ws.append(columns)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
    wb.properties.creator = "fiscal"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    # openpyxl's save_workbook without its one step that stamps the time of saving
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    path = Path(path)
    path.write_bytes(_fixed_zip(buf.getvalue()))
    return path


def _fixed_zip(data: bytes) -> bytes:
    """The zip ``data`` with every entry's time set to ``FIXED_TIME``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
