"""Console summary: counts by tool and severity, the failing findings, and the verdict.

Sample::

    gatekeeper: 3 reports, 41 findings (policy: built-in default)

      tool        critical      high    medium       low      info   unknown
      trivy              2         5        10         3         0         0
      gitleaks           0         4         0         0         0         0
      total              2         9        10         3         0         0

    FAIL  critical  trivy     CVE-2023-1234 in openssl 1.1.1k (fixed in 1.1.1l)
                              image alpine:3.10 [openssl]  - severity critical >= fail_on high
    ...
    ... and 9,950 more to act on (9,900 failing, 50 warnings):
          trivy     9,000 (critical 12, high 8,988)
          checkov     950 (high 950)
        see the SARIF, JSON or HTML report for all of them

    note: exception SEC-101 (policy.yaml:5) expires on 2026-01-31 (in 9 days); renew or fix
    FAILED: 9 findings violate the policy.

Readable at 10 and at 10,000 findings: findings to act on worst first, at most ``limit``
listed, the rest summarised per tool and severity. Colour only when asked (the CLI
decides: a terminal and no ``NO_COLOR``). Report text passes through ``escape.terminal``.
"""

from __future__ import annotations

from collections import Counter

from gatekeeper.model import Severity
from gatekeeper.reporters.escape import terminal
from gatekeeper.reporters.interface import TextReporter
from gatekeeper.verdict import ApprovalUse, ChangeScope, Evaluated, Outcome, Status, Verdict

_SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN]
_LISTED = (Outcome.FAIL, Outcome.APPROVE, Outcome.WARN)
_COLOURS: dict[object, str] = {
    Outcome.FAIL: "\x1b[1;31m",
    Outcome.APPROVE: "\x1b[1;35m",
    Outcome.WARN: "\x1b[33m",
    Status.FAILED: "\x1b[1;31m",
    Status.NEEDS_APPROVAL: "\x1b[1;35m",
    Status.WARNED: "\x1b[1;33m",
    Status.PASSED: "\x1b[1;32m",
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.HIGH: "\x1b[31m",
    Severity.MEDIUM: "\x1b[33m",
    "dim": "\x1b[2m",
}
_RESET = "\x1b[0m"


class ConsoleFormat(TextReporter):
    """Plain text for people, with optional ANSI colour."""

    def __init__(self, colour: bool = False, limit: int = 50, *, root: str | None = None) -> None:
        super().__init__(root=root)
        self.colour = colour
        self.limit = limit

    def _paint(self, key: object, text: str) -> str:
        code = _COLOURS.get(key)
        return f"{code}{text}{_RESET}" if self.colour and code else text

    def format(self, verdict: Verdict) -> str:
        lines = [self._header(verdict), ""]
        if verdict.change is not None:
            lines[1:1] = [terminal(change_line(verdict.change), 600)]
        vex = vex_line(verdict)
        if vex:
            lines.insert(len(lines) - 1, terminal(vex, 600))
        lines += self._table(verdict)
        listed = known_exploited_first([e for e in verdict.results if e.decision.outcome in _LISTED])
        if listed:
            lines.append("")
            for e in listed[: self.limit]:
                lines += self._finding(e)
            if len(listed) > self.limit:
                lines += self._rest(listed[self.limit :])
        if verdict.notices:
            lines.append("")
            lines += [f"note: {terminal(n, 400)}" for n in verdict.notices[:20]]
            if len(verdict.notices) > 20:
                lines.append(f"note: ... and {len(verdict.notices) - 20} more notes")
        for problem in verdict.problems:
            lines.append(self._paint(Status.FAILED, f"error: {terminal(problem, 400)}"))
        lines += ["", self._paint(verdict.status, summary_line(verdict))]
        return "\n".join(lines) + "\n"

    def _finding(self, e: Evaluated) -> list[str]:
        f, d = e.finding, e.decision
        word = "APPR" if d.outcome is Outcome.APPROVE else d.outcome.value.upper()
        tag = self._paint(d.outcome, f"{word:<4}")
        sev = self._paint(d.severity, f"{d.severity.label:<8}")
        mark = "[KEV] " if e.exploitation is not None and e.exploitation.kev is not None else ""
        return [
            f"{tag}  {sev}  {terminal(', '.join(e.seen_by), 60):<9} {mark}{terminal(f.title, 160)}",
            f"{'':26}{terminal(f.location.display(), 160)}  " + self._paint("dim", f"- {terminal(d.reason, 160)}"),
        ]

    def _rest(self, rest: list[Evaluated]) -> list[str]:
        by_outcome = Counter(e.decision.outcome for e in rest)
        what = ", ".join(
            f"{by_outcome[o]:,} {name}"
            for o, name in ((Outcome.FAIL, "failing"), (Outcome.APPROVE, "awaiting approval"), (Outcome.WARN, "warnings"))
            if by_outcome[o] or o is not Outcome.APPROVE
        )
        lines = [f"... and {len(rest):,} more to act on ({what}):"]
        by_tool: dict[str, Counter[Severity]] = {}
        # NOTE: pairs counted in C, then split (thousands of findings to act on)
        for (tool, severity), n in Counter([(e.finding.tool, e.decision.severity) for e in rest]).items():
            by_tool.setdefault(tool, Counter())[severity] = n
        ranked = sorted(by_tool.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        for tool, counts in ranked[:10]:
            detail = ", ".join(f"{s.label} {counts[s]:,}" for s in _SEVERITIES if counts[s])
            lines.append(f"      {terminal(tool, 20):<9} {sum(counts.values()):>6,} ({detail})")
        if len(ranked) > 10:
            lines.append(f"      ... and {len(ranked) - 10} more tools")
        lines.append("    see the SARIF, JSON or HTML report for all of them")
        return lines

    def _header(self, verdict: Verdict) -> str:
        n_reports = len(verdict.reports)
        n = len(verdict.results)
        env = f", environment {terminal(verdict.environment, 60)}" if verdict.environment else ""
        mode = "" if verdict.enforce else ", warn mode"
        return (
            f"gatekeeper: {n_reports} report{'s' if n_reports != 1 else ''}, "
            f"{n:,} finding{'s' if n != 1 else ''} (policy: {terminal(verdict.policy_name, 200)}{env}{mode})"
        )

    def _table(self, verdict: Verdict) -> list[str]:
        table = verdict.by_tool_and_severity()
        for r in verdict.reports:
            table.setdefault(r.tool, Counter())
        width = max([len("total")] + [len(terminal(t, 30)) for t in table])
        head = "  " + "tool".ljust(width) + "".join(f"{s.label:>10}" for s in _SEVERITIES)
        rows = [head]
        total: Counter[Severity] = Counter()
        for tool in sorted(table):
            counts = table[tool]
            total.update(counts)
            rows.append("  " + terminal(tool, 30).ljust(width) + "".join(f"{counts[s]:>10,}" for s in _SEVERITIES))
        if len(table) > 1:
            rows.append("  " + "total".ljust(width) + "".join(f"{total[s]:>10,}" for s in _SEVERITIES))
        return rows


def known_exploited_first(listed: list[Evaluated]) -> list[Evaluated]:
    """Findings in CISA's KEV catalog (``--kev``) first, each part in its order (worst first)."""
    if not any(e.exploitation is not None and e.exploitation.kev is not None for e in listed):
        return listed
    return sorted(listed, key=lambda e: e.exploitation is None or e.exploitation.kev is None)


def change_line(change: ChangeScope) -> str:
    """One line: the change the gate judged, against what, the filter, and what lay outside it."""
    files = f"{change.files:,} file{'s' if change.files != 1 else ''}"
    line = f"change: judged the change against {change.against} (diff-filter {change.filter}, {files} changed): "
    line += f"{change.outside:,} finding{'s' if change.outside != 1 else ''} outside it"
    if change.excused:
        line += f" ({change.excused:,} would fail, need approval or warn in it: reported, not failing)"
    if change.unplaced:
        line += f"; {change.unplaced:,} could not be placed (decided as usual unless the policy says otherwise)"
    return line


def vex_line(verdict: Verdict) -> str | None:
    """One line when VEX documents were given (``--vex``): what their statements suppressed,
    and how many matched nothing (stale); ``None`` otherwise."""
    documents = sum(1 for kind, _, _ in verdict.data_files if kind == "vex")
    if not documents and not verdict.vex:
        return None
    suppressed = sum(u.matched for u in verdict.vex)
    used = sum(1 for u in verdict.vex if u.matched)
    stale = len(verdict.vex) - used
    docs = f"{documents} document{'s' if documents != 1 else ''}"
    line = f"vex: {suppressed:,} finding{'s' if suppressed != 1 else ''} suppressed by {used:,} statement{'s' if used != 1 else ''} ({docs})"
    if stale:
        line += f"; {stale:,} not_affected/fixed statement{'s' if stale != 1 else ''} matched nothing (stale)"
    return line


def summary_line(verdict: Verdict) -> str:
    """One line: the verdict and why."""
    fails = verdict.count(Outcome.FAIL)
    warns = verdict.count(Outcome.WARN)
    approvals = verdict.count(Outcome.APPROVE)
    problems = len(verdict.problems)
    need = f"{approvals:,} finding{'s' if approvals != 1 else ''} need{'s' if approvals == 1 else ''} approval"
    if verdict.status is Status.FAILED:
        why = []
        if fails:
            why.append(f"{fails:,} finding{'s' if fails != 1 else ''} violate{'s' if fails == 1 else ''} the policy")
        if problems:
            why.append(f"{problems} gate problem{'s' if problems != 1 else ''}")
        if approvals:
            why.append(need)
        return "FAILED: " + ("; ".join(why) or "the policy was violated") + "."
    if verdict.status is Status.NEEDS_APPROVAL:
        return f"NEEDS APPROVAL: {approvals:,} finding{'s' if approvals != 1 else ''} may pass only with a recorded sign-off."
    if verdict.status is Status.WARNED:
        if (fails or approvals) and not verdict.enforce:
            would = [f"{fails:,} finding{'s' if fails != 1 else ''} would fail"] if fails else []
            would += [f"{approvals:,} would need approval"] if approvals else []
            return f"PASSED (warn mode): {' and '.join(would)} in enforce mode."
        parts = [f"{warns:,} warning{'s' if warns != 1 else ''}"] if warns or not verdict.gate_warnings else []
        if verdict.gate_warnings:
            parts.append("a report needs attention (see the notes)")
        return f"PASSED with warnings: {'; '.join(parts)}{_approved(verdict)}."
    return f"PASSED: no finding violates the policy{_approved(verdict)}."


def _approved(verdict: Verdict) -> str:
    """``; 3 findings approved by NAME`` when an approval record let findings pass."""
    uses = approvals_by_decider(verdict)
    done = sum(u.findings for u in uses)
    if not done:
        return ""
    who = sorted({u.approver for u in uses})
    return f"; {done:,} finding{'s' if done != 1 else ''} approved by {terminal(', '.join(who), 200)}"


def approvals_by_decider(verdict: Verdict) -> list[ApprovalUse]:
    """The approval records that let findings pass, one per ``decided_by``, in their order.

    NOTE: when two records of the same approver are applied, the later one's count covers
    every finding either let pass (``approval.apply`` counts by ``decided_by``): keep it.
    """
    last = {u.decided_by: u for u in verdict.approvals}
    return [u for u in last.values() if u.findings]
