"""Settings: the one place that builds every path.

A department-year is identified by ``(slug, year, kind)`` everywhere: in the
Python API, on the command line (``futian-sti/2018`` for a budget,
``futian-sti/2018-final`` for a final account), in notebook parameters and in
report paths. ``FISCAL_DATA`` and ``FISCAL_REPORTS`` move the data and reports
folders.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from fiscal.errors import TargetError, UnknownDepartmentYearError

KINDS = ("budget", "final")
KIND_LABELS = {"budget": "预算", "final": "决算"}
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
_FOLDER_RE = re.compile(r"^(?P<year>\d{4})(?P<final>-final)?\Z")
_TARGET_RE = re.compile(r"^(?P<slug>[^/\\]+)/(?P<year>\d{4})(?P<final>-final)?/?\Z")

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


@dataclass(frozen=True, order=True)
class DeptYear:
    """One department-year: a department's budget or final account of one year."""

    slug: str
    year: int
    kind: str = "budget"

    def __post_init__(self) -> None:
        if not SLUG_RE.match(self.slug):
            raise TargetError(
                f"'{self.slug}' is not a valid department slug",
                fix="use lowercase ASCII letters, digits and '-', e.g. futian-sti")
        if self.kind not in KINDS:
            raise TargetError(f"kind '{self.kind}' is unknown",
                              fix="use kind='budget' (预算) or kind='final' (决算)")
        if not 1949 <= int(self.year) <= 2100:
            raise TargetError(f"year {self.year} is out of range", fix="give a four-digit year")
        object.__setattr__(self, "year", int(self.year))

    @property
    def folder_name(self) -> str:
        """``2018`` for a budget, ``2018-final`` for a final account."""
        return f"{self.year}-final" if self.kind == "final" else str(self.year)

    @property
    def key(self) -> str:
        """``futian-sti/2018`` or ``futian-sti/2018-final``."""
        return f"{self.slug}/{self.folder_name}"

    @classmethod
    def parse(cls, target: str) -> DeptYear:
        """Parse ``<slug>/<year>`` or ``<slug>/<year>-final``."""
        m = _TARGET_RE.match(target.strip())
        if not m:
            raise TargetError(
                f"'{target}' is not a department-year",
                fix="write <slug>/<year> for a budget or <slug>/<year>-final for a final account,"
                    " e.g. futian-sti/2018")
        return cls(m["slug"], int(m["year"]), "final" if m["final"] else "budget")


def _subfolders(folder: Path) -> list[os.DirEntry]:
    """The folders in ``folder`` (links to folders included), or none if it cannot be read."""
    try:
        with os.scandir(folder) as it:
            return [e for e in it if e.is_dir()]
    except OSError:
        return []


@dataclass(frozen=True)
class Settings:
    """Where everything lives. Build once with :meth:`from_env` and pass it around."""

    data_dir: Path = field(default_factory=lambda: PROJECT_DIR / "data")
    reports_dir: Path = field(default_factory=lambda: PROJECT_DIR / "reports")
    notebooks_dir: Path = field(default_factory=lambda: PROJECT_DIR / "notebooks")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from ``FISCAL_DATA`` / ``FISCAL_REPORTS``, else the project's folders."""
        env = os.environ if environ is None else environ
        kwargs = {}
        if env.get("FISCAL_DATA"):
            kwargs["data_dir"] = Path(env["FISCAL_DATA"]).expanduser().resolve()
        if env.get("FISCAL_REPORTS"):
            kwargs["reports_dir"] = Path(env["FISCAL_REPORTS"]).expanduser().resolve()
        return cls(**kwargs)

    @property
    def departments_csv(self) -> Path:
        """The department registry: slug, name, region, parent, aliases."""
        return self.data_dir / "departments.csv"

    def dept_year_dir(self, dy: DeptYear) -> Path:
        """``data/<slug>/<year>`` or ``data/<slug>/<year>-final``."""
        return self.data_dir / dy.slug / dy.folder_name

    def existing_dept_year_dir(self, dy: DeptYear) -> Path:
        """The folder of a department-year that must exist."""
        path = self.dept_year_dir(dy)
        if (path / "meta.json").is_file() and not path.resolve().is_relative_to(
                self.data_dir.resolve()):
            raise TargetError(f"{dy.key} is a link that leads out of the data folder",
                              path=path, fix="copy the department-year into the data folder")
        if not (path / "meta.json").is_file():
            known = ", ".join(d.key for d in self.dept_years()) or "none"
            raise UnknownDepartmentYearError(
                f"no department-year {dy.key} in the data folder (found: {known})",
                path=path,
                fix="check the slug and year with `fiscal list`,"
                    " or create it with `fiscal extract`")
        return path

    def dept_years(self, slug: str | None = None) -> list[DeptYear]:
        """Every department-year folder under the data folder (of department ``slug`` only,
        when given), sorted."""
        found = []
        if not self.data_dir.is_dir():
            return found
        root = self.data_dir.resolve()
        # (os.scandir: the kind of each entry comes with the listing, so that a folder of
        # 5,000 department-years is listed without a call per folder but meta.json's lookup)
        for dept in _subfolders(self.data_dir):
            if (slug is not None and dept.name != slug) or not SLUG_RE.match(dept.name):
                continue
            for folder in _subfolders(Path(dept.path)):
                m = _FOLDER_RE.match(folder.name)
                if not m or not os.path.lexists(os.path.join(folder.path, "meta.json")):
                    continue
                if (dept.is_symlink() or folder.is_symlink()) and not Path(
                        folder.path).resolve().is_relative_to(root):
                    continue  # a link that leads out of the data folder is not data
                kind = "final" if m["final"] else "budget"
                found.append(DeptYear(dept.name, int(m["year"]), kind))
        return sorted(found)

    def report_path(self, dy: DeptYear) -> Path:
        """``reports/<slug>/<year>.html`` (``<year>-final.html`` for a final account)."""
        return self.reports_dir / dy.slug / f"{dy.folder_name}.html"

    def results_path(self, dy: DeptYear) -> Path:
        """``reports/<slug>/<year>.json``: the department-year's stored check results and
        figures (:mod:`fiscal.results`), beside its report."""
        return self.reports_dir / dy.slug / f"{dy.folder_name}.json"

    @property
    def index_path(self) -> Path:
        """``reports/index.html``."""
        return self.reports_dir / "index.html"

    def notebook(self, name: str) -> Path:
        """A notebook under ``notebooks/``."""
        return self.notebooks_dir / name
