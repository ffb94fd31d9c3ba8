"""Reports: run a notebook with papermill, export HTML with nbconvert, write atomically.

A report is one self-contained HTML file: no code, no prompts, no injected
parameters cell, images embedded, nothing fetched from the network (a
Content-Security-Policy forbids it), department, year and kind in <title>,
provenance in the footer. The same inputs give the same bytes: cell ids are
renumbered, charts are PNGs drawn by Agg, and nothing time-dependent is written.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

from fiscal import __version__
from fiscal.config import KIND_LABELS, DeptYear, Settings
from fiscal.errors import FiscalError, ReportError

REPORT_NOTEBOOK = "budget_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"
FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
              "sans-serif")
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
body { font-family: FONT_STACK_HERE; color: #1d2733; margin: 0; background: #fafbfc;
       line-height: 1.6; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #d9dee4;
     padding-bottom: .25rem; }
p.lead { font-size: 1.1rem; }
p.note { color: #5c6b7a; }
.ok { color: #1b7f3b; } .bad { color: #b3261e; font-weight: 600; }
table.data { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid #e3e7eb; padding: .3rem .5rem;
       text-align: left; vertical-align: top; }
table.data th { background: #f1f4f7; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums;
       white-space: nowrap; }
img { max-width: 100%; height: auto; display: block; margin: .8rem 0; }
footer { max-width: 60rem; margin: 0 auto; padding: 1rem 2rem 2rem; color: #5c6b7a;
         font-size: .8rem; }
code { font-size: .85em; word-break: break-all; }
a.anchor-link { display: none; }
table.data td:first-child { white-space: nowrap; }
""".replace("FONT_STACK_HERE", FONT_STACK)


KERNEL_START_TRIES = 3


def start_kernel(settings: Settings):
    """A started, ready Jupyter kernel with ``fiscal`` imported (retries a failed start).

    The kernel runs in the notebooks folder and is told the data and reports
    folders through FISCAL_DATA/FISCAL_REPORTS, whatever the environment of the
    process that starts it (a Dask worker's may differ from the command's). Its own
    stdout/stderr are discarded (start-up chatter); errors inside notebooks still
    reach papermill.
    """
    import contextlib
    import subprocess
    import time

    from jupyter_client.manager import KernelManager

    last: Exception | None = None
    for attempt in range(KERNEL_START_TRIES):
        km = KernelManager(kernel_name="python3")
        try:
            env = {**os.environ, "FISCAL_DATA": str(settings.data_dir),
                   "FISCAL_REPORTS": str(settings.reports_dir)}
            env.pop("MPLBACKEND", None)
            km.start_kernel(cwd=str(settings.notebooks_dir), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(
                "import fiscal.view, fiscal.checks, seaborn\n"
                "from fiscal import plots\nplots.setup_fonts()", silent=True, timeout=120)
            kc.stop_channels()
            return km
        except Exception as exc:  # a kernel that does not start: try a fresh one
            last = exc
            with contextlib.suppress(Exception):
                km.shutdown_kernel(now=True)
            time.sleep(0.5 * (attempt + 1))
    raise FiscalError(f"the Jupyter kernel did not start ({last})",
                      fix="check that ipykernel is installed in the environment (make setup)")


def execute(notebook: Path, parameters: dict, cwd: Path, out: Path | None = None, km=None):
    """Run a notebook with papermill in ``cwd``; returns the executed notebook.

    ``km`` is a started kernel manager to run in (a warm kernel); without it
    papermill starts and stops a fresh kernel.
    """
    import papermill as pm

    extra = {"km": km} if km is not None else {}
    try:
        return pm.execute_notebook(
            str(notebook), str(out) if out else None, parameters=parameters,
            cwd=str(cwd), progress_bar=False, log_output=False, kernel_name="python3",
            request_save_on_cell_execute=False, **extra)
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}",
                          path=notebook, fix="run the notebook in JupyterLab to see the cell"
                          ) from None


def body_html(nb) -> str:
    """The notebook's outputs and markdown as HTML (no inputs, prompts or parameter cells)."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells
                if not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:02d}"
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.execution_count = None
            for o in cell.get("outputs", []):
                if "execution_count" in o:
                    o["execution_count"] = None
    nb.metadata = {}
    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r'\s+id="cell-id=c\d+"', "", body)
    return body


def page(title: str, body: str, footer: str) -> str:
    """A complete, self-contained HTML page."""
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<main>\n{body}\n</main>\n<footer>{footer}</footer>\n</body>\n</html>\n")


def write_atomic(path: Path, data: str) -> None:
    """Write a file so that readers see the old or the new bytes, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(dy: DeptYear, settings: Settings | None = None, keep: Path | None = None,
          km=None, inputs: str | None = None) -> Path:
    """Build ``reports/<slug>/<year>[-final].html`` for one department-year.

    Args:
        dy: the department-year.
        settings: folders; ``Settings.from_env()`` by default.
        keep: where papermill writes the executed notebook (kept when a cell fails).
        km: a started kernel manager to reuse (see ``fiscal.batch``).
        inputs: the input hash for the footer, when the caller has it already.
    """
    import json

    settings = settings or Settings.from_env()
    folder = settings.existing_dept_year_dir(dy)
    notebook = settings.notebook(REPORT_NOTEBOOK)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    own = km is None
    km = km or start_kernel(settings)
    try:
        nb = execute(notebook, {"department": dy.slug, "year": dy.year, "kind": dy.kind},
                     cwd=settings.notebooks_dir, out=keep, km=km)
    finally:
        if own:
            km.shutdown_kernel(now=True)
    title = f"{meta['department']} {dy.year} 年部门{KIND_LABELS[dy.kind]} — fiscal 报告"
    from fiscal.batch import job_inputs

    inputs = inputs or job_inputs(dy, settings)
    footer = (f"来源文件 <code>{html.escape(meta['source_file'])}</code> · SHA-256 "
              f"<code>{html.escape(meta['source_sha256'])}</code> · fiscal {__version__} · "
              f"输入哈希 <code>{inputs}</code>")
    out = settings.report_path(dy)
    write_atomic(out, page(title, body_html(nb), footer))
    return out


def build_index(settings: Settings | None = None, status: dict[str, str] | None = None,
                km=None) -> Path:
    """Build ``reports/index.html`` from the overview notebook."""
    settings = settings or Settings.from_env()
    notebook = settings.notebook(OVERVIEW_NOTEBOOK)
    own = km is None
    km = km or start_kernel(settings)
    try:
        nb = execute(notebook, {"status": status or {}}, cwd=settings.notebooks_dir, km=km)
    finally:
        if own:
            km.shutdown_kernel(now=True)
    footer = f"fiscal {__version__} · 数据目录中的全部部门年度"
    out = settings.index_path
    write_atomic(out, page("部门预算决算公开总览 — fiscal", body_html(nb), footer))
    return out
