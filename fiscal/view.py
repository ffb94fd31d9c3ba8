"""What the report notebooks display: one call per section, HTML and charts.

The HTML is ``fiscal/templates/view.html.j2``, one macro per fragment, rendered with
autoescape: every text that comes from a source document (names, labels, sentences) is
escaped there, so a hostile disclosure cannot inject markup into a report. This module
picks the figures; the templates write the markup. A section whose data the disclosure
does not print says so in a sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pandas as pd
from IPython.display import Image, display

from fiscal import __version__, measures, plots, results
from fiscal import coverage as ledger
from fiscal.checks import FINDING_COLUMNS, SEVERITIES, rule_name
from fiscal.config import KIND_LABELS, DeptYear, Settings
from fiscal.errors import FiscalError
from fiscal.load import Budget, load_budget
from fiscal.money import fmt
from fiscal.render import Markup, macros, percent

__all__ = ["budget", "claims", "coverage", "findings", "growth", "headline", "index",
           "provenance", "sangong", "sangong_panel", "show", "structure"]

_TAGS = re.compile(r"<[^>]+>")


class HTML:
    """A block of trusted HTML (a rendered template)."""

    def __init__(self, body: str) -> None:
        self.body = str(body)

    def _repr_html_(self) -> str:
        return self.body

    def __repr__(self) -> str:  # plain text for consoles and nbval
        return _TAGS.sub("", self.body).strip()


def _m():
    """The macros of ``view.html.j2``."""
    return macros("view.html.j2")


def table(df: pd.DataFrame, columns: dict[str, str], formats: dict | None = None) -> Markup:
    """An escaped HTML table of selected columns with Chinese headers; ``formats`` maps a
    column to the function that writes its values (``fmt``, ``percent``)."""
    formats = formats or {}
    rows = [[(formats[col](r[col]) if col in formats else r[col],
              isinstance(r[col], (int, Decimal)) and not isinstance(r[col], bool))
             for col in columns] for _, r in df.iterrows()]
    return _m().table(list(columns.values()), rows)


def note(text: str) -> HTML:
    """A sentence in the muted style (what a section does not have)."""
    return HTML(_m().note(text))


def show(*items) -> None:
    """Display charts and HTML blocks in order (in a notebook)."""
    for item in items:
        if isinstance(item, plots.Chart):
            display(Image(data=item.png, format="png"),
                    metadata={"image/png": {"alt": item.alt}})
        else:
            display(item)


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

def budget(department: str, year: int, kind: str = "budget") -> Budget:
    """Load the department-year a report is about, with its department's results (stored
    beside the reports when current, else computed: :mod:`fiscal.results`)."""
    settings = Settings.from_env()
    b = load_budget(department, int(year), kind, settings)
    _Results.put(b, results.department(b.dept_year.slug, settings))
    return b


def headline(b: Budget) -> HTML:
    """Title and the headline figures."""
    return HTML(_m().headline(b.department, b.year, KIND_LABELS[b.kind], _own(b).headline))


class _Results:
    """The results of the budget shown last and of its department's other years: a report's
    sections share one check.

    One slot, keyed by identity (a Budget is not hashable); it holds the budget, so the
    identity cannot be reused while cached. A budget that :func:`budget` did not load (one
    changed in memory, or read from a source file) is checked as it is, with its
    department's other years from the data folder.
    """

    budget: Budget | None = None
    department: dict[str, results.Results] = {}

    @classmethod
    def put(cls, b: Budget, department: dict[str, results.Results]) -> None:
        cls.budget, cls.department = b, department

    @classmethod
    def of(cls, b: Budget) -> dict[str, results.Results]:
        """Every department-year of ``b``'s department, ``b``'s own as checked here."""
        if cls.budget is not b:
            cls.put(b, results.department(b.dept_year.slug, Settings.from_env(), budget=b))
        return cls.department


def _own(b: Budget) -> results.Results:
    return _Results.of(b)[b.dept_year.key]


SEVERITY_WORDS = {"error": "错误", "review": "待人工复核", "rounding": "舍入差异",
                  "warning": "提示"}


def findings(b: Budget) -> HTML:
    """The check findings, errors first."""
    f = _own(b).findings
    if f.empty:
        return HTML(_m().all_clear())
    counts = {s: int((f["severity"] == s).sum()) for s in SEVERITIES}
    summary = "，".join(f"{SEVERITY_WORDS[s]} {n} 项" for s, n in counts.items() if n)
    verdict = ("发现超出舍入误差的不一致。" if counts["error"]
               else "未发现超出舍入误差的不一致；下列差异均可由印刷数字的舍入解释。"
               if not counts["review"] else "未发现确定的错误；“待人工复核”各项系对原文结构"
               "的推断读取后不一致，请对照原文核对。")
    # the rule's Chinese name from the registry (docs/rules.md), not its bare id
    f = f.assign(severity=f["severity"].map(SEVERITY_WORDS), rule=f["rule"].map(rule_name))
    body = table(f, {"severity": "级别", "rule": "规则", "table": "表", "item": "项目",
                     "expected": "应为", "actual": "所列", "difference": "差额",
                     "message": "说明", "source_line": "原文行"},
                 {"expected": fmt, "actual": fmt, "difference": fmt})
    return HTML(_m().findings(summary, verdict, body))


STATUS_WORDS = {"applies": "适用", "not applicable": "不适用", "could not check": "无法核对"}


def coverage(b: Budget) -> HTML:
    """核对范围: what every rule could check (the coverage ledger), in one line and a table."""
    own = _own(b)
    cov = own.coverage
    rows = [{"name": r["name"] + ("（核心）" if r["core"] else ""),
             "status": STATUS_WORDS[r["status"]], "reason": r["reason"],
             **{c: int(r[c]) for c in ("relations", "holds", "rounding", "review", "error",
                                       "warning")}}
            for r in cov.to_dict("records")]
    body = table(pd.DataFrame(rows), {
        "name": "规则", "status": "状态", "relations": "关系", "holds": "一致",
        "rounding": "舍入", "review": "待复核", "error": "错误", "warning": "提示",
        "reason": "不适用原因"})
    state, detail = ledger.state(cov, int((own.findings["severity"] == "error").sum()))
    core = [r["name"] for r in cov[cov["core"]].to_dict("records")]
    counted = own.numbers
    if counted is None:
        line, odd = "原文为 PDF：逐个数字的清点只对文本原文进行", None
    else:
        line = ledger.numbers_line(*counted)
        unexplained = counted[1][counted[1]["reason"] == "unexplained"]
        odd = (table(unexplained, {"line": "原文行", "number": "数字"})
               if len(unexplained) else None)
    return HTML(_m().coverage(ledger.summary(cov), state, detail, core, body, line, odd,
                              0 if odd is None else len(unexplained)))


def growth(b: Budget):
    """Growth against the prior year: a chart and a table."""
    g = measures.growth(b)
    if g.empty:
        return [note("本文件未列示与上年的对比数。")]
    t = table(g, {"subject": "项目", "prior_wan": "上年（万元）", "current_wan": "本年（万元）",
                  "change_wan": "增减（万元）", "change_pct": "增减率", "stated_pct": "文件所列",
                  "prior_source": "上年数来源"},
              {"prior_wan": fmt, "current_wan": fmt, "change_wan": fmt,
               "change_pct": percent, "stated_pct": percent})
    out = []
    if g["change_pct"].notna().any():
        out.append(plots.growth_bars(g))
    out.append(HTML(t))
    return out


def structure(b: Budget):
    """Spending structure: function 类/款, economic class, basic vs project, special funds."""
    m = _m()
    out = []
    fs = measures.function_structure(b, 2)
    if fs.empty:
        fs = measures.function_structure(b, 1)
    if not fs.empty:
        out.append(plots.bars(fs, "name", "amount_wan", "一般公共预算支出按功能科目",
                              share="share_pct"))
        out.append(HTML(m.concentration(measures.concentration(fs))))
    bp = measures.basic_project(b)
    if not bp.empty:
        out.append(HTML(m.basic_project(bp.to_dict("records"))))
    es = measures.economic_structure(b)
    if not es.empty:
        out.append(plots.bars(es, "name", "amount_wan", "基本支出按经济科目", share="share_pct"))
    sf = measures.parts_of(b, "产业发展专项资金")
    if not sf.empty:
        out.append(plots.bars(sf, "name", "amount_wan", "区产业发展专项资金各项",
                              share="share_pct"))
        out.append(HTML(m.special_funds(len(sf), sum(sf["amount_wan"]),
                                        measures.concentration(sf))))
    per = measures.per_staff(b)
    if not per.empty:
        out.append(HTML(m.per_staff(per.iloc[0].to_dict())))
    return out or [note("本文件未公开支出结构表。")]


def sangong(b: Budget, settings: Settings | None = None):
    """The 三公 trend over every year of this department in the data folder (of this kind)."""
    dept = _Results.of(b)
    same = sorted((DeptYear.parse(k).year, k) for k in dept if DeptYear.parse(k).kind == b.kind)
    s = measures.sangong_of([dept[k].sangong for _, k in same])
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
    out.append(HTML(table(wide, cols, {y: fmt for y in wide.columns[1:]})))
    derived = s[~s["source"].isin(["表九", "正文"])]
    if not derived.empty:
        out.append(HTML(_m().sangong_derived(derived.to_dict("records"))))
    oo = measures.office_operation(b)
    if not oo.empty:
        out.append(HTML(_m().office_operation(oo.iloc[0].to_dict())))
    return out


CLAIM_STATUS = {"error": "不一致", "review": "待复核", "rounding": "舍入差异",
                "warning": "未找到"}


def claims(b: Budget) -> HTML:
    """Figures stated by the narrative next to the table cells they refer to."""
    cl = b.claims
    if cl.empty:
        return note("本文件正文未列示数字。")
    refs = cl[(cl["table"] != "") & (cl["role"] == "amount") & (cl["unit"] == "万元")].copy()
    if refs.empty:
        return note("正文数字未对应到表格单元格。")
    f = _own(b).findings
    f = f[f["rule"] == "claim_table"][FINDING_COLUMNS] if not f.empty else f
    flagged = dict(zip(zip(f["item"], f["source_line"], strict=True), f["severity"],
                       strict=True)) if not f.empty else {}
    refs["cell"] = refs["table"] + " " + refs["item"].where(refs["item"] != "", "")
    refs["status"] = [CLAIM_STATUS.get(flagged.get((s, line), ""), "一致")
                      for s, line in zip(refs["subject"], refs["source_line"], strict=True)]
    body = table(refs, {"subject": "正文项目", "value": "正文（万元）", "cell": "对应表格",
                        "status": "核对", "source_line": "原文行"}, {"value": fmt})
    return HTML(_m().claims(len(cl), len(refs), body))


def provenance(b: Budget) -> HTML:
    """Where the figures come from."""
    return HTML(_m().provenance(b.meta, __version__))


# ---------------------------------------------------------------------------
# Overview of every department-year
# ---------------------------------------------------------------------------

def index(settings: Settings | None = None, status: dict[str, str] | None = None) -> HTML:
    """Every department-year with headline figures, check status and a link to its report
    (from each department's results: stored beside the reports, else computed)."""
    settings = settings or Settings.from_env()
    status = status or {}
    rows = []
    found, broken = _all_results(settings)
    for key, message in broken.items():
        dy = DeptYear.parse(key)
        rows.append({"key": key, "department": dy.slug, "year": dy.year,
                     "kind": KIND_LABELS[dy.kind], "total": None, "change": None,
                     "errors": None, "rounding": 0, "review": 0, "state": "未核对",
                     "detail": "无法读取",
                     "report": status.get(key, "") or f"无法读取：{message}"})
    for key, res in found.items():
        dy = DeptYear.parse(key)
        h, f = res.headline, res.findings
        errors = int((f["severity"] == "error").sum()) if len(f) else 0
        state, detail = ledger.state(res.coverage, errors)
        rows.append({"key": key, "department": h["department"], "year": dy.year,
                     "kind": KIND_LABELS[dy.kind], "total": h["total_wan"],
                     "change": h["change_pct"], "errors": errors,
                     "rounding": int((f["severity"] == "rounding").sum()) if len(f) else 0,
                     "review": int((f["severity"] == "review").sum()) if len(f) else 0,
                     "state": state, "detail": detail, "report": status.get(key, "")})
    if not rows:
        return note("数据目录中没有部门年度。")
    rows.sort(key=lambda r: (r["department"], r["year"], r["kind"]))
    return HTML(_m().index(rows))


_CACHE: dict[str, tuple[tuple, dict[str, results.Results], dict[str, str]]] = {}


def _all_results(settings: Settings) -> tuple[dict[str, results.Results], dict[str, str]]:
    """The results of every department-year that loads (by key, in key order), and the
    message of each that does not.

    Read once per kernel while no file of the data folder changes, so that the overview's
    sections share one read.
    """
    dys = settings.dept_years()
    stamp = tuple((dy.key, max((p.stat().st_mtime_ns for p in
                                settings.dept_year_dir(dy).iterdir()), default=0))
                  for dy in dys)
    hit = _CACHE.get(str(settings.data_dir))
    if hit is None or hit[0] != stamp:
        found: dict[str, results.Results] = {}
        for slug in sorted({dy.slug for dy in dys}):
            found.update(results.department(slug, settings))
        broken = {}
        for dy in dys:
            if dy.key not in found:  # it does not load: say why (the others are shown)
                try:
                    load_budget(dy.slug, dy.year, dy.kind, settings)
                except FiscalError as exc:
                    broken[dy.key] = str(exc)
        hit = (stamp, {dy.key: found[dy.key] for dy in dys if dy.key in found}, broken)
        _CACHE[str(settings.data_dir)] = hit
    return hit[1], hit[2]


def _labels(names: dict[str, str]) -> dict[str, str]:
    """Each department's label in the overview: its name, or, where departments share a
    name (another district's 财政局, a copied folder), the name and its slug, so that
    none is merged into another's row or chart."""
    shared = {n for n, count in Counter(names.values()).items() if count > 1}
    return {slug: f"{name}（{slug}）" if name in shared else name
            for slug, name in names.items()}


def sangong_panel(settings: Settings | None = None):
    """三公 totals across departments and years."""
    settings = settings or Settings.from_env()
    found, _ = _all_results(settings)
    s = measures.sangong_of([res.sangong for res in found.values()])
    s = s[s["component"] == "三公经费"]
    if s.empty:
        return [note("数据目录中没有“三公”经费数字。")]
    names = {DeptYear.parse(k).slug: res.headline["department"] for k, res in found.items()}
    s = s.assign(department=s["slug"].map(_labels(names)))
    wide = s.pivot_table(index="department", columns="year", values="amount_wan",
                         aggfunc="first").reset_index()
    cols = {"department": "部门", **{y: f"{y}年" for y in wide.columns[1:]}}
    out = []
    several = s.groupby("slug")["year"].nunique()
    multi = s[s["slug"].isin(several[several > 1].index)]
    if not multi.empty:
        out.append(plots.sangong_departments(multi.sort_values(["department", "year"])))
    out.append(HTML(table(wide, cols, {y: fmt for y in wide.columns[1:]})))
    return out
