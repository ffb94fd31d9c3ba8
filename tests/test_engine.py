"""fiscal.engine: a notebook run in this process gives what a Jupyter kernel gives.

The in-process engine changes the process it runs in (an IPython shell for the life of the
process, sys.stdout swapped while a cell runs), so every run here is in a child process of
its own, as it is in a ``fiscal report`` worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from conftest import copy_dept_year

from fiscal.config import Settings

#: A notebook that makes every kind of output: printed lines, a warning on stderr, an
#: HTML display, a PNG with alt text, a display updated by id, a returned value, and a
#: failing cell after which nothing runs.
CELLS = [
    "import sys\nprint('第一行', sys.stdout.encoding.lower(), sys.stdout.isatty())\n"
    "print('second line')",
    "import warnings\nwarnings.warn('留意', UserWarning, stacklevel=1)",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>表</b>'))",
    textwrap.dedent("""\
        class Png:
            def __repr__(self):
                return '<图>'

            def _repr_png_(self):
                return b'\\x89PNG\\r\\n\\x1a\\n fake', {'alt': '图'}
        display(Png())"""),
    "h = display(HTML('<i>旧</i>'), display_id='d1')\nh.update(HTML('<i>新</i>'))",
    "{'合计': 1.5}",
    "1 / 0",
    "print('never')",
]


def write_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


RUN = """
import json, sys
import papermill as pm
from fiscal import engine
kwargs = {"engine_name": engine.register()} if sys.argv[3] == "inprocess" else {}
try:
    pm.execute_notebook(sys.argv[1], sys.argv[2], progress_bar=False, kernel_name="python3",
                        **kwargs)
except pm.PapermillExecutionError as exc:
    print(json.dumps({"ename": exc.ename, "evalue": exc.evalue, "cell": exc.exec_count}))
"""


def run(notebook: Path, out: Path, how: str) -> tuple[dict, list]:
    """Run ``notebook`` with papermill in a child process, in a kernel or in-process; the
    error papermill raised and the cells' outputs."""
    done = subprocess.run([sys.executable, "-c", RUN, str(notebook), str(out), how],
                          capture_output=True, text=True, timeout=300, cwd=notebook.parent)
    assert done.returncode == 0, done.stderr
    error = json.loads(done.stdout.strip().splitlines()[-1])
    return error, [c.get("outputs", []) for c in nbformat.read(out, as_version=4).cells]



def comparable(outputs: list) -> list:
    """Outputs without what differs by design between two runs: execution counts, and the
    traceback's text (the kernel's is coloured for a terminal)."""
    keep = []
    for out in outputs:
        out = {k: v for k, v in out.items() if k not in ("execution_count", "traceback")}
        if out.get("output_type") == "stream":  # warnings name the file they come from
            out["text"] = out["text"].split(":", 1)[-1] if out["name"] == "stderr" else \
                out["text"]
        keep.append(out)
    return keep


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine")
    notebook = write_notebook(root / "all_outputs.ipynb")
    return (run(notebook, root / "kernel.ipynb", "kernel"),
            run(notebook, root / "here.ipynb", "inprocess"))


def test_every_kind_of_output_is_what_a_kernel_sends(both_runs):
    (_, kernel), (_, here) = both_runs
    assert [comparable(o) for o in here] == [comparable(o) for o in kernel]


def test_outputs_read_as_expected(both_runs):
    _, (_, here) = both_runs
    banner, printed, warned, html, png, updated, returned, anchor, failed, after = here
    assert banner == anchor == []  # papermill's notes of the failure, Markdown cells
    assert printed == [{"output_type": "stream", "name": "stdout",
                        "text": "第一行 utf-8 False\nsecond line\n"}]
    assert warned[0]["name"] == "stderr" and "UserWarning: 留意" in warned[0]["text"]
    assert html[0]["data"]["text/html"] == "<b>表</b>"
    assert png[0]["data"]["image/png"] == "iVBORw0KGgogZmFrZQ=="  # base64 of the bytes
    assert png[0]["metadata"] == {"image/png": {"alt": "图"}}
    assert updated[0]["data"]["text/html"] == "<i>新</i>"
    assert returned[0]["output_type"] == "execute_result"
    assert returned[0]["data"]["text/plain"] == "{'合计': 1.5}"
    assert failed[0]["output_type"] == "error" and failed[0]["ename"] == "ZeroDivisionError"
    assert "ZeroDivisionError" in failed[0]["traceback"][-1]  # IPython's, as in a kernel
    assert after == []  # nothing runs after the failing cell


def test_a_failing_cell_is_papermills_error_as_with_a_kernel(both_runs):
    (kernel_error, _), (here_error, _) = both_runs
    assert here_error == kernel_error == {"ename": "ZeroDivisionError",
                                          "evalue": "division by zero", "cell": 7}


BUILD = """
import sys
from pathlib import Path
from fiscal.config import DeptYear, Settings
from fiscal.report import INPROCESS, build, warm_here
warm_here()
s = Settings(data_dir=Path(sys.argv[1]), reports_dir=Path(sys.argv[2]))
print(build(DeptYear("futian-sti", 2018), s, km=INPROCESS))
"""


def test_the_seed_report_built_in_process_is_the_fresh_kernels_bytes(seed_report,
                                                                     seed_report_settings,
                                                                     tmp_path):
    here = Settings(data_dir=seed_report_settings.data_dir, reports_dir=tmp_path / "reports")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FISCAL_")}
    done = subprocess.run([sys.executable, "-c", BUILD, str(here.data_dir),
                           str(here.reports_dir)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = Path(done.stdout.strip().splitlines()[-1])
    assert page == here.reports_dir / "futian-sti" / "2018.html"
    assert page.read_bytes() == seed_report.read_bytes()


@pytest.mark.slow
def test_a_local_batch_builds_without_a_kernel(tmp_path):
    """With a python3 kernel that cannot start, ``fiscal report --all`` still builds every
    page and the index: its workers run the notebooks themselves."""
    data = tmp_path / "data"
    data.mkdir()
    copy_dept_year(data, "futian-sti")
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": ["/bin/false", "{connection_file}"], "display_name": "broken",
         "language": "python"}), encoding="utf-8")
    env = dict(os.environ, FISCAL_DATA=str(data), FISCAL_REPORTS=str(tmp_path / "reports"),
               JUPYTER_PATH=str(tmp_path / "jupyter"))
    done = subprocess.run([sys.executable, "-m", "fiscal.cli", "report", "--all", "-j", "1"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 built, 0 skipped, 0 failed" in done.stdout
    assert (tmp_path / "reports" / "futian-sti" / "2018.html").is_file()
    assert (tmp_path / "reports" / "index.html").is_file()
