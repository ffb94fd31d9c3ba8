"""fiscal.checks.registry: one registration per rule id, every emitted id declared and named,
the findings contract, and the catalogue docs/rules.md written from the registry."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from panels import KEY, cell, panel

from fiscal import schema
from fiscal.checks import REGISTRY, Rule, finding_schema, params, rule, rule_name, run_rules
from fiscal.checks.catalogue import CATALOGUE, render
from fiscal.checks.findings import _frame, _one
from fiscal.errors import RuleError
from fiscal.load import load_panel

WHERE = {"key": KEY, "slug": "test-dept", "year": 2018, "kind": "budget"}


def test_registering_an_id_twice_raises_and_keeps_the_first():
    first = REGISTRY["outline"]
    with pytest.raises(RuleError, match="'outline' is registered twice"):
        rule("outline", name="分级合计", description="又一个")(lambda p: p)
    assert REGISTRY["outline"] is first


def test_an_emitted_id_has_one_chinese_name():
    with pytest.raises(RuleError, match="names 'code_hierarchy'"):
        rule("another_hierarchy", name="别的层级", description="…",
             emits={"code_hierarchy": "别的名字"})(lambda p: p)
    assert "another_hierarchy" not in REGISTRY


def test_a_rule_that_emits_an_undeclared_id_fails():
    def rule_sloppy(p):
        return _frame([_one(WHERE, "not_declared", "warning", "t05", "x", None, None, "…", 1)])

    sloppy = Rule("sloppy", rule_sloppy, {"sloppy": "马虎"}, "马虎", "…", "warning")
    with pytest.raises(RuleError, match=r"'sloppy' emitted \['not_declared'\]"):
        run_rules(panel([cell("t05", "206", "total", "1")]), rules=[sloppy])


def test_rules_run_family_by_family_in_registration_order():
    families = [r.func.__module__.rsplit(".", 1)[1] for r in REGISTRY.values()]
    order = ["shape", "hierarchy", "cross_table", "claims", "years", "templates"]
    assert [f for i, f in enumerate(families) if i == 0 or families[i - 1] != f] == order
    assert list(REGISTRY)[:3] == ["code_level", "tables_present", "code_hierarchy"]


def test_rule_name_gives_the_chinese_name_of_rules_and_of_the_ids_they_emit():
    assert rule_name("outline") == "分级合计"
    assert rule_name("duplicate_row") == "重复编码"
    assert rule_name("code_hierarchy") == "科目层级"
    assert rule_name("table_unreadable") == "表格未能读入"
    assert rule_name("no_such_rule") == "no_such_rule"


def test_every_rule_is_described_and_its_parameters_exist():
    for r in REGISTRY.values():
        assert r.func.__name__ == f"rule_{r.id}"
        assert r.name and r.description and r.severity and r.emits
        assert all(t in schema.TABLES for t in r.tables), r.id
        assert set(r.roles) <= set(schema.ROLES), r.id
        for name in r.params:
            assert hasattr(params, name) or hasattr(schema, name), (r.id, name)


def test_parameters_have_one_home():
    for name in ("ROW_PARTS", "SHARED_COLUMNS", "FUND_SCOPE"):
        assert hasattr(params, name) and not hasattr(schema, name)
    assert params.SHARED_COLUMNS[2].column_a == "personnel+public"
    assert params.FACTS[0] == ("t01 收入总计", "t01", "收入", "收入总计", "amount")


def test_the_finding_schema_accepts_findings_and_refuses_a_broken_one():
    found = run_rules(panel([cell("t05", "2060", "total", "1.00"),
                             cell("t05", "206", "total", "2.00"),
                             cell("t05", "20601", "total", "1.00")]))
    assert set(found["rule"]) == {"code_level", "code_hierarchy"}
    finding_schema().validate(found)
    broken = found.copy()
    broken.loc[0, "expected"] = 1.5  # a float, not a Decimal
    broken.loc[1, "severity"] = "fatal"
    with pytest.raises(Exception, match="Decimal") as info:
        finding_schema().validate(broken, lazy=True)
    assert "fatal" in str(info.value)
    assert isinstance(found.loc[found["rule"] == "code_hierarchy", "expected"].iloc[0],
                      Decimal)


def test_findings_of_every_committed_department_year_meet_the_schema(committed_settings):
    s = committed_settings
    found = run_rules(load_panel({dy.key: s.dept_year_dir(dy) for dy in s.dept_years()}))
    assert len(found) > 10 and {"error", "warning"} <= set(found["severity"])
    validated = finding_schema().validate(found)
    pd.testing.assert_frame_equal(validated, found)


def test_the_catalogue_is_current():
    assert CATALOGUE.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is out of date: regenerate it with "
        "`.venv/bin/python -m fiscal.checks.catalogue`")
    for r in REGISTRY.values():
        assert f"| `{r.id}` | {r.name}{'（核心）' if r.core else ''} |" in render()
