"""Console summary: counts by tool and severity, the failing findings, and the verdict.

Sample::

    gatekeeper: 3 reports, 41 findings (policy: built-in default)

      tool       critical  high  medium  low  info  unknown
      trivy             2     5      10    3     0        0
      gitleaks          0     4       0    0     0        0

    FAIL  critical  trivy     CVE-2023-1234 in openssl 1.1.1k (fixed in 1.1.1l)
                              image alpine:3.10 [openssl]  - severity critical >= fail_on high
    ...
    FAILED: 9 findings violate the policy.

Readable at 10 and at 10,000 findings: failing findings worst first, at most ``limit``
listed, the rest summarised. Colour only when asked (the CLI decides: a terminal and no
``NO_COLOR``).
"""

from __future__ import annotations

from collections import Counter

from gatekeeper.model import Severity
from gatekeeper.reporters.escape import terminal
from gatekeeper.verdict import Outcome, Status, Verdict

_SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN]
_COLOURS = {
    Outcome.FAIL: "\x1b[1;31m",
    Outcome.WARN: "\x1b[33m",
    Status.FAILED: "\x1b[1;31m",
    Status.WARNED: "\x1b[1;33m",
    Status.PASSED: "\x1b[1;32m",
}
_RESET = "\x1b[0m"


class ConsoleFormat:
    """Plain text for people, with optional ANSI colour."""

    def __init__(self, colour: bool = False, limit: int = 50) -> None:
        self.colour = colour
        self.limit = limit

    def _paint(self, key: object, text: str) -> str:
        code = _COLOURS.get(key)  # type: ignore[call-overload]
        return f"{code}{text}{_RESET}" if self.colour and code else text

    def format(self, verdict: Verdict) -> str:
        lines = [self._header(verdict), ""]
        lines += self._table(verdict)
        listed = [e for e in verdict.results if e.decision.outcome in (Outcome.FAIL, Outcome.WARN)]
        if listed:
            lines.append("")
            for e in listed[: self.limit]:
                f, d = e.finding, e.decision
                tag = self._paint(d.outcome, f"{d.outcome.value.upper():<4}")
                lines.append(f"{tag}  {d.severity.label:<8}  {terminal(f.tool, 20):<9} {terminal(f.title, 160)}")
                lines.append(f"{'':26}{terminal(f.location.display(), 160)}  - {terminal(d.reason, 160)}")
            if len(listed) > self.limit:
                rest = listed[self.limit :]
                fails = sum(1 for e in rest if e.decision.outcome is Outcome.FAIL)
                lines.append(
                    f"... and {len(rest)} more ({fails} failing, {len(rest) - fails} warnings); "
                    "see the SARIF, JSON or HTML report for all of them"
                )
        if verdict.notices:
            lines.append("")
            lines += [f"note: {terminal(n, 400)}" for n in verdict.notices[:20]]
            if len(verdict.notices) > 20:
                lines.append(f"note: ... and {len(verdict.notices) - 20} more notes")
        for problem in verdict.problems:
            lines.append(self._paint(Status.FAILED, f"error: {terminal(problem, 400)}"))
        lines += ["", self._paint(verdict.status, summary_line(verdict))]
        return "\n".join(lines) + "\n"

    def _header(self, verdict: Verdict) -> str:
        n_reports = len(verdict.reports)
        n = len(verdict.results)
        return (
            f"gatekeeper: {n_reports} report{'s' if n_reports != 1 else ''}, "
            f"{n} finding{'s' if n != 1 else ''} (policy: {terminal(verdict.policy_name, 200)})"
        )

    def _table(self, verdict: Verdict) -> list[str]:
        table = verdict.by_tool_and_severity()
        for r in verdict.reports:
            table.setdefault(r.tool, Counter())
        width = max([len("tool")] + [len(terminal(t, 30)) for t in table])
        head = "  " + "tool".ljust(width) + "".join(f"{s.label:>10}" for s in _SEVERITIES)
        rows = [head]
        for tool in sorted(table):
            counts = table[tool]
            rows.append("  " + terminal(tool, 30).ljust(width) + "".join(f"{counts[s]:>10}" for s in _SEVERITIES))
        return rows


def summary_line(verdict: Verdict) -> str:
    """One line: the verdict and why."""
    fails = verdict.count(Outcome.FAIL)
    warns = verdict.count(Outcome.WARN)
    problems = len(verdict.problems)
    if verdict.status is Status.FAILED:
        why = []
        if fails:
            why.append(f"{fails} finding{'s' if fails != 1 else ''} violate{'s' if fails == 1 else ''} the policy")
        if problems:
            why.append(f"{problems} gate problem{'s' if problems != 1 else ''}")
        return "FAILED: " + "; ".join(why) + "."
    if verdict.status is Status.WARNED:
        if fails and not verdict.enforce:
            return f"PASSED (warn mode): {fails} finding{'s' if fails != 1 else ''} would fail in enforce mode."
        return f"PASSED with warnings: {warns} warning{'s' if warns != 1 else ''}."
    return "PASSED: no finding violates the policy."
