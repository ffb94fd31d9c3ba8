"""fiscal.report: the seed's HTML report is self-contained, provenanced and reproducible.

The report of ``futian-sti/2018`` is built once per session (``seed_report`` in conftest, a
throw-away FISCAL_DATA / FISCAL_REPORTS) and read by every test here; one test rebuilds it
with a fresh kernel into another reports folder and compares bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fiscal import __version__
from fiscal.config import DeptYear, Settings
from fiscal.errors import UnknownDepartmentYearError
from fiscal.manifest import job_inputs
from fiscal.report import build, build_index

SEED_DY = DeptYear("futian-sti", 2018)


class Page(HTMLParser):
    """Every start tag with its attributes, the <title> text and the <style> text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self.style = ""
        self.footer = ""
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("title", "style", "footer"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        if "style" in self._in:
            self.style += data
        if "footer" in self._in:
            self.footer += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def csp_directives(content: str) -> dict[str, list[str]]:
    out = {}
    for part in content.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


@pytest.fixture(scope="module")
def html(seed_report: Path) -> str:
    return seed_report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


def test_report_is_written_where_settings_say(seed_report, seed_report_settings):
    assert seed_report == seed_report_settings.report_path(SEED_DY)
    assert seed_report == seed_report_settings.reports_dir / "futian-sti" / "2018.html"
    assert seed_report.is_file()


def test_title_names_department_year_and_kind(page, html):
    assert "深圳市福田区科技创新局" in page.title
    assert "2018" in page.title
    assert "预算" in page.title
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert '<meta charset="utf-8">' in html


def test_no_script_and_nothing_fetched_from_the_network(page, html):
    assert not page.all("script")
    assert "<script" not in html.lower()
    for tag in ("link", "iframe", "object", "embed", "base", "frame", "audio", "video"):
        assert not page.all(tag), tag
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "data", "poster", "background"):
            value = attrs.get(name, "").strip()
            if not value:
                continue
            assert not re.match(r"(?i)^(https?:)?//", value), (tag, name, value[:80])
            # only embedded data, in-page anchors or relative links
            assert re.match(r"(?i)^(data:|#|[^:/]+(/|$))", value), (tag, name, value[:80])
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
    css = page.style + " ".join(a.get("style", "") for _, a in page.tags)
    assert "@import" not in css
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert url.strip("'\" ").startswith("data:"), url
    assert "http://" not in html and "https://" not in html


def test_content_security_policy_forbids_the_network(page, html):
    metas = [m for m in page.all("meta")
             if m.get("http-equiv", "").lower() == "content-security-policy"]
    assert len(metas) == 1
    policy = csp_directives(metas[0]["content"])
    assert policy.get("default-src") == ["'none'"]
    allowed = {"'none'", "data:", "'unsafe-inline'"}
    for directive, sources in policy.items():
        assert set(sources) <= allowed, (directive, sources)
    # scripts fall back to default-src 'none'; images only as data: URLs
    assert "script-src" not in policy or policy["script-src"] == ["'none'"]
    assert policy.get("img-src") == ["data:"]
    # the policy is in <head> before anything that could load
    assert html.index("Content-Security-Policy") < html.index("<style>")
    assert html.index("Content-Security-Policy") < html.index("<body>")


def test_no_input_code_no_parameters_no_prompts(html):
    for text in ("view.show(", "from fiscal", "import ", "department =", "year = 2018",
                 'kind = "budget"', "injected-parameters", "Parameters", "In&nbsp;[",
                 "In [", "Out[", "jp-InputArea", "input_area", "cell-id="):
        assert text not in html, text


def test_no_stderr_traceback_or_glyph_warning_in_the_page(html):
    for text in ("output_stderr", "Traceback", "Glyph", "missing from font", "Warning",
                 "No description has been provided"):
        assert text not in html, text


def test_images_are_embedded_pngs_with_alt_text(page):
    imgs = page.all("img")
    assert len(imgs) >= 4  # growth, function, economic, special funds (and 三公)
    for img in imgs:
        src = img.get("src", "")
        assert src.startswith("data:image/png;base64,"), src[:60]
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        alt = img.get("alt", "").strip()
        assert alt, "an image without alt text"
        assert "No description" not in alt
    growth = [i["alt"] for i in imgs if i["alt"].startswith("比上年增减")]
    assert len(growth) == 1
    assert "+73.46%" in growth[0]


def test_headline_figures_are_in_the_page(html):
    assert "73.46%" in html
    assert "33,534.08" in html
    assert "19,332.80" in html
    assert "14,201.28" in html


def test_footer_states_provenance(page, seed_path, seed_report_settings):
    footer = page.footer
    assert "000_718dc356a2b2d93e.txt" in footer
    sha = hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert sha in footer
    assert __version__ == "0.1.0"
    assert f"fiscal {__version__}" in footer
    hashes = re.findall(r"\b[0-9a-f]{64}\b", footer)
    inputs = job_inputs(SEED_DY, seed_report_settings)
    assert inputs in hashes and inputs != sha


def test_css_has_a_cjk_font_stack(page):
    families = re.findall(r"font-family:\s*([^;}]+)", page.style)
    assert families
    stack = families[0]
    assert '"Noto Sans CJK SC"' in stack
    assert "sans-serif" in stack
    assert stack.index("Noto Sans CJK SC") < stack.index("sans-serif")


def test_report_is_smaller_than_one_megabyte(seed_report):
    assert seed_report.stat().st_size < 1_000_000


def test_build_leaves_no_temporary_file(seed_report):
    assert sorted(p.name for p in seed_report.parent.iterdir()) == ["2018.html"]


def test_rebuilding_gives_byte_identical_html(seed_report, seed_report_settings, tmp_path,
                                              monkeypatch):
    """A fresh kernel, another reports folder, the same inputs: the same bytes."""
    again = Settings(data_dir=seed_report_settings.data_dir, reports_dir=tmp_path / "reports")
    monkeypatch.setenv("FISCAL_DATA", str(again.data_dir))
    monkeypatch.setenv("FISCAL_REPORTS", str(again.reports_dir))
    out = build(SEED_DY, again)
    assert out == tmp_path / "reports" / "futian-sti" / "2018.html"
    assert out.read_bytes() == seed_report.read_bytes()


def test_build_index_links_the_report(seed_report, seed_report_settings, tmp_path, monkeypatch):
    s = Settings(data_dir=seed_report_settings.data_dir, reports_dir=tmp_path / "reports")
    monkeypatch.setenv("FISCAL_DATA", str(s.data_dir))
    monkeypatch.setenv("FISCAL_REPORTS", str(s.reports_dir))
    out = build_index(s)
    assert out == s.index_path == tmp_path / "reports" / "index.html"
    text = out.read_text(encoding="utf-8")
    index = Page(text)
    links = [a["href"] for a in index.all("a") if not a.get("href", "").startswith("#")]
    assert links == ["futian-sti/2018.html", "futian-sti/2018.html#coverage"]
    assert "深圳市福田区科技创新局" in text
    assert "+73.46%" in text
    # the index is as self-contained as a report
    assert not index.all("script")
    assert "http://" not in text and "https://" not in text
    assert any(m.get("http-equiv", "").lower() == "content-security-policy"
               for m in index.all("meta"))
    assert all(i.get("src", "").startswith("data:image/png;base64,") and i.get("alt")
               for i in index.all("img"))
    for text_ in ("view.show(", "injected-parameters", "status = {}", "output_stderr"):
        assert text_ not in text, text_


def test_unknown_department_year_fails_before_any_kernel(seed_report_settings):
    with pytest.raises(UnknownDepartmentYearError, match="futian-sti/1999"):
        build(DeptYear("futian-sti", 1999), seed_report_settings)


@pytest.mark.slow
def test_a_kernel_starts_with_the_report_stack_loaded_while_this_process_loads_its_own(
        seed_report_settings):
    """``meanwhile`` runs once, in this process, while the kernel imports: a batch worker
    loads papermill and nbconvert then, not in its first build."""
    from fiscal.report import start_kernel

    calls = []
    km = start_kernel(seed_report_settings, meanwhile=lambda: calls.append("loaded"))
    try:
        kc = km.blocking_client()
        kc.start_channels()
        reply = kc.execute_interactive(
            "import sys; print(sorted(m for m in ('fiscal.view', 'seaborn') if m in sys.modules))",
            output_hook=lambda msg: calls.append(msg["content"].get("text", "").strip())
            if msg["msg_type"] == "stream" else None, timeout=60)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert calls == ["loaded", "['fiscal.view', 'seaborn']"]


@pytest.mark.slow
def test_a_kernel_that_dies_in_a_cell_fails_the_run_instead_of_hanging(tmp_path):
    """A started kernel (a warm one, or a build's own) that dies while a cell runs (a crash,
    the out-of-memory killer): papermill's client of it must see it and raise
    DeadKernelError. With a blocking client it waited for the cell's output forever (the
    check that the kernel is alive runs in the same event loop), so a batch hung."""
    import subprocess
    import sys

    script = """
import nbformat, papermill
from fiscal.config import Settings
from fiscal.report import start_kernel
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)"),
                                     nbformat.v4.new_code_cell("import os; os._exit(70)")])
nbformat.write(nb, "crash.ipynb")
km = start_kernel(Settings())
try:
    papermill.execute_notebook("crash.ipynb", None, km=km, kernel_name="python3",
                               progress_bar=False)
except Exception as exc:
    print(type(exc).__name__)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "DeadKernelError", done.stderr[-2000:]
