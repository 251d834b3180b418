"""Policy evaluation: findings in, a decision per finding and a verdict out. Pure.

Precedence, for each finding (the first step that applies decides):

1. severity: the first ``severity_overrides`` entry that selects the finding re-rates it
   (the tool's rating stays on the finding); still unrated -> ``unknown_severity``;
2. a VEX statement (``--vex``): the latest one about the finding's vulnerability (its id or
   an alias) and product says ``not_affected`` or ``fixed`` -> suppressed
   (``gatekeeper/policy/vex.py``);
3. the scanner's own suppression -> suppressed;
4. the first active policy exception that selects it -> suppressed;
5. the first enabled rule that selects it -> its ``action``, or its thresholds (each
   threshold it does not set falls back to the top-level one). Rules in ``mode: warn`` are
   previews: they are skipped, and when one would have failed a finding that the decision
   below lets pass (or ignores), the finding warns instead.
   A licence finding under a policy with ``licenses:`` (the rule's, each key falling back to
   the top-level one) is decided by licence instead (``gatekeeper/policy/licenses.py``);
6. the top-level defaults: ``secrets`` for secrets, ``licenses`` (when set) for licence
   findings, then ``ignore_unfixed``, then
   ``fail_on`` / ``fail_on_cvss``, then ``approve_on``, then ``warn_on`` / ``warn_on_cvss``;
   else pass.

One problem reported by several tools is then one decision, its worst sighting's
(``gatekeeper/policy/correlate.py``), so budgets and counts see it once.

Then budgets: when more findings at or above a rule's budget severity pass (or warn) under
that rule than its ``max``, all of them fail. A missing required report is a gate problem.
Status: any failure (or gate problem) fails; else any finding needing approval -> needs
approval; in warn mode both only warn.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace

from typing import TYPE_CHECKING

from gatekeeper.model import Finding, FixState, Kind, Report, Severity
from gatekeeper.policy.exceptions import ExceptionLedger
from gatekeeper.policy.model import Action, Licenses, Policy, Rule, SeverityOverride, Thresholds
from gatekeeper.policy.categories import categories_of
from gatekeeper.verdict import Decision, Evaluated, Outcome, Verdict, sort_key, status_of

if TYPE_CHECKING:
    from gatekeeper.baseline import Baseline
    from gatekeeper.change import Change
    from gatekeeper.risk import EpssScore, Exploitation, RiskData
    from gatekeeper.policy.vex import VexLedger
    from gatekeeper.vex import VexSet

_ACTION_OUTCOME = {
    Action.FAIL: Outcome.FAIL,
    Action.APPROVE: Outcome.APPROVE,
    Action.WARN: Outcome.WARN,
    Action.IGNORE: Outcome.IGNORE,
}


def rate(finding: Finding, policy: Policy, categories: frozenset[str]) -> tuple[Severity, SeverityOverride | None]:
    """The severity the policy uses, and the override that set it (if any)."""
    severity, override = finding.severity, None
    for o in policy.severity_overrides:
        if o.match.matches(finding, categories, finding.severity):
            severity, override = o.severity, o
            break
    if severity is Severity.UNKNOWN:
        severity = policy.unknown_severity
    return severity, override


_TOP_LEVEL = Thresholds()
"""A rule's thresholds when no rule selects the finding: all from the top-level settings."""

Memo = dict[tuple[object, ...], Decision]
"""Threshold decisions already taken in one evaluation, keyed by their whole input."""


def _thresholds(
    f: Finding, severity: Severity, rated: str, t: Thresholds, policy: Policy, by: str | None, memo: Memo | None = None,
    epss_data: bool = False, epss: EpssScore | None = None,
) -> Decision:
    """Decide by thresholds; ``by`` names the rule, or ``None`` for the top-level settings.

    With a ``memo``, equal inputs share one (frozen) ``Decision``.
    """
    unfixed = f.kind is Kind.VULNERABILITY and f.fix is FixState.NONE
    status = f.status if unfixed else None  # NOTE: the status is only read for an unfixed finding
    score = f.cvss_score
    if not epss_data:
        epss = None  # NOTE: a score no condition reads must not split the memo (one key per CVE)
    if memo is None:
        return _decide_by_thresholds(policy, t, by, severity, rated, unfixed, status, score, epss_data, epss)
    # NOTE: a speed device. 50k findings of one report come to a few hundred distinct
    # threshold decisions; deciding (and formatting the reason strings) once per distinct
    # input instead of once per finding was ~10% of a large report's gate (bench/README.md).
    # The key is every argument of ``_decide_by_thresholds`` but the policy, which is fixed
    # for the memo's life (one evaluation): a new input to that decision has to be a new
    # parameter, and goes into this key beside it. The thresholds are keyed by identity:
    # they belong to the policy, which outlives the memo.
    key = (id(t), by, severity, rated, unfixed, status, score, epss_data, epss)
    decided = memo.get(key)
    if decided is None:
        decided = memo[key] = _decide_by_thresholds(policy, t, by, severity, rated, unfixed, status, score, epss_data, epss)
    return decided


def _decide_by_thresholds(
    policy: Policy, t: Thresholds, by: str | None, severity: Severity, rated: str, unfixed: bool,
    status: str | None, score: float | None, epss_data: bool = False, epss: EpssScore | None = None,
) -> Decision:
    """Decide by thresholds; ``epss_data``: EPSS scores were given and the finding is a
    vulnerability, ``epss`` its score (``None``: unscored)."""
    if not epss_data:
        return _by_severity(policy, t, by, severity, rated, unfixed, status, score)
    from gatekeeper.policy.exploitation import by_epss

    def pick(name: str) -> object:
        own = getattr(t, name)
        return own if own is not None else getattr(policy, name)

    base = _by_severity(policy, t, by, severity, rated, unfixed, status, score)
    if unfixed and pick("ignore_unfixed"):  # EPSS decides after ignore_unfixed; only KEV pierces it
        return base
    return by_epss(base, pick, epss, lambda outcome, reason, setting: Decision(outcome, reason, by or setting, severity))


def _by_severity(
    policy: Policy, t: Thresholds, by: str | None, severity: Severity, rated: str, unfixed: bool,
    status: str | None, score: float | None,
) -> Decision:
    d = policy.defaults

    def pick(name: str) -> object:
        own = getattr(t, name)
        return own if own is not None else getattr(d, name)

    def decision(outcome: Outcome, reason: str, setting: str) -> Decision:
        return Decision(outcome, reason, by or setting, severity)

    if pick("ignore_unfixed") and unfixed:
        why = f" (status {status})" if status else ""
        return decision(Outcome.IGNORE, f"no fix available{why}", "ignore_unfixed")
    fail_on, warn_on = pick("fail_on"), pick("warn_on")
    fail_cvss, warn_cvss = pick("fail_on_cvss"), pick("warn_on_cvss")
    assert isinstance(fail_on, Severity)
    if severity >= fail_on:
        return decision(Outcome.FAIL, f"severity {rated} >= fail_on {fail_on.label}", "fail_on")
    if isinstance(fail_cvss, float | int) and score is not None and score >= fail_cvss:
        return decision(Outcome.FAIL, f"CVSS {score:g} >= fail_on_cvss {fail_cvss:g}", "fail_on_cvss")
    approve_on = pick("approve_on")
    if isinstance(approve_on, Severity) and severity >= approve_on:
        return decision(Outcome.APPROVE, f"severity {rated} >= approve_on {approve_on.label}: needs a person's sign-off", "approve_on")
    if isinstance(warn_on, Severity) and severity >= warn_on:
        return decision(Outcome.WARN, f"severity {rated} >= warn_on {warn_on.label}", "warn_on")
    if isinstance(warn_cvss, float | int) and score is not None and score >= warn_cvss:
        return decision(Outcome.WARN, f"CVSS {score:g} >= warn_on_cvss {warn_cvss:g}", "warn_on_cvss")
    return decision(Outcome.PASS, f"severity {rated} < fail_on {fail_on.label}", "fail_on")


def _by_licence(f: Finding, severity: Severity, licenses: Licenses, by: str | None) -> Decision:
    """A licence finding (its rule id is the SPDX expression) decided by ``licenses:``."""
    from gatekeeper.policy.licenses import decide_licence  # NOTE: only a licence policy needs the SPDX library

    d = decide_licence(f.rule_id, licenses)
    return Decision(d.outcome, d.reason, by or d.setting, severity)


def _by_rule(
    f: Finding, severity: Severity, rated: str, rule: Rule, policy: Policy, memo: Memo | None = None,
    epss_data: bool = False, epss: EpssScore | None = None,
) -> Decision:
    by = f"rule {rule.id} ({rule.origin})"
    licenses = policy.licenses.refined_by(rule.licenses) if policy.licenses else rule.licenses
    if rule.action is not None:
        why = f": {rule.description}" if rule.description else ""
        d = Decision(_ACTION_OUTCOME[rule.action], f"rule {rule.id} says {rule.action.value}{why}", by, severity)
    elif f.kind is Kind.LICENSE and licenses is not None:
        d = _by_licence(f, severity, licenses, by)
        d = replace(d, reason=f"{d.reason} (rule {rule.id})")
    else:
        d = _thresholds(f, severity, rated, rule.thresholds, policy, by, memo, epss_data, epss)
        d = replace(d, reason=f"{d.reason} (rule {rule.id})")
    return d


def _decide(
    f: Finding, policy: Policy, categories: frozenset[str], ledger: ExceptionLedger | None, memo: Memo | None = None,
    x: Exploitation | None = None, epss_data: bool = False,
    vex: VexLedger | None = None, report: Report | None = None,
) -> tuple[Decision, Rule | None]:
    """The decision on ``f`` and the rule that made it; ``x``: what ``--kev``/``--epss`` data
    knows of it, ``epss_data``: EPSS scores were given and ``f`` is a vulnerability."""
    severity, override = rate(f, policy, categories)
    if override is not None:
        why = f": {override.reason}" if override.reason else ""
        rated = f"{severity.label} (re-rated from {f.severity.label} at {override.origin}{why})"
    elif severity is not f.severity:
        rated = f"unrated, treated as {severity.label}"
    else:
        rated = severity.label
    # NOTE: the ids checked against every id the statements name in C first: the look-up per
    # finding is then paid only by findings some statement is about (bench/README.md).
    if vex is not None and (f.rule_id in vex.keys or not vex.keys.isdisjoint(f.identifiers)):
        statement = vex.find(f, report)
        if statement is not None:
            words = "not affected" if statement.status.value == "not_affected" else "fixed"
            reason = f"{words} per VEX {statement.source} ({statement.ref}, {statement.vulnerability}): {statement.why()}"
            by = f"vex {statement.source} {statement.ref}"
            return Decision(Outcome.SUPPRESSED, reason, by, severity, vex.ref(statement)), None
    if f.suppression is not None:
        why = f.suppression.justification or "no reason given"
        reason = f"suppressed in {f.tool} ({f.suppression.kind}): {why}"
        return Decision(Outcome.SUPPRESSED, reason, f"{f.tool} suppression", severity), None
    exc = ledger.find(f, categories, severity) if ledger else None
    if exc is not None:
        who = f"owner {exc.owner}" + (f", approved by {exc.approved_by}" if exc.approved_by and exc.approved_by != exc.owner else "")
        reason = f"excepted until {exc.expires} ({who}): {exc.reason}"
        if x is not None and x.kev is not None:
            reason += f"; {x.kev.cve} is known exploited (CISA KEV): accepted by this exception"
        return Decision(Outcome.SUPPRESSED, reason, f"exception {exc.id}", severity), None
    epss = x.epss if x is not None else None
    preview: Decision | None = None
    decided: tuple[Decision, Rule | None] | None = None
    for rule in policy.rules:
        if not rule.match.matches(f, categories, severity):
            continue
        if rule.warn_only:
            # A rule being rolled out only previews: it never takes a finding from the rules
            # after it, so it can add warnings but never weaken the gate.
            d = _by_rule(f, severity, rated, rule, policy, memo, epss_data, epss)
            if preview is None and d.outcome in (Outcome.FAIL, Outcome.APPROVE):
                would = "fail" if d.outcome is Outcome.FAIL else "need approval"
                preview = replace(d, outcome=Outcome.WARN, reason=f"{d.reason}; rule in warn mode, would {would}")
            continue
        decided = _by_rule(f, severity, rated, rule, policy, memo, epss_data, epss), rule
        break
    if decided is None:
        if f.kind is Kind.SECRET:
            outcome = _ACTION_OUTCOME[policy.secrets]
            decided = Decision(outcome, f"a secret was found (secrets: {policy.secrets.value})", "secrets", severity), None
        elif f.kind is Kind.LICENSE and policy.licenses is not None:
            decided = _by_licence(f, severity, policy.licenses, None), None
        elif f.kind is Kind.LICENSE and f.severity is Severity.UNKNOWN and override is None:
            # NOTE: an SBOM names each component's licence without rating it. Rated as
            # unknown_severity (high), every component of every SBOM would fail a gate that has
            # no licence policy; a licence is judged by `licenses:` or not at all. Trivy's
            # licence findings carry Trivy's own rating and stay decided by severity.
            why = "a licence the scanner did not rate, and the policy has no licences: section to judge it"
            decided = Decision(Outcome.PASS, why, "licenses", f.severity), None
        else:
            decided = _thresholds(f, severity, rated, _TOP_LEVEL, policy, None, memo, epss_data, epss), None
    if x is not None and x.kev is not None and ledger is not None:
        from gatekeeper.policy.exploitation import kev_floor

        rule = decided[1]
        by = f"rule {rule.id} ({rule.origin})" if rule is not None else None
        decided = kev_floor(decided[0], x.kev, rule.thresholds if rule else _TOP_LEVEL, policy, by, ledger.today), rule
    if preview is not None and decided[0].outcome in (Outcome.PASS, Outcome.IGNORE):
        return replace(preview, reason=f"{preview.reason} (otherwise: {decided[0].reason})"), None
    return decided


def decide(finding: Finding, policy: Policy, report: Report | None = None) -> Decision:
    """The decision on one finding (exceptions are not consulted: they need a date)."""
    return _decide(finding, policy, categories_of(finding, report), None)[0]


def _apply_budgets(decided: list[tuple[Evaluated, Rule | None]]) -> list[Evaluated]:
    counted: dict[str, list[int]] = {}
    for i, (e, rule) in enumerate(decided):
        if rule is None or rule.budget is None:
            continue
        if e.placed is not None and e.placed[0] == "outside" and not rule.whole_codebase:
            continue  # a pull request's gate counts its change only (policy/change.py)
        if e.decision.outcome in (Outcome.PASS, Outcome.WARN) and e.decision.severity >= rule.budget.severity:
            counted.setdefault(rule.id, []).append(i)
    out = [e for e, _ in decided]
    for indexes in counted.values():
        rule = decided[indexes[0]][1]
        assert rule is not None and rule.budget is not None
        b, n = rule.budget, len(indexes)
        over = n > b.max
        for i in indexes:
            d = out[i].decision
            if over:
                outcome = Outcome.FAIL
                reason = f"budget exceeded: {n} findings at {b.severity.label} or above, at most {b.max} allowed (rule {rule.id})"
                d = replace(d, outcome=outcome, reason=reason)
            else:
                d = replace(d, reason=f"{d.reason}; within budget ({n} of {b.max} {b.severity.label}+ allowed)")
            out[i] = replace(out[i], decision=d)
    return out


def missing_reports(reports: tuple[Report, ...], policy: Policy) -> list[str]:
    """A message for each required report that no input provides."""
    categories = set().union(*(r.categories for r in reports)) if reports else set()
    tools = {r.tool.lower() for r in reports}
    out = []
    for req in policy.required:
        if req.category is not None and req.category not in categories:
            have = ", ".join(sorted(categories)) or "none"
            out.append(f"required report missing: the policy requires {req.describe()} (categories present: {have})")
        if req.tool is not None and req.tool not in tools:
            have = ", ".join(sorted(tools)) or "none"
            out.append(f"required report missing: the policy requires {req.describe()} (tools present: {have})")
    return out


def _report_checks(
    reports: tuple[Report, ...], policy: Policy, now: datetime.datetime | None, problems: list[str], notices: list[str]
) -> bool:
    """Coverage gaps, report age and duplicates, each decided by its ``reports:`` setting.

    Adds to ``problems`` (fail) or ``notices`` (warn, ignore: a gap is never dropped
    silently); returns whether any of them warns.
    """
    from gatekeeper.integrity import ProblemKind, duplicate_reports, stale_reports

    checks: list[tuple[Action, str]] = [
        (policy.coverage_gaps, f"{r.source}: not audited: {g.subject}: {g.reason}") for r in reports for g in r.gaps
    ]
    if policy.max_report_age is not None:
        now = now or datetime.datetime.now(datetime.timezone.utc)
        for p in stale_reports(reports, policy.max_report_age, now):
            checks.append((policy.undated_reports if p.kind is ProblemKind.UNDATED else Action.FAIL, p.message))
    checks.extend((policy.duplicate_reports, p.message) for p in duplicate_reports(reports))
    warned = False
    for action, message in checks:
        if action is Action.FAIL:
            problems.append(message)
        else:
            warned = warned or action is Action.WARN
            notices.append(message)
    return warned


def evaluate(
    reports: Iterable[Report],
    policy: Policy,
    today: datetime.date | None = None,
    baseline: Baseline | None = None,
    now: datetime.datetime | None = None,
    change: Change | None = None,
    risk: RiskData | None = None,
    vex: VexSet | None = None,
) -> Verdict:
    """Decide every finding of every report and the gate's status, as of ``today``.

    ``risk``: the KEV catalog and EPSS scores given (``gatekeeper/policy/exploitation.py``).

    One problem seen by several tools is one decision (``gatekeeper/policy/correlate.py``), before
    budgets count; a ``baseline`` excuses known findings after them (``gatekeeper/baseline.py``).
    With a ``change`` (a pull request's diff), findings outside it are excused before budgets
    count (``gatekeeper/policy/change.py``).
    """
    from gatekeeper.policy.correlate import correlate_reports

    reports = tuple(reports)
    ledger = ExceptionLedger(policy, today or datetime.date.today())
    vex_ledger = None
    if vex is not None:  # NOTE: imported only with VEX documents: a gate without them loads no VEX code
        from gatekeeper.policy.vex import VexLedger

        vex_ledger = VexLedger(vex)
    decided = []
    memo: Memo = {}
    if risk is None:
        for r in reports:
            for f in r.findings:
                d, rule = _decide(f, policy, categories_of(f, r), ledger, memo, vex=vex_ledger, report=r)
                decided.append((Evaluated(f, d), rule))
    else:
        # NOTE: scores only matter where an EPSS condition is set; otherwise they are shown
        # (``exploitation``), and each finding is decided as without them: 50k findings with
        # 280k scores, 0.16 s less (bench/README.md, issue 20).
        scores = risk.epss is not None and policy.uses_epss()
        for r in reports:
            for f in r.findings:
                x = risk.assess(f.rule_id, f.identifiers)
                d, rule = _decide(f, policy, categories_of(f, r), ledger, memo, x, scores and f.kind is Kind.VULNERABILITY, vex_ledger, r)
                decided.append((Evaluated(f, d, exploitation=x), rule))
    correlated = correlate_reports(decided, reports)
    scope = None
    if change is not None:  # NOTE: imported only when given: a gate without a diff starts as fast
        from gatekeeper.policy.change import judge_change, place_all

        correlated, scope = judge_change(correlated, place_all(reports, change, policy), policy, change)
    results = _apply_budgets(correlated)
    known: list[str] = []
    if baseline is not None:  # NOTE: imported only when given: a small gate starts faster
        from gatekeeper.baseline import apply_baseline

        results, known = apply_baseline(results, baseline, policy.baseline_known_until, ledger.today)
    results.sort(key=sort_key)
    problems = missing_reports(reports, policy)
    vex_uses = vex_ledger.uses() if vex_ledger is not None else ()
    notices: list[str] = [*policy.notices, *ledger.notices(), *(vex_ledger.notices(vex_uses) if vex_ledger else ()), *known]
    for r in reports:
        notices.extend(f"{r.source}: {w}" for w in r.warnings)
    gate_warnings = _report_checks(reports, policy, now, problems, notices)
    if risk is not None:
        from gatekeeper.policy.exploitation import stale_data

        for action, message in stale_data(risk, policy, now or datetime.datetime.now(datetime.timezone.utc)):
            if action is Action.FAIL:
                problems.append(message)
            else:
                gate_warnings = gate_warnings or action is Action.WARN
                notices.append(message)
    return Verdict(
        status=status_of(results, problems, policy.enforce, warned=gate_warnings),
        results=tuple(results),
        reports=reports,
        policy_name=policy.name,
        enforce=policy.enforce,
        problems=tuple(problems),
        notices=tuple(notices),
        environment=policy.environment,
        exceptions=ledger.uses(),
        gate_warnings=gate_warnings,
        policy_files=policy.files,
        change=scope,
        data_files=(risk.files if risk is not None else ()) + (vex.files if vex is not None else ()),
        data_dates=risk.dates() if risk is not None else (),
        vex=vex_uses,
    )
