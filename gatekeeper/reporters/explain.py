"""``check --explain``: finding by finding, what the policy decided and which line decided it.

Sample::

    policy: policies/team.yaml (environment: prod)

    FAIL       hadolint DL3007  fixtures/targets/Dockerfile:2
      title:      Using latest is prone to errors if the image will ever update...
      severity:   medium -> high (tool said warning)
      decided by: rule dockerfile (policies/team.yaml:31)
      reason:     severity high (re-rated from medium at policies/team.yaml:12: ...) >= fail_on high (rule dockerfile)

Worst first, like every other output. Text from reports is made inert (``escape.terminal``).
"""

from __future__ import annotations

from gatekeeper.reporters.escape import terminal
from gatekeeper.reporters.interface import TextReporter
from gatekeeper.verdict import Evaluated, Verdict


class ExplainFormat(TextReporter):
    """One block per finding: tool, rule, location, severity (original -> effective), outcome, why."""

    def format(self, verdict: Verdict) -> str:
        env = f" (environment: {terminal(verdict.environment, 80)})" if verdict.environment else ""
        mode = "" if verdict.enforce else " [warn mode: nothing fails the gate]"
        lines = [f"policy: {terminal(verdict.policy_name, 200)}{env}{mode}", ""]
        if not verdict.results:
            lines += ["no findings", ""]
        for e in verdict.results:
            lines += self._block(e)
        for x in verdict.exceptions:
            lines.append(
                f"exception {terminal(x.id, 120)}: {x.state.value}, matched {x.matched}, "
                f"expires {x.expires}, owner {terminal(x.owner, 120)}"
            )
        for u in verdict.vex:
            state = "stale" if not u.matched else f"matched {u.matched}"
            lines.append(
                f"vex {terminal(u.document, 200)} {u.statement}: {u.status} {terminal(u.vulnerability, 80)}, {state}"
                + (f", {terminal(u.justification, 80)}" if u.justification else "")
            )
        for problem in verdict.problems:
            lines.append(f"gate problem: {terminal(problem, 400)}")
        return "\n".join(lines).rstrip("\n") + "\n"

    def _block(self, e: Evaluated) -> list[str]:
        f, d = e.finding, e.decision
        severity = d.severity.label if d.severity is f.severity else f"{f.severity.label} -> {d.severity.label}"
        if f.tool_severity:
            severity += f" (tool said {terminal(f.tool_severity, 40)})"
        return [
            f"{d.outcome.value.upper():<10} {terminal(f.tool, 40)} {terminal(f.rule_id, 120)}  {terminal(f.location.display(), 200)}",
            f"  title:      {terminal(f.title, 200)}",
            *([f"  seen by:    {terminal(', '.join(e.seen_by), 200)} (one problem: "
               + terminal(", ".join(f"{a.tool} {a.rule_id}" for a in e.also), 200) + ")"] if e.also else []),
            *(["  baseline:   known finding"] if e.known else []),
            f"  severity:   {severity}",
            *exploitation_lines(e),
            f"  decided by: {terminal(d.decided_by, 200)}",
            f"  reason:     {terminal(d.reason, 400)}",
            "",
        ]


def exploitation_lines(e: Evaluated) -> list[str]:
    """``exploited:`` (the KEV entry) and ``epss:`` lines, when ``--kev``/``--epss`` data knows the finding."""
    x = e.exploitation
    if x is None:
        return []
    out = []
    if x.kev is not None:
        k = x.kev
        ransomware = ", known ransomware use" if k.ransomware else ""
        out.append(f"  exploited:  {k.cve} in CISA KEV (added {k.date_added}, due {k.due_date}{ransomware})")
    if x.epss is not None:
        out.append(f"  epss:       {x.epss.score:g} (percentile {x.epss.percentile:g}) for {x.epss.cve}")
    return out
