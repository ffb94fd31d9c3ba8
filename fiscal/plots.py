"""Charts (seaborn on matplotlib's Agg), rendered to PNG bytes with alt text.

The CJK font is set up here and only here: Noto Sans CJK SC from the
``noto-cjk-sans-otc`` package (SIL Open Font License) that the locked
environment installs, so Chinese labels and the minus sign render the same on
every machine. Figures are drawn with the Agg canvas directly and returned as
PNG bytes, so a kernel whose MPLBACKEND is Agg still shows them, and the same
frame gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from fiscal.money import fmt

FONT_FAMILY = "Noto Sans CJK SC"
DPI = 96
PALETTE = ["#2f6690", "#d1495b", "#edae49", "#66a182", "#8d6a9f", "#00798c", "#6c757d"]
_ready = False


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes and the alt text that describes it."""

    png: bytes
    alt: str

    def _repr_png_(self):
        return self.png, {"alt": self.alt}


def setup_fonts() -> str:
    """Register the packaged Noto Sans CJK font with matplotlib; return its family name."""
    global _ready
    if _ready:
        return FONT_FAMILY
    import matplotlib  # lazy: matplotlib and seaborn cost ~1 s; only a chart needs them
    import seaborn as sns
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    font_manager.fontManager.addfont(str(FONT_PATH))
    sns.set_theme(style="whitegrid", font=FONT_FAMILY)
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
        "axes.unicode_minus": True,
        "svg.hashsalt": "fiscal",
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
    })
    _ready = True
    return FONT_FAMILY


#: How many charts a process keeps (:func:`_reused`): a kernel that builds many reports
#: draws a chart that is the same as one it drew before only once.
KEEP = 64
_DRAWN: OrderedDict[bytes, Chart] = OrderedDict()


def _reused(draw):
    """Draw a chart once per process for the same data: a department's 三公 trend is the same
    in the report of each of its years; the same frame, arguments and matplotlib style give
    the same bytes, so the PNG is kept (the last ``KEEP``) and handed out again. A frame is
    known by its pickled content, the style by its rcParams; what does not pickle is simply
    drawn."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Chart:
        import matplotlib  # lazy: as below; the style in force is part of the chart

        setup_fonts()
        try:
            key = hashlib.sha256(pickle.dumps((draw.__name__, args, sorted(kwargs.items())),
                                              protocol=5)).digest()
        except Exception:  # noqa: BLE001 - an argument that does not pickle: no reuse
            return draw(*args, **kwargs)
        key += hashlib.sha256(repr(sorted(matplotlib.rcParams.items())).encode()).digest()
        if key in _DRAWN:
            _DRAWN.move_to_end(key)
            return _DRAWN[key]
        chart = _DRAWN[key] = draw(*args, **kwargs)
        if len(_DRAWN) > KEEP:
            _DRAWN.popitem(last=False)
        return chart

    return wrapper


def warm() -> None:
    """Draw a small chart with Chinese text and throw it away: loads the font's glyphs and
    the drawing code once, when a kernel starts, not in its first report."""
    df = pd.DataFrame({"name": ["一般公共服务支出"], "amount_wan": [Decimal("1.00")]})
    bars.__wrapped__(df, "name", "amount_wan", "预热")


def _figure(width: float, height: float):
    setup_fonts()
    from matplotlib.figure import Figure  # lazy: matplotlib, only when drawing

    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, fig.add_subplot()


def _render(fig, alt: str) -> Chart:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: as above

    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        # where labels leave no room to tighten, the chart keeps matplotlib's own margins:
        # said on stderr, it would be printed in the page (with this file's path)
        warnings.filterwarnings("ignore", "Tight layout not applied", UserWarning)
        fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return Chart(png=buf.getvalue(), alt=alt)


def _short(label: str, room: int = 14) -> str:
    """A panel's title in ``room`` characters: a long name is cut (…), but not the
    ``（slug）`` that tells apart departments of the same name."""
    if len(label) <= room:
        return label
    name, sep, tag = label.rpartition("（")
    if sep and tag.endswith("）") and len(tag) + 3 <= room:
        return name[:room - len(tag) - 2] + "…（" + tag
    return label[:room - 1] + "…"


def _f(values) -> list[float]:
    """Decimals to floats, for drawing only (never compared)."""
    return [float(Decimal(v)) for v in values]


@_reused
def bars(df: pd.DataFrame, label: str, value: str, title: str, unit: str = "万元",
         share: str | None = None) -> Chart:
    """Sorted horizontal bars, largest on top, each labelled with its amount (and share)."""
    import seaborn as sns  # lazy: seaborn, only when drawing

    df = df.sort_values(value, ascending=False, kind="stable")
    fig, ax = _figure(8, 0.9 + 0.42 * len(df))
    positions = list(range(len(df)))
    ax.barh(positions, _f(df[value]), color=PALETTE[0], height=0.7)
    ax.set_yticks(positions, list(df[label]))
    ax.invert_yaxis()
    sns.despine(ax=ax, left=True)
    texts = []
    for _, r in df.iterrows():
        t = fmt(r[value])
        if share is not None and r[share] is not None:
            t += f"（{r[share]}%）"
        texts.append(t)
    for i, t in enumerate(texts):
        ax.text(float(df[value].iloc[i]), i, " " + t, va="center", fontsize=9)
    ax.set_title(title)
    ax.set_xlabel(unit)
    ax.set_ylabel("")
    ax.margins(x=0.25)
    items = "；".join(f"{n} {t}" for n, t in zip(df[label], texts, strict=True))
    return _render(fig, f"{title}（{unit}）：{items}")


@_reused
def growth_bars(g: pd.DataFrame, title: str = "比上年增减（%）") -> Chart:
    """Change on the prior year in %, one bar per figure the narrative compares."""
    import seaborn as sns  # lazy: seaborn, only when drawing

    g = g[g["change_pct"].notna()]
    fig, ax = _figure(8, 1.0 + 0.5 * len(g))
    values = _f(g["change_pct"])
    colors = [PALETTE[1] if v < 0 else PALETTE[0] for v in values]
    sns.barplot(x=values, y=list(g["subject"]), hue=list(g["subject"]), palette=colors,
                legend=False, ax=ax, orient="h")
    labels = [f"{r.change_pct:+}%（{fmt(r.prior_wan)} → {fmt(r.current_wan)}）"
              for r in g.itertuples()]
    for i, (v, t) in enumerate(zip(values, labels, strict=True)):
        ax.text(v, i, (" " + t) if v >= 0 else (t + " "), va="center",
                ha="left" if v >= 0 else "right", fontsize=9)
    ax.axvline(0, color="#333333", linewidth=0.8)
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.9 * span if lo < 0 else -0.05 * span, hi + 0.9 * span)
    ax.set_xlabel("%")
    ax.set_ylabel("")
    ax.set_title(title)
    parts = [f"{r.subject} {fmt(r.prior_wan)} → {fmt(r.current_wan)} 万元，"
             f"{r.change_pct:+}%" for r in g.itertuples()]
    return _render(fig, f"{title}：" + "；".join(parts))


@_reused
def sangong_trend(s: pd.DataFrame, title: str = "“三公”经费变化") -> Chart:
    """三公 total and components across the years available, one line each."""
    import seaborn as sns  # lazy: seaborn, only when drawing

    s = s[s["component"].isin(["三公经费", "因公出国（境）费", "公务接待费",
                                 "公务用车购置及运行维护费"])].copy()
    s["年度"] = s["year"].astype(int)
    s["金额"] = _f(s["amount_wan"])
    fig, ax = _figure(8, 4.2)
    order = [c for c in ("三公经费", "因公出国（境）费", "公务接待费", "公务用车购置及运行维护费")
             if c in set(s["component"])]
    sns.lineplot(data=s, x="年度", y="金额", hue="component", marker="o", ax=ax,
                 palette=PALETTE[:len(order)], hue_order=order)
    years = sorted(s["年度"].unique())
    ax.set_xticks(years, [f"{y}年" for y in years])
    ax.set_ylabel("万元")
    ax.set_xlabel("")
    ax.set_title(title)
    ax.legend(title="", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    parts = []
    for comp, grp in s.groupby("component", sort=False):
        parts.append(comp + " " + "，".join(f"{y}年 {fmt(v)}"
                                            for y, v in zip(grp["year"], grp["amount_wan"],
                                                            strict=True)))
    return _render(fig, f"{title}（万元）：" + "；".join(parts))


@_reused
def sangong_departments(s: pd.DataFrame, title: str = "各部门“三公”经费") -> Chart:
    """三公 totals of the departments with more than one year: one small panel each, with
    its own scale (departments differ by a thousand times)."""
    setup_fonts()
    from matplotlib.figure import Figure  # lazy: matplotlib, only when drawing

    deps = sorted(set(s["department"]))
    cols = min(3, len(deps))
    rows = (len(deps) + cols - 1) // cols
    fig = Figure(figsize=(8, 2.6 * rows), dpi=DPI)
    axes = fig.subplots(rows, cols, squeeze=False)
    parts = []
    for ax, dep in zip(axes.flat, deps, strict=False):
        grp = s[s["department"] == dep].sort_values("year")
        years = [f"{int(y)}年" for y in grp["year"]]
        ax.bar(years, _f(grp["amount_wan"]), color=PALETTE[0], width=0.6)
        for i, v in enumerate(grp["amount_wan"]):
            ax.text(i, float(v), fmt(v), ha="center", va="bottom", fontsize=8)
        ax.set_title(_short(dep), fontsize=9)
        ax.margins(y=0.2)
        ax.tick_params(labelsize=8)
        parts.append(dep + " " + "，".join(f"{y} {fmt(v)}" for y, v in
                                           zip(years, grp["amount_wan"], strict=True)))
    for ax in list(axes.flat)[len(deps):]:
        ax.set_visible(False)
    fig.suptitle(f"{title}（万元）")
    return _render(fig, f"{title}（万元）：" + "；".join(parts))
