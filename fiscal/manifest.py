"""The manifest: what each page of a reports folder was built from, so a rerun redoes nothing.

A page's *inputs* are one SHA-256 over every file it depends on, the notebook that makes it
and the package's code (:func:`code_fingerprint`: every file of the installed ``fiscal``, so a
changed rule or template rebuilds what it touches even when the version number stays).
``reports/manifest.json`` keeps, per department-year, the inputs, the status (``built`` or
``failed``) and the SHA-256 of the page written; and the same for the index, whose inputs
are every department-year's folder, the status of each failed report, the overview notebook
and the code. A page is current when its inputs and its bytes on
disk are those the manifest records. Below ``report``, ``batch`` and ``results``, which read it
(``results`` for the inputs of a department's stored check results).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fiscal import __version__
from fiscal.config import DeptYear, Settings

__all__ = ["MANIFEST", "OVERVIEW_NOTEBOOK", "REPORT_NOTEBOOK", "RESULTS_FORMAT", "Manifest",
           "code_fingerprint", "department_inputs", "index_inputs", "job_inputs",
           "sha256_file", "stored_results", "write_atomic"]

MANIFEST = "manifest.json"
#: The format of a department-year's stored results (``fiscal.results``); another is stale.
RESULTS_FORMAT = 1
REPORT_NOTEBOOK = "budget_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"


def _hash_folder(h, settings: Settings, dy: DeptYear) -> None:
    """Feed every file of a department-year's folder, named relative to the data folder."""
    folder = settings.dept_year_dir(dy)
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        h.update(f"{dy.key}/{path.name}".encode() + b"\0" + path.read_bytes())


#: The libraries whose versions can change a check result or a page's bytes.
LIBRARIES = ("pandas", "numpy", "pyarrow", "pandera", "matplotlib", "seaborn", "jinja2",
             "nbconvert", "papermill", "noto-cjk-sans-otc")


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over the package version, the versions of :data:`LIBRARIES` and every file of
    the ``fiscal`` package (code, templates, schemas), named by its path in the package:
    computed once per process."""
    from importlib import metadata

    root = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} absent".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def department_inputs(slug: str, settings: Settings) -> str:
    """Hash of everything a department's check results depend on: the folders of all its
    department-years (budgets and final accounts: the cross-year rule compares them) and
    the package's code."""
    h = hashlib.sha256()
    for other in settings.dept_years(slug):
        _hash_folder(h, settings, other)
    h.update(code_fingerprint().encode())
    return h.hexdigest()


def job_inputs(dy: DeptYear, settings: Settings) -> str:
    """Hash of everything a report depends on: its department's folders (the checks and the
    三公 trend read the other years), the report notebook and the package's code."""
    h = hashlib.sha256(department_inputs(dy.slug, settings).encode())
    h.update(settings.notebook(REPORT_NOTEBOOK).read_bytes())
    return h.hexdigest()


def index_inputs(settings: Settings, status: dict[str, str]) -> str:
    """Hash of everything the index depends on: every department-year's folder, the status
    shown for each failed report, the overview notebook and the package's code."""
    h = hashlib.sha256()
    for dy in settings.dept_years():
        _hash_folder(h, settings, dy)
    h.update(json.dumps(sorted(status.items()), ensure_ascii=False).encode())
    h.update(settings.notebook(OVERVIEW_NOTEBOOK).read_bytes())
    h.update(code_fingerprint().encode())
    return h.hexdigest()


def stored_results(dy: DeptYear, settings: Settings, inputs: str) -> dict | None:
    """The stored results of ``dy`` (``Settings.results_path``) as parsed JSON when they were
    computed from ``inputs`` (its department's, :func:`department_inputs`), in this format;
    else ``None``. JSON only: a batch with nothing to check loads no pandas."""
    try:
        data = json.loads(settings.results_path(dy).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = (isinstance(data, dict) and data.get("format") == RESULTS_FORMAT
               and data.get("key") == dy.key and data.get("inputs") == inputs)
    return data if current else None


def sha256_file(path: Path) -> str:
    """The file's SHA-256, ``""`` when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


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


@dataclass
class Manifest:
    """``reports/manifest.json``: one entry per department-year and one for the index.

    An entry holds ``status``, ``inputs`` and ``html_sha256`` (and, for a failed report,
    ``message`` and ``kept``). An unreadable file reads as empty: everything is rebuilt.
    """

    reports: dict[str, dict] = field(default_factory=dict)
    index: dict = field(default_factory=dict)

    @classmethod
    def read(cls, settings: Settings) -> Manifest:
        """The manifest of ``settings.reports_dir`` (empty when missing or unreadable)."""
        try:
            data = json.loads((settings.reports_dir / MANIFEST).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        reports, index = data.get("reports", {}), data.get("index", {})
        return cls(reports if isinstance(reports, dict) else {},
                   index if isinstance(index, dict) else {})

    def write(self, settings: Settings) -> None:
        """Write it atomically, entries sorted (same state, same bytes)."""
        data = {"fiscal": __version__, "reports": dict(sorted(self.reports.items()))}
        if self.index:
            data["index"] = self.index
        write_atomic(settings.reports_dir / MANIFEST,
                     json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def report_current(self, dy: DeptYear, inputs: str, settings: Settings) -> bool:
        """Whether the department-year's report was built from ``inputs`` and is untouched."""
        return _current(self.reports.get(dy.key, {}), inputs, settings.report_path(dy))

    def index_current(self, inputs: str, settings: Settings) -> bool:
        """Whether the index was built from ``inputs`` and is untouched."""
        return _current(self.index, inputs, settings.index_path)


def _current(entry: dict, inputs: str, page: Path) -> bool:
    return (entry.get("status") == "built" and entry.get("inputs") == inputs
            and entry.get("html_sha256") == sha256_file(page))
