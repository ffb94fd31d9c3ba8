"""Reports: run a notebook with papermill in a kernel, export its outputs, write the page.

A report is one self-contained HTML file: no code, no prompts, no injected parameters
cell, images embedded, nothing fetched from the network (a Content-Security-Policy
forbids it), department, year and kind in <title>, provenance in the footer. The page is
``fiscal/templates/report.html.j2`` (the index ``index.html.j2``) around nbconvert's body of
the executed notebook. The same inputs give the same bytes: the body carries no cell ids,
code-cell metadata or prompts, charts are PNGs drawn by Agg, and nothing time-dependent is
written.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from fiscal import __version__
from fiscal.config import KIND_LABELS, DeptYear, Settings
from fiscal.errors import FiscalError, ReportError
from fiscal.manifest import OVERVIEW_NOTEBOOK, REPORT_NOTEBOOK, job_inputs, write_atomic
from fiscal.render import TEMPLATES, Markup, render

__all__ = ["CSP", "INPROCESS", "ReportError", "body_html", "build", "build_index", "execute",
           "kernel", "preload", "start_kernel", "warm_here"]

KERNEL_START_TRIES = 3
# the kernel imports what every notebook needs once, before the first cell
KERNEL_WARMUP = ("import fiscal.view, fiscal.checks, seaborn\n"
                 "from fiscal import plots\nplots.setup_fonts()\nplots.warm()")
HIDDEN_TAGS = ("parameters", "injected-parameters")
#: ``km=`` of :func:`build` and :func:`build_index`: run the notebook in this process, not in
#: a kernel (:mod:`fiscal.engine`).
INPROCESS = "inprocess"
# every page's Content-Security-Policy: nothing is fetched, images are data: URLs
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"




def start_kernel(settings: Settings, meanwhile: Callable[[], object] | None = None):
    """A started, ready Jupyter kernel with ``fiscal`` imported (retries a failed start).

    The kernel runs in the notebooks folder and is told the data and reports
    folders through FISCAL_DATA/FISCAL_REPORTS, whatever the environment of the
    process that starts it (a Dask worker's may differ from the command's). Its own
    stdout/stderr are discarded (start-up chatter); errors inside notebooks still
    reach papermill. ``meanwhile`` is run once in this process while the kernel imports
    what the notebooks need (:func:`preload`: the two take about as long). Its
    ``client()`` is asynchronous, as papermill needs it to notice a kernel that dies;
    ``blocking_client()`` gives a blocking one.
    """
    # lazy: jupyter_client is only needed when a page is built, not for a no-op run
    from jupyter_client.manager import KernelManager

    last: Exception | None = None
    for attempt in range(KERNEL_START_TRIES):
        # papermill's client of it (km.client()) is asynchronous: a blocking one waits
        # for the output of a cell forever if the kernel dies while running it (nbclient
        # checks that the kernel is alive in the same event loop), where an asynchronous
        # one lets nbclient see it and raise DeadKernelError
        km = KernelManager(kernel_name="python3",
                           client_class="jupyter_client.asynchronous.AsyncKernelClient")
        try:
            env = {**os.environ, **_folders(settings)}
            env.pop("MPLBACKEND", None)
            km.start_kernel(cwd=str(settings.notebooks_dir), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.blocking_client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            sent = kc.execute(KERNEL_WARMUP, silent=True, store_history=False)
            if meanwhile is not None:
                meanwhile()
                meanwhile = None  # once, even when a start is retried
            while kc.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != sent:
                pass
            kc.stop_channels()
            return km
        except Exception as exc:  # a kernel that does not start: try a fresh one
            last = exc
            with contextlib.suppress(Exception):
                km.shutdown_kernel(now=True)
            time.sleep(0.5 * (attempt + 1))
    raise FiscalError(f"the Jupyter kernel did not start ({last})",
                      fix="check that ipykernel is installed in the environment (make setup)")


def _folders(settings: Settings) -> dict[str, str]:
    """The environment that tells a notebook its data and reports folders."""
    return {"FISCAL_DATA": str(settings.data_dir), "FISCAL_REPORTS": str(settings.reports_dir)}


def warm_here() -> None:
    """Make this process ready to build pages in-process (:mod:`fiscal.engine`): its shell
    imports what the notebooks need, as a kernel does when it starts, and papermill and
    nbconvert are loaded (:func:`preload`)."""
    from fiscal import engine

    if not engine.run(KERNEL_WARMUP):
        raise FiscalError("the report stack did not load in this process",
                          fix="run `python -c 'import fiscal.view, seaborn'` to see why")
    preload()


@contextlib.contextmanager
def kernel(settings: Settings, km=None) -> Iterator:
    """A kernel for one build: ``km`` when given (the caller's warm kernel, left running, or
    :data:`INPROCESS`), else a fresh one, shut down on leaving."""
    if km is not None:
        yield km
        return
    km = start_kernel(settings)
    try:
        yield km
    finally:
        km.shutdown_kernel(now=True)


def execute(notebook: Path, parameters: dict, cwd: Path, out: Path | None = None, km=None,
            env: dict[str, str] | None = None):
    """Run a notebook with papermill in ``cwd``; returns the executed notebook.

    ``km`` is a started kernel manager to run in (a warm kernel), or :data:`INPROCESS` to
    run in this process's shell with ``env`` set meanwhile (:mod:`fiscal.engine`); without
    it papermill starts and stops a fresh kernel.
    """
    # lazy: papermill imports nbclient, jupyter_client and friends (about a second)
    import papermill as pm

    if km == INPROCESS:
        from fiscal import engine

        extra = {"engine_name": engine.register(), "env": env}
    else:
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


@functools.cache
def _exporter():
    """nbconvert's HTML exporter of the report body, made once per process."""
    # lazy: nbconvert and nbformat cost about a second to import
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_TAGS)
    c.ClearMetadataPreprocessor.enabled = True
    c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = set()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES / "nbconvert")]
    return HTMLExporter(config=c, template_name="fiscal-body")


def body_html(nb) -> str:
    """The notebook's outputs and markdown as HTML: no inputs, prompts, parameter cells,
    metadata or cell ids (nbconvert's preprocessors and the ``fiscal-body`` template)."""
    import nbformat

    body, _ = _exporter().from_notebook_node(nbformat.from_dict(nb))
    return body


def preload() -> None:
    """Load what building a page needs, once per process: papermill and nbconvert imported,
    the exporter made and run on a small notebook (its templates, Markdown parser, HTML
    selectors and the notebook schema's validator are compiled then), this package's page
    templates compiled. A batch worker does it while the command checks, not in its first
    build (where it cost 0.7 s)."""
    import nbformat
    import papermill  # noqa: F401

    from fiscal.render import environment

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 预热\n\n*a* `b`"),
        nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                  "text/plain": "1"})])])
    nbformat.validate(nb)
    body_html(nb)
    env = environment()
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)


def build(dy: DeptYear, settings: Settings | None = None, keep: Path | None = None,
          km=None, inputs: str | None = None) -> Path:
    """Build ``reports/<slug>/<year>[-final].html`` for one department-year.

    Args:
        dy: the department-year.
        settings: folders; ``Settings.from_env()`` by default.
        keep: where papermill writes the executed notebook (kept when a cell fails).
        km: a started kernel manager to reuse (see ``fiscal.batch``), or :data:`INPROCESS`
            to run the notebook in this process (:mod:`fiscal.engine`).
        inputs: the input hash for the footer, when the caller has it already.
    """
    settings = settings or Settings.from_env()
    folder = settings.existing_dept_year_dir(dy)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    with kernel(settings, km) as km:
        nb = execute(settings.notebook(REPORT_NOTEBOOK),
                     {"department": dy.slug, "year": dy.year, "kind": dy.kind},
                     cwd=settings.notebooks_dir, out=keep, km=km, env=_folders(settings))
    out = settings.report_path(dy)
    write_atomic(out, render(
        "report.html.j2", body=Markup(body_html(nb)), csp=Markup(CSP), meta=meta,
        version=__version__,
        title=f"{meta['department']} {dy.year} 年部门{KIND_LABELS[dy.kind]} — fiscal 报告",
        inputs=inputs or job_inputs(dy, settings)))
    return out


def build_index(settings: Settings | None = None, status: dict[str, str] | None = None,
                km=None) -> Path:
    """Build ``reports/index.html`` from the overview notebook (``km`` as in :func:`build`)."""
    settings = settings or Settings.from_env()
    with kernel(settings, km) as km:
        nb = execute(settings.notebook(OVERVIEW_NOTEBOOK), {"status": status or {}},
                     cwd=settings.notebooks_dir, km=km, env=_folders(settings))
    out = settings.index_path
    write_atomic(out, render("index.html.j2", body=Markup(body_html(nb)), csp=Markup(CSP),
                             version=__version__, title="部门预算决算公开总览 — fiscal"))
    return out
