"""Judging a change: findings outside it are reported but do not fail.

After every finding is decided (and correlated), a finding that lies outside the change
(``gatekeeper/change/place.py``) and would fail, need approval or warn is ignored instead,
decided by ``change (diff-filter F)``, its reason saying why it is outside and what it would
have been. A correlated problem is in the change when any tool's sighting of it is.

Kept as decided: findings in the change; findings of a rule with ``scope: codebase``; secrets
under ``change: {secrets: codebase}``; findings the diff cannot place, unless ``change:
{unplaced: outside}``. Budgets are counted afterwards, over the change only (a finding outside
it that passes is not counted either: ``evaluate._apply_budgets``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from gatekeeper.change import IN, OUTSIDE, UNPLACED, Change, Placer
from gatekeeper.model import Finding, Kind, Report
from gatekeeper.policy.categories import categories_of
from gatekeeper.policy.model import Policy, Rule
from gatekeeper.verdict import ChangeScope, Decision, Evaluated, Outcome

T = TypeVar("T", bound="Rule | None")
_EXCUSED = (Outcome.FAIL, Outcome.APPROVE, Outcome.WARN)
_RANK = {IN: 2, UNPLACED: 1, OUTSIDE: 0}


def place_all(reports: Iterable[Report], change: Change, policy: Policy) -> dict[int, tuple[str, str]]:
    """Every finding's place in the change, by the finding's ``id``."""
    placer = Placer(change, secrets_by_file=policy.change_secrets == "file")
    return {id(f): placer.place(f, categories_of(f, r)) for r in reports for f in r.findings}


def judge_change(
    decided: Sequence[tuple[Evaluated, T]], placed: Mapping[int, tuple[str, str]], policy: Policy, change: Change,
) -> tuple[list[tuple[Evaluated, T]], ChangeScope]:
    """The decisions with findings outside the change excused, and what the change did."""
    by = f"change (diff-filter {change.filter.value})"
    out: list[tuple[Evaluated, T]] = []
    outside = excused = unplaced = 0
    # NOTE: 50k findings share a few hundred decisions and far fewer places than findings: an
    # excused decision is made once per (decision, place), and each result is built with the
    # fast constructor, not dataclasses.replace (0.5 s of 50k findings; bench/README.md).
    made: dict[tuple[int, str], Decision] = {}
    for e, rule in decided:
        where = _where(e, placed)
        state = where[0]
        if state == UNPLACED:
            unplaced += 1
            if policy.change_unplaced == "outside":
                state = OUTSIDE
                where = (OUTSIDE, f"{where[1]} (change: {{unplaced: outside}})")
        d = e.decision
        if state == OUTSIDE:
            outside += 1
            if d.outcome in _EXCUSED and not _whole_codebase(e.finding, rule, policy):
                excused += 1
                key = (id(d), where[1])
                excuse = made.get(key)
                if excuse is None:
                    reason = f"outside the change ({where[1]}); if it were in the change: {d.reason}"
                    excuse = made[key] = replace(d, outcome=Outcome.IGNORE, reason=reason, decided_by=by)
                d = excuse
        # NOTE: every field, positionally (tests/change/test_policy_change.py holds the list).
        out.append((Evaluated(e.finding, d, e.also, e.known, where, e.exploitation), rule))
    scope = ChangeScope(
        against=change.against, filter=change.filter.value, files=len(change.diff.files), outside=outside,
        excused=excused, unplaced=unplaced, diff_file=None if change.base_ref else change.diff.source,
        base_ref=change.base_ref, merge_base=change.merge_base, sha256=change.sha256,
    )
    return out, scope


def _where(e: Evaluated, placed: Mapping[int, tuple[str, str]]) -> tuple[str, str]:
    best = placed.get(id(e.finding), (UNPLACED, "not placed"))
    for f in e.also:
        other = placed.get(id(f))
        if other is not None and _RANK[other[0]] > _RANK[best[0]]:
            best = other
    return best


def _whole_codebase(f: Finding, rule: Rule | None, policy: Policy) -> bool:
    return (rule is not None and rule.whole_codebase) or (f.kind is Kind.SECRET and policy.change_secrets == "codebase")
