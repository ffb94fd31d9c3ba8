"""fiscal.plots: Chinese labels and minus signs render with no warning, bytes are stable.

A missing CJK glyph is only a matplotlib warning ("Glyph 31185 (…) missing from font(s)
DejaVu Sans"), and in a notebook it lands in the report as stderr text. So every chart is
drawn here with warnings turned into errors, and one test proves the detector: with the
packaged Noto Sans CJK font taken out of the font list, the same chart DOES warn.
"""

from __future__ import annotations

import importlib.metadata
import logging
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager

from fiscal import measures, plots
from fiscal.load import load_budget

D = Decimal
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------
# Frames: Chinese labels, negative numbers
# ---------------------------------------------------------------------------

def bars_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["科学技术支出", "社会保障和就业支出", "冲减以前年度多列支出"],
        "amount_wan": [D("28425.71"), D("5108.36"), D("-12.50")],
        "share_pct": [D("84.77"), D("15.23"), D("-0.04")],
    })


def growth_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "subject": ["收支总计", "三公经费", "公务接待费", "机关运行经费"],
        "prior_wan": [D("19332.80"), D("9.9"), D("6.0"), D("30")],
        "current_wan": [D("33534.08"), D("9.4"), D("5.5"), D("29")],
        "change_wan": [D("14201.28"), D("-0.5"), D("-0.5"), D("-1")],
        "change_pct": [D("73.46"), D("-5.05"), D("-8.33"), D("-3.33")],
    })


COMPONENTS = ("三公经费", "因公出国（境）费", "公务接待费", "公务用车购置及运行维护费")


def sangong_frame() -> pd.DataFrame:
    rows = []
    for year, values in ((2016, ("10.2", "0", "6.3", "3.9")), (2017, ("9.9", "0", "6.0", "3.9")),
                         (2018, ("9.4", "0", "5.5", "3.9"))):
        for comp, v in zip(COMPONENTS, values, strict=True):
            rows.append({"slug": "futian-sti", "year": year, "component": comp,
                         "amount_wan": D(v), "source": "正文"})
    return pd.DataFrame(rows)


CHARTS = {
    "bars": lambda: plots.bars(bars_frame(), "name", "amount_wan", "一般公共预算支出按功能科目",
                               share="share_pct"),
    "bars_no_share": lambda: plots.bars(bars_frame(), "name", "amount_wan", "支出（负数）"),
    "growth_bars": lambda: plots.growth_bars(growth_frame()),
    "growth_bars_all_negative": lambda: plots.growth_bars(growth_frame().iloc[1:]),
    "sangong_trend": lambda: plots.sangong_trend(sangong_frame()),
}


@pytest.fixture(scope="module")
def seed(committed_settings):
    return load_budget("futian-sti", 2018, settings=committed_settings)


def seed_charts(b) -> dict:
    """Every chart the report draws for the seed."""
    return {
        "growth": plots.growth_bars(measures.growth(b)),
        "function": plots.bars(measures.function_structure(b, 2), "name", "amount_wan",
                               "一般公共预算支出按功能科目", share="share_pct"),
        "economic": plots.bars(measures.economic_structure(b), "name", "amount_wan",
                               "基本支出按经济科目", share="share_pct"),
        "special": plots.bars(measures.parts_of(b, "产业发展专项资金"), "name", "amount_wan",
                              "区产业发展专项资金各项", share="share_pct"),
        "sangong": plots.sangong_trend(measures.sangong(b)),
    }


# ---------------------------------------------------------------------------
# The font
# ---------------------------------------------------------------------------

def test_the_cjk_font_is_the_packaged_ofl_noto_sans_cjk():
    import noto_cjk_sans_otc

    assert plots.setup_fonts() == plots.FONT_FAMILY == "Noto Sans CJK SC"
    package_dir = Path(noto_cjk_sans_otc.__file__).resolve().parent
    found = Path(font_manager.findfont(font_manager.FontProperties(family=plots.FONT_FAMILY),
                                       fallback_to_default=False)).resolve()
    assert found.is_relative_to(package_dir), found
    # the family that charts use (font.family sans-serif) resolves to the same file
    assert matplotlib.rcParams["font.sans-serif"][0] == plots.FONT_FAMILY
    first = Path(font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                       fallback_to_default=False)).resolve()
    assert first.is_relative_to(package_dir), first
    registered = [Path(f.fname).resolve() for f in font_manager.fontManager.ttflist
                  if f.name == plots.FONT_FAMILY]
    assert registered and all(p.is_relative_to(package_dir) for p in registered)
    meta = importlib.metadata.metadata("noto-cjk-sans-otc")
    assert "OFL" in (meta.get("License-Expression") or meta.get("License") or "")


def test_setup_fonts_is_idempotent():
    before = len(font_manager.fontManager.ttflist)
    plots.setup_fonts()
    plots.setup_fonts()
    assert len(font_manager.fontManager.ttflist) == before
    assert matplotlib.rcParams["axes.unicode_minus"] is True


# ---------------------------------------------------------------------------
# No warnings with the font, warnings without it
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_renders_chinese_and_minus_with_no_warning(name, recwarn, caplog):
    plots.setup_fonts()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning (a missing glyph included) fails
        chart = CHARTS[name]()
    assert chart.png.startswith(PNG_MAGIC)
    # and once more with warnings recorded, none of them about glyphs or fonts
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        CHARTS[name]()
    glyphs = [str(w.message) for w in recwarn if "Glyph" in str(w.message)]
    assert glyphs == []
    assert not [r for r in caplog.records if "font" in r.getMessage().lower()]


def test_every_seed_chart_renders_with_no_warning(seed, recwarn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts = seed_charts(seed)
    assert all(c.png.startswith(PNG_MAGIC) for c in charts.values())
    assert [str(w.message) for w in recwarn if "Glyph" in str(w.message)] == []


def test_without_the_cjk_font_a_chinese_label_warns_glyph_missing():
    """The detector works: take Noto Sans CJK out of the list and DejaVu Sans misses glyphs."""
    plots.setup_fonts()  # so that _figure() does not reset rcParams inside the context
    no_cjk = {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}
    glyph_missing = pytest.warns(UserWarning, match=r"Glyph \d+ .* missing from font")
    with matplotlib.rc_context(no_cjk), glyph_missing:
        CHARTS["bars"]()
    # and the font list is back: no warning again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CHARTS["bars"]()


def test_a_fresh_interpreter_without_setup_fonts_warns_glyph_missing():
    """matplotlib alone (no plots.setup_fonts) has no CJK glyphs on this machine."""
    code = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "from matplotlib.figure import Figure\n"
        "from matplotlib.backends.backend_agg import FigureCanvasAgg\n"
        "import io\n"
        "fig = Figure(); FigureCanvasAgg(fig); ax = fig.add_subplot()\n"
        "ax.set_title('一般公共预算支出'); ax.plot([-1, 1])\n"
        "fig.savefig(io.BytesIO(), format='png')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    assert "Glyph" in done.stderr and "missing from font" in done.stderr, done.stderr


# ---------------------------------------------------------------------------
# Bytes and alt text
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_is_deterministic(name):
    a, b = CHARTS[name](), CHARTS[name]()
    assert a.png == b.png
    assert a.alt == b.alt


def test_png_carries_no_software_or_date_metadata():
    png = CHARTS["growth_bars"]().png
    assert b"Software" not in png
    assert b"Creation Time" not in png and b"CreationDate" not in png


def test_seed_charts_are_deterministic(seed):
    one, two = seed_charts(seed), seed_charts(seed)
    assert {k: c.png for k, c in one.items()} == {k: c.png for k, c in two.items()}


def test_growth_alt_text_states_the_figures(seed):
    alt = plots.growth_bars(measures.growth(seed)).alt
    assert alt.startswith("比上年增减（%）：")
    assert "收支总计 19,332.80 → 33,534.08 万元，+73.46%" in alt
    assert "三公经费 9.9 → 9.4 万元，-5.05%" in alt
    assert "机关运行经费 30 → 29 万元，-3.33%" in alt


def test_bars_alt_text_states_amounts_and_shares(seed):
    chart = plots.bars(measures.function_structure(seed, 1), "name", "amount_wan",
                       "一般公共预算支出按功能科目", share="share_pct")
    assert chart.alt == ("一般公共预算支出按功能科目（万元）：科学技术支出 28,425.71（84.77%）；"
                         "社会保障和就业支出 5,108.36（15.23%）")


def test_bars_alt_text_keeps_negative_amounts():
    alt = CHARTS["bars"]().alt
    assert "冲减以前年度多列支出 -12.50（-0.04%）" in alt
    # largest first
    assert alt.index("科学技术支出") < alt.index("社会保障和就业支出") < alt.index("冲减")


def test_sangong_alt_text_lists_every_year(seed):
    alt = plots.sangong_trend(measures.sangong(seed)).alt
    assert "三公经费 2017年 9.9，2018年 9.4" in alt
    assert "公务接待费 2017年 6.0，2018年 5.5" in alt
    assert "因公出国（境）费" in alt


def test_chart_repr_png_carries_the_alt_text():
    chart = CHARTS["growth_bars"]()
    data, meta = chart._repr_png_()
    assert data == chart.png
    assert meta == {"alt": chart.alt}
    assert chart.alt


@pytest.mark.parametrize(("value", "text"), [
    ("33534.08", "33,534.08"), ("26380", "26,380"), ("-12.5", "-12.5"), ("0", "0"),
    ("19332.80", "19,332.80"),
])
def test_bar_labels_keep_printed_precision_with_thousands_commas(value, text):
    frame = pd.DataFrame({"name": ["科学技术支出"], "amount_wan": [D(value)]})
    chart = plots.bars(frame, "name", "amount_wan", "支出")
    assert chart.alt == f"支出（万元）：科学技术支出 {text}"


# ---------------------------------------------------------------------------
# A chart drawn once per process for the same data and style
# ---------------------------------------------------------------------------

def test_the_same_chart_is_drawn_once_and_a_changed_one_again(monkeypatch):
    """A department's 三公 trend is the same chart in the report of each of its years: a
    kernel draws it once. A changed figure or style is drawn anew."""
    drawn = []
    render = plots._render
    monkeypatch.setattr(plots, "_render", lambda fig, alt: drawn.append(alt) or render(fig, alt))
    plots._DRAWN.clear()
    first = plots.bars(bars_frame(), "name", "amount_wan", "支出", share="share_pct")
    again = plots.bars(bars_frame(), "name", "amount_wan", "支出", share="share_pct")
    assert again is first and len(drawn) == 1
    changed = bars_frame()
    changed.loc[0, "amount_wan"] = D("28425.72")
    assert "28,425.72" in plots.bars(changed, "name", "amount_wan", "支出", share="share_pct").alt
    with matplotlib.rc_context({"axes.titlesize": 20}):
        styled = plots.bars(bars_frame(), "name", "amount_wan", "支出", share="share_pct")
    assert len(drawn) == 3 and styled.png != first.png


def test_charts_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(plots, "KEEP", 2)
    plots._DRAWN.clear()
    for n in range(4):
        plots.growth_bars(pd.DataFrame({
            "subject": ["收支总计"], "prior_wan": [D("100")], "current_wan": [D(100 + n)],
            "change_pct": [D(n)]}))
    assert len(plots._DRAWN) == 2
