"""Helpers for policy tests: the real fixture reports, policies written from text, a fixed clock."""

from __future__ import annotations

import datetime
import textwrap
from functools import cache
from pathlib import Path

from gatekeeper.model import Report
from gatekeeper.policy import Policy, evaluate, load_policy
from gatekeeper.sources import load_report
from gatekeeper.verdict import Evaluated, Verdict
from tests.conftest import REPORTS, ROOT

POLICIES = ROOT / "policies"
TODAY = datetime.date(2026, 12, 1)
"""The clock every policy test evaluates at."""


@cache
def fixture(name: str) -> Report:
    """A real scanner report from ``fixtures/reports``, adapted."""
    return load_report(str(REPORTS / name), None)


def fixtures(*names: str) -> list[Report]:
    return [fixture(n) for n in names]


def all_fixtures() -> list[Report]:
    return [fixture(p.name) for p in sorted(REPORTS.iterdir()) if p.is_file()]


def write_policy(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def policy_from(tmp_path: Path, text: str, env: str | None = None) -> Policy:
    return load_policy(write_policy(tmp_path, text), env)


def run(policy: Policy, *names: str, today: datetime.date = TODAY) -> Verdict:
    return evaluate(fixtures(*names), policy, today=today)


def results_for(verdict: Verdict, rule_id: str, tool: str | None = None) -> list[Evaluated]:
    return [e for e in verdict.results if e.finding.rule_id == rule_id and (tool is None or e.finding.tool == tool)]
