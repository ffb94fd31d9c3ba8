"""What the report notebooks display: one call per section, HTML and charts.

Every text that comes from a source document (names, labels, sentences) is
HTML-escaped here, so a hostile disclosure cannot inject markup into a report.
A section whose data the disclosure does not print says so in a sentence.
"""

from __future__ import annotations

import html
from decimal import Decimal

import pandas as pd

from fiscal import measures, plots
from fiscal.config import KIND_LABELS, DeptYear, Settings
from fiscal.load import Budget, load_budget

__all__ = ["budget", "claims", "findings", "growth", "headline", "index", "provenance",
           "sangong", "show", "structure"]


class HTML:
    """A block of trusted HTML built from escaped parts."""

    def __init__(self, body: str) -> None:
        self.body = body

    def _repr_html_(self) -> str:
        return self.body

    def __repr__(self) -> str:  # plain text for consoles and nbval
        import re

        return re.sub(r"<[^>]+>", "", self.body).strip()


def esc(value: object) -> str:
    """Escape any value for HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def money(v: Decimal | None) -> str:
    """``33,534.08`` (as printed precision), ``—`` for missing."""
    return "—" if v is None or (not isinstance(v, Decimal) and pd.isna(v)) else f"{Decimal(v):,f}"


def percent(v: Decimal | None, sign: bool = True) -> str:
    if v is None or (not isinstance(v, Decimal) and pd.isna(v)):
        return "—"
    return f"{Decimal(v):+}%" if sign else f"{Decimal(v)}%"


def table(df: pd.DataFrame, columns: dict[str, str], formats: dict | None = None) -> str:
    """An escaped HTML table of selected columns with Chinese headers."""
    formats = formats or {}
    head = "".join(f"<th>{esc(h)}</th>" for h in columns.values())
    rows = []
    for _, r in df.iterrows():
        cells = []
        for col in columns:
            v = r[col]
            text = formats[col](v) if col in formats else esc(v)
            num = isinstance(v, (int, Decimal)) and not isinstance(v, bool)
            cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def note(text: str) -> HTML:
    return HTML(f'<p class="note">{esc(text)}</p>')


def show(*items) -> None:
    """Display charts and HTML blocks in order (in a notebook)."""
    from IPython.display import display

    for item in items:
        if isinstance(item, plots.Chart):
            from IPython.display import Image

            display(Image(data=item.png, format="png"),
                    metadata={"image/png": {"alt": item.alt}})
        else:
            display(item)


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

def budget(department: str, year: int, kind: str = "budget") -> Budget:
    """Load the department-year a report is about."""
    return load_budget(department, int(year), kind)


def headline(b: Budget) -> HTML:
    """Title and the headline figures."""
    h = measures.headline(b)
    kind = KIND_LABELS[b.kind]
    parts = [f"<h1>{esc(b.department)} {b.year} 年部门{kind}</h1>"]
    if h["total_wan"] is None:
        parts.append('<p class="note">本文件未公开收支总表，无总额可列。</p>')
        return HTML("".join(parts))
    line = f"{b.year} 年收支总计 <strong>{money(h['total_wan'])} 万元</strong>"
    if h["prior_wan"] is not None:
        line += (f"，上年 {money(h['prior_wan'])} 万元，增减 {money(h['change_wan'])} 万元"
                 f"（<strong>{percent(h['change_pct'])}</strong>"
                 + (f"，文件所列 {percent(h['stated_pct'])}" if h["stated_pct"] is not None
                    else "") + "）")
    parts.append(f'<p class="lead">{line}。</p>')
    if h["basic_wan"] is not None:
        parts.append(f"<p>其中基本支出 {money(h['basic_wan'])} 万元，项目支出"
                     f" {money(h['project_wan'])} 万元。</p>")
    return HTML("".join(parts))


def _check(b: Budget):
    """The department-year's findings, computed once per loaded budget."""
    from fiscal.checks import check

    if "_findings" not in b.__dict__:
        b.__dict__["_findings"] = check(b)
    return b.__dict__["_findings"]


def findings(b: Budget) -> HTML:
    """The check findings, errors first."""
    from fiscal.checks import SEVERITIES

    f = _check(b)
    if f.empty:
        return HTML('<p class="ok">全部核对通过：表内、表间及正文与表格的数字均一致。</p>')
    counts = {s: int((f["severity"] == s).sum()) for s in SEVERITIES}
    words = {"error": "错误", "review": "待人工复核", "rounding": "舍入差异", "warning": "提示"}
    summary = "，".join(f"{words[s]} {n} 项" for s, n in counts.items() if n)
    verdict = ("发现超出舍入误差的不一致。" if counts["error"]
               else "未发现超出舍入误差的不一致；下列差异均可由印刷数字的舍入解释。"
               if not counts["review"] else "未发现确定的错误；“待人工复核”各项系对原文结构"
               "的推断读取后不一致，请对照原文核对。")
    f = f.assign(severity=f["severity"].map(words))
    body = table(f, {"severity": "级别", "rule": "规则", "table": "表", "item": "项目",
                     "expected": "应为", "actual": "所列", "difference": "差额",
                     "message": "说明", "source_line": "原文行"},
                 {"expected": money, "actual": money, "difference": money})
    return HTML(f"<p>{esc(summary)}。{esc(verdict)}</p>{body}")


def growth(b: Budget):
    """Growth against the prior year: a chart and a table."""
    g = measures.growth(b)
    if g.empty:
        return [note("本文件未列示与上年的对比数。")]
    t = table(g, {"subject": "项目", "prior_wan": "上年（万元）", "current_wan": "本年（万元）",
                  "change_wan": "增减（万元）", "change_pct": "增减率", "stated_pct": "文件所列",
                  "prior_source": "上年数来源"},
              {"prior_wan": money, "current_wan": money, "change_wan": money,
               "change_pct": percent, "stated_pct": percent})
    out = []
    if g["change_pct"].notna().any():
        out.append(plots.growth_bars(g))
    out.append(HTML(t))
    return out


def structure(b: Budget):
    """Spending structure: function 类/款, economic class, basic vs project, special funds."""
    out = []
    fs = measures.function_structure(b, 2)
    if fs.empty:
        fs = measures.function_structure(b, 1)
    if not fs.empty:
        out.append(plots.bars(fs, "name", "amount_wan", "一般公共预算支出按功能科目",
                              share="share_pct"))
        top = measures.concentration(fs)
        out.append(HTML(f"<p>按功能科目，最大的五项合占 {percent(top, sign=False)}。</p>"))
    bp = measures.basic_project(b)
    if not bp.empty:
        out.append(HTML("<p>" + "；".join(
            f"{esc(r['name'])} {money(r['amount_wan'])} 万元（{percent(r['share_pct'], False)}）"
            for _, r in bp.iterrows()) + "。</p>"))
    es = measures.economic_structure(b)
    if not es.empty:
        out.append(plots.bars(es, "name", "amount_wan", "基本支出按经济科目", share="share_pct"))
    sf = measures.parts_of(b, "产业发展专项资金")
    if not sf.empty:
        out.append(plots.bars(sf, "name", "amount_wan", "区产业发展专项资金各项",
                              share="share_pct"))
        out.append(HTML(f"<p>专项资金共 {len(sf)} 项，合计 {money(sum(sf['amount_wan']))} 万元；"
                        f"最大的五项合占 {percent(measures.concentration(sf), sign=False)}。</p>"))
    per = measures.per_staff(b)
    if not per.empty:
        r = per.iloc[0]
        out.append(HTML(f"<p>人均人员经费 {money(r['per_staff_wan'])} 万元"
                        f"（{esc(r['source'])} {money(r['personnel_wan'])} 万元 ÷ 实有人数"
                        f" {esc(r['staff'])} 人）。</p>"))
    return out or [note("本文件未公开支出结构表。")]


def sangong(b: Budget, settings: Settings | None = None):
    """The 三公 trend over every year of this department in the data folder."""
    settings = settings or Settings.from_env()
    budgets = [b]
    for dy in settings.dept_years():
        if dy.slug == b.dept_year.slug and dy.kind == b.kind and dy != b.dept_year:
            budgets.append(load_budget(dy.slug, dy.year, dy.kind, settings))
    s = measures.sangong(sorted(budgets, key=lambda x: x.year))
    if s.empty:
        return [note("本文件未公开“三公”经费。")]
    out = []
    if s["year"].nunique() > 1:
        out.append(plots.sangong_trend(s))
    wide = s.pivot_table(index="component", columns="year", values="amount_wan",
                         aggfunc="first")
    order = [c for c in measures.SANGONG_ALL if c in wide.index]
    wide = wide.loc[order].reset_index()
    cols = {"component": "项目", **{y: f"{y}年（万元）" for y in wide.columns[1:]}}
    out.append(HTML(table(wide, cols, {y: money for y in wide.columns[1:]})))
    derived = s[~s["source"].isin(["表九", "正文"])]
    if not derived.empty:
        out.append(HTML("<p class=\"note\">推算说明：" + "；".join(
            f"{r['year']}年{esc(r['component'])}{esc(r['source'])}" for _, r in derived.iterrows())
            + "。</p>"))
    oo = measures.office_operation(b)
    if not oo.empty:
        r = oo.iloc[0]
        out.append(HTML(f"<p>机关运行经费 {money(r['current_wan'])} 万元，上年"
                        f" {money(r['prior_wan'])} 万元，增减 {percent(r['change_pct'])}。</p>"))
    return out


def claims(b: Budget) -> HTML:
    """Figures stated by the narrative next to the table cells they refer to."""
    from fiscal.checks import FINDING_COLUMNS

    cl = b.claims
    if cl.empty:
        return note("本文件正文未列示数字。")
    refs = cl[(cl["table"] != "") & (cl["role"] == "amount") & (cl["unit"] == "万元")].copy()
    if refs.empty:
        return note("正文数字未对应到表格单元格。")
    f = _check(b)
    f = f[f["rule"] == "claim_table"][FINDING_COLUMNS] if not f.empty else f
    flagged = dict(zip(zip(f["item"], f["source_line"], strict=True), f["severity"],
                       strict=True)) if not f.empty else {}
    refs["cell"] = refs["table"] + " " + refs["item"].where(refs["item"] != "", "")
    refs["status"] = [{"error": "不一致", "review": "待复核", "rounding": "舍入差异",
                       "warning": "未找到"}.get(
        flagged.get((s, line), ""), "一致") for s, line in zip(refs["subject"],
                                                          refs["source_line"], strict=True)]
    return HTML(f"<p>正文共列示 {len(cl)} 个数字，其中 {len(refs)} 个金额对应表格单元格：</p>"
                + table(refs, {"subject": "正文项目", "value": "正文（万元）", "cell": "对应表格",
                               "status": "核对", "source_line": "原文行"},
                        {"value": money}))


def provenance(b: Budget) -> HTML:
    """Where the figures come from."""
    from fiscal import __version__

    m = b.meta
    tables = "、".join(f"{tid} {esc(info.get('title', ''))}"
                      for tid, info in sorted(m["tables"].items()))
    encoding = esc(m.get("source_encoding", ""))
    return HTML(f"<p>来源文件 <code>{esc(m['source_file'])}</code>（SHA-256"
                f" <code>{esc(m['source_sha256'])}</code>，编码 {encoding}），"
                f"金额单位 {esc(m.get('unit', '万元'))}。所含表格：{tables or '无'}。"
                f"由 fiscal {esc(__version__)} 提取与核对。</p>")


# ---------------------------------------------------------------------------
# Overview of every department-year
# ---------------------------------------------------------------------------

def index(settings: Settings | None = None, status: dict[str, str] | None = None) -> HTML:
    """Every department-year with headline figures, check status and a link to its report."""
    from fiscal.checks import check

    settings = settings or Settings.from_env()
    status = status or {}
    rows = []
    budgets, broken = _all_budgets(settings)
    found = check(budgets) if budgets else None
    for key, message in broken.items():
        slug = key.split("/")[0]
        dy = DeptYear.parse(key)
        rows.append({"key": key, "department": slug, "year": dy.year,
                     "kind": KIND_LABELS[dy.kind], "total": None, "change": None,
                     "errors": None, "rounding": 0, "review": 0,
                     "report": status.get(key, "") or f"无法读取：{message}"})
    for b in budgets:
        dy = b.dept_year
        h = measures.headline(b)
        f = found[(found["department"] == dy.slug) & (found["year"] == dy.year)
                  & (found["kind"] == dy.kind)]
        n_err = int((f["severity"] == "error").sum())
        n_round = int((f["severity"] == "rounding").sum())
        n_review = int((f["severity"] == "review").sum())
        rows.append({"key": dy.key, "department": b.department, "year": dy.year,
                     "kind": KIND_LABELS[dy.kind], "total": h["total_wan"],
                     "change": h["change_pct"], "errors": n_err, "rounding": n_round,
                     "review": n_review, "report": status.get(dy.key, "")})
    if not rows:
        return note("数据目录中没有部门年度。")
    rows.sort(key=lambda r: (r["department"], r["year"], r["kind"]))
    body = []
    for r in rows:
        link = f'<a href="{esc(r["key"])}.html">{esc(r["department"])}</a>'
        check_text = ('<span class="bad">未核对</span>' if r["errors"] is None
                      else f'<span class="bad">错误 {r["errors"]}</span>' if r["errors"]
                      else '<span class="ok">通过</span>')
        if r["review"]:
            check_text += f"（待复核 {r['review']}）"
        if r["rounding"]:
            check_text += f"（舍入差异 {r['rounding']}）"
        body.append(f"<tr><td>{link}</td><td>{r['year']}</td><td>{esc(r['kind'])}</td>"
                    f'<td class="num">{money(r["total"])}</td>'
                    f'<td class="num">{percent(r["change"])}</td><td>{check_text}</td>'
                    f"<td>{esc(r['report'])}</td></tr>")
    head = ("<tr><th>部门</th><th>年度</th><th>类型</th><th>收支总计（万元）</th><th>比上年</th>"
            "<th>核对</th><th>报告</th></tr>")
    return HTML(f'<table class="data"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>')


_PANEL_CACHE: dict[str, tuple[tuple, list[Budget], dict[str, str]]] = {}


def _all_budgets(settings: Settings) -> tuple[list[Budget], dict[str, str]]:
    """Every department-year that loads, and the message of each that does not.

    Loaded once per kernel while no file of the data folder changes, so that the
    overview's sections share one load.
    """
    from fiscal.errors import FiscalError

    dys = settings.dept_years()
    stamp = tuple((dy.key, max((p.stat().st_mtime_ns for p in
                                settings.dept_year_dir(dy).iterdir()), default=0))
                  for dy in dys)
    hit = _PANEL_CACHE.get(str(settings.data_dir))
    if hit is None or hit[0] != stamp:
        budgets, broken = [], {}
        for dy in dys:
            try:
                budgets.append(load_budget(dy.slug, dy.year, dy.kind, settings))
            except FiscalError as exc:  # one bad folder must not hide the others
                broken[dy.key] = str(exc)
        hit = (stamp, budgets, broken)
        _PANEL_CACHE[str(settings.data_dir)] = hit
    return hit[1], hit[2]


def sangong_panel(settings: Settings | None = None):
    """三公 totals across departments and years."""
    settings = settings or Settings.from_env()
    budgets, _ = _all_budgets(settings)
    s = measures.sangong(budgets)
    s = s[s["component"] == "三公经费"]
    if s.empty:
        return [note("数据目录中没有“三公”经费数字。")]
    names = {b.dept_year.slug: b.department for b in budgets}
    s = s.assign(department=s["slug"].map(names))
    wide = s.pivot_table(index="department", columns="year", values="amount_wan",
                         aggfunc="first").reset_index()
    cols = {"department": "部门", **{y: f"{y}年" for y in wide.columns[1:]}}
    out = []
    several = s.groupby("slug")["year"].nunique()
    multi = s[s["slug"].isin(several[several > 1].index)]
    if not multi.empty:
        out.append(plots.sangong_departments(multi.sort_values(["department", "year"])))
    out.append(HTML(table(wide, cols, {y: money for y in wide.columns[1:]})))
    return out
