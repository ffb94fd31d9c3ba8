"""Damaged disclosures never crash `fiscal`: random edits of the seed text end in a
clean extraction and check, or in a FiscalError (exit 2) — never anything else, never a
hang. Few examples in `make test`; many more in CI (marked slow)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fiscal.checks import run_rules
from fiscal.config import Settings
from fiscal.errors import FiscalError
from fiscal.extract import extract, write
from fiscal.load import Panel, load_folder

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_718dc356a2b2d93e.txt"
LINES = SEED.read_text(encoding="utf-8").split("\n")
JUNK = st.sampled_from(["", "   ", "- 3 -", "合计", "表五：一般公共预算支出表", "单位：元", "206",
                        "1,2,3,,4", "（一）", "比上年增加 %", "　１２３．４５　", "\x0c",
                        "<script>alert(1)</script>", "99999999999999999999", "(12.5)", "—"])
EDIT = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 975)),
    st.tuples(st.just("duplicate"), st.integers(0, 975)),
    st.tuples(st.just("swap"), st.integers(0, 975), st.integers(0, 975)),
    st.tuples(st.just("insert"), st.integers(0, 975), JUNK),
    st.tuples(st.just("cut"), st.integers(0, 975)),
)


def damage(lines: list[str], edits) -> str:
    out = list(lines)
    for edit in edits:
        i = edit[1] % max(len(out), 1)
        if edit[0] == "delete" and out:
            del out[i]
        elif edit[0] == "duplicate" and out:
            out.insert(i, out[i])
        elif edit[0] == "swap" and out:
            j = edit[2] % len(out)
            out[i], out[j] = out[j], out[i]
        elif edit[0] == "insert":
            out.insert(i, edit[2])
        elif edit[0] == "cut":
            out = out[:i]
    return "\n".join(out)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def extract_and_check(text: str, tmp: Path) -> None:
    src = tmp / "damaged.txt"
    src.write_text(text, encoding="utf-8")
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    (data / "departments.csv").write_bytes((ROOT / "data" / "departments.csv").read_bytes())
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)  # guards against a hang; not a speed test
    try:
        ex = extract(src, Settings(data_dir=data), unregistered="provisional")
        budget = load_folder(write(ex, tmp / "out"), ex.dept_year)
        run_rules(Panel.from_budgets([budget]))
    except FiscalError:
        pass  # refused with a message: fine
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _property(tmp_path_factory, edits):
    extract_and_check(damage(LINES, edits), tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(EDIT, min_size=1, max_size=12))
def test_damaged_seed_never_crashes(tmp_path_factory, edits):
    _property(tmp_path_factory, edits)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(EDIT, min_size=1, max_size=40))
def test_damaged_seed_never_crashes_many(tmp_path_factory, edits):
    _property(tmp_path_factory, edits)
