"""The seed report in a real browser (headless Chromium), and hostile input rendered as text.

Chromium loads ``file://…/futian-sti/2018.html`` with its console logged to stderr and a
network log: the page must log nothing, request nothing over the network, show its Chinese
title, and paint a non-blank screenshot. Probe pages with an external image and a failing
script prove that the console and network detectors do see such things.

A department-year whose department name and claims carry ``<script>`` and ``onerror=``
payloads is built for real: the HTML must carry them as text (checked without a browser)
and, in Chromium, nothing of them may run.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import copy_dept_year

from fiscal.config import DeptYear, Settings
from fiscal.report import build

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r":CONSOLE[:(\]]|Uncaught|Refused to|Content Security Policy")

XSS_DEPARTMENT = "<script>alert(1);document.title='HACKED-1'</script>"
XSS_SENTENCE = "<img src=x onerror=alert(2)>"
XSS_SUBJECT = "\"><img src=x onerror=\"document.title='HACKED-3'\">国高企业认定支持"


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not on PATH: install it with "
                    "`apt-get install chromium fonts-noto-cjk`")
    return path


class Browser:
    """One headless Chromium run: stderr, the dumped DOM and the network log."""

    def __init__(self, chromium: str, url: str, workdir: Path, *extra: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.netlog = workdir / "net.json"
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}",
               f"--log-net-log={self.netlog}", *extra, url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr[-3000:]
        self.stdout, self.stderr = done.stdout, done.stderr

    def console(self) -> list[str]:
        """Console messages the page produced (errors, CSP violations, uncaught exceptions)."""
        return [line for line in self.stderr.splitlines() if CONSOLE.search(line)]

    def page_requests(self) -> list[str]:
        """URLs the page requested over the network (not Chromium's own background calls)."""
        log = json.loads(self.netlog.read_text(encoding="utf-8"))
        kinds = {v: k for k, v in log["constants"]["logEventTypes"].items()}
        urls = []
        for event in log["events"]:
            if kinds.get(event["type"]) != "URL_REQUEST_START_JOB":
                continue
            params = event.get("params", {})
            from_page = (params.get("initiator") not in (None, "not an origin")
                         or "file://" in params.get("network_isolation_key", ""))
            if from_page:
                urls.append(params.get("url", ""))
        return urls

    def network_urls(self) -> list[str]:
        """Every http(s) URL any request of the page mentions."""
        return [u for u in self.page_requests() if re.match(r"(?i)^(https?|wss?|ftp):", u)]


class Tags(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._title = tag == "title"

    def handle_endtag(self, tag):
        self._title = False

    def handle_data(self, data):
        if self._title:
            self.title += data


# ---------------------------------------------------------------------------
# The detectors see what they are meant to see
# ---------------------------------------------------------------------------

def test_detectors_see_a_network_request_and_a_console_error(chromium, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title>'
        '<link rel="stylesheet" href="https://example.invalid/x.css"></head><body>'
        '<img src="http://127.0.0.1:9/x.png" alt="x">'
        "<script>undefinedFunction();</script></body></html>", encoding="utf-8")
    run = Browser(chromium, probe.as_uri(), tmp_path / "run", "--dump-dom")
    assert any("Uncaught" in line for line in run.console()), run.stderr[-2000:]
    urls = run.network_urls()
    assert "http://127.0.0.1:9/x.png" in urls
    assert "https://example.invalid/x.css" in urls


def test_detectors_see_a_blocked_load_under_the_reports_policy(chromium, tmp_path):
    from fiscal.report import CSP

    probe = tmp_path / "probe.html"
    probe.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv='
        f'"Content-Security-Policy" content="{CSP}"><title>probe</title></head><body>'
        '<img src="http://127.0.0.1:9/x.png" alt="x"></body></html>', encoding="utf-8")
    run = Browser(chromium, probe.as_uri(), tmp_path / "run", "--dump-dom")
    assert run.console(), run.stderr[-2000:]
    assert run.network_urls() == []  # the policy blocked it before any request


# ---------------------------------------------------------------------------
# The seed report
# ---------------------------------------------------------------------------

def test_seed_report_renders_with_no_console_message_and_no_network(chromium, seed_report,
                                                                    tmp_path):
    run = Browser(chromium, seed_report.as_uri(), tmp_path / "run", "--dump-dom")
    assert run.console() == []
    assert run.network_urls() == []
    assert run.page_requests() == []
    dom = Tags(run.stdout)
    assert dom.title == "深圳市福田区科技创新局 2018 年部门预算 — fiscal 报告"
    assert "<h1>深圳市福田区科技创新局 2018 年部门预算</h1>" in run.stdout
    assert "+73.46%" in run.stdout
    imgs = [a for t, a in dom.tags if t == "img"]
    assert imgs and all(a["src"].startswith("data:image/png;base64,") for a in imgs)


def test_seed_report_screenshot_is_not_blank(chromium, seed_report, tmp_path):
    shot = tmp_path / "shot.png"
    run = Browser(chromium, seed_report.as_uri(), tmp_path / "run", f"--screenshot={shot}",
                  "--window-size=1100,1400")
    assert run.console() == []
    assert shot.is_file()
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a blank 1100×1400 page compresses to a few KB
    pil = pytest.importorskip("PIL.Image")
    from PIL import ImageStat

    with pil.open(shot) as im:
        assert im.size == (1100, 1400)
        grey = im.convert("L")
        assert ImageStat.Stat(grey).var[0] > 200  # text, tables and charts, not one colour
        assert len(grey.getcolors(256 * 256) or []) > 50
        # the title (dark text) is painted in the top band
        top = grey.crop((0, 0, 1100, 120))
        assert top.getextrema()[0] < 80


# ---------------------------------------------------------------------------
# Hostile text in the inputs
# ---------------------------------------------------------------------------

def _plant_payloads(folder: Path) -> None:
    path = folder / "claims.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["subject"] == "收支总计":
            row["sentence"] = XSS_SENTENCE + row["sentence"]
        if row["subject"] == "国高企业认定支持":
            row["subject"] = XSS_SUBJECT
            row["sentence"] = XSS_SENTENCE + row["sentence"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    data.mkdir()
    folder = copy_dept_year(data, "xss-test", department=XSS_DEPARTMENT)
    _plant_payloads(folder)
    s = Settings(data_dir=data, reports_dir=root / "reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FISCAL_DATA", str(s.data_dir))
        mp.setenv("FISCAL_REPORTS", str(s.reports_dir))
        return build(DeptYear("xss-test", 2018), s)


def test_hostile_text_is_escaped_in_the_html(hostile_report):
    text = hostile_report.read_text(encoding="utf-8")
    tags = Tags(text)
    assert not [a for t, a in tags.tags if t == "script"]
    assert "<script" not in text.lower()
    for tag, attrs in tags.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,"), attrs["src"][:40]
    # the payloads are there, as text
    assert "&lt;script&gt;alert(1);document.title=" in text
    assert tags.title.startswith(XSS_DEPARTMENT + " 2018 年部门预算")
    assert "&lt;img src=x onerror=" in text  # the part's name, in the chart's alt text
    assert any(XSS_SUBJECT in a.get("alt", "") for t, a in tags.tags if t == "img")


def test_hostile_text_runs_nothing_in_the_browser(chromium, hostile_report, tmp_path):
    run = Browser(chromium, hostile_report.as_uri(), tmp_path / "run", "--dump-dom",
                  "--virtual-time-budget=2000")
    dom = Tags(run.stdout)
    # a script or handler that ran would have set document.title to HACKED-…
    assert dom.title == f"{XSS_DEPARTMENT} 2018 年部门预算 — fiscal 报告"
    assert not [a for t, a in dom.tags if t == "script"]
    assert not [a for t, a in dom.tags if t == "img" and not a["src"].startswith("data:")]
    assert all(not k.startswith("on") for _, a in dom.tags for k in a)
    # nothing was even attempted: an injected tag would show up as a CSP violation
    assert run.console() == []
    assert run.network_urls() == []
