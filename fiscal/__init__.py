"""fiscal: Chinese government budget disclosures (部门预算/决算公开), loaded, checked, reported.

``import fiscal`` is cheap: the public API below is imported on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "Settings": "fiscal.config",
    "DeptYear": "fiscal.config",
    "Budget": "fiscal.load",
    "load_budget": "fiscal.load",
    "load_folder": "fiscal.load",
    "check": "fiscal.checks",
    "FiscalError": "fiscal.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'fiscal' has no attribute {name!r}")
