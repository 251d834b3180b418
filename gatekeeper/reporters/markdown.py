"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

The verdict, a counts table per tool, the top failing findings and the exceptions that
need attention; bounded (a PR comment holds at most 65,536 characters) whatever the
number of findings. Sample::

    ## ❌ gatekeeper: failed

    FAILED: 9 findings violate the policy.

    Policy: built\\-in default · enforce mode · 3 reports · 41 findings

    | Tool | Critical | High | Medium | Low | Info | Unknown | Failing |
    |:-----|---------:|-----:|-------:|----:|-----:|--------:|--------:|
    | trivy | 2 | 5 | 10 | 3 | 0 | 0 | 7 |

    ### Needs approval

    1 finding may pass only with a recorded sign-off (`gatekeeper approve`, ...).

    | Severity | Tool | Rule | Finding | Location | Why it needs approval |
    ...

    ### Top failing findings

    | Outcome | Severity | Tool | Rule | Finding | Location |
    |:--|:--|:--|:--|:--|:--|
    | fail | critical | trivy | CVE\\-2023\\-1234 | openssl ... | requirements\\.txt:3 |

    ### Exceptions needing attention

    | Exception | State | Expires | Owner | Findings | Reason |
    ...

Every piece of report text goes through ``escape.markdown``: no link, image, HTML,
mention or table break from a scanned file renders.
"""

from __future__ import annotations

from collections import Counter

from gatekeeper.model import Severity
from gatekeeper.reporters.console import approvals_by_decider, change_line, known_exploited_first, summary_line, vex_line
from gatekeeper.reporters.escape import markdown as md
from gatekeeper.reporters.interface import TextReporter
from gatekeeper.verdict import ExceptionState, Outcome, Status, Verdict

_SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN]
_ICON = {Status.PASSED: "✅", Status.WARNED: "⚠️", Status.NEEDS_APPROVAL: "✋", Status.FAILED: "❌"}
_LISTED = (Outcome.FAIL, Outcome.WARN)


class MarkdownFormat(TextReporter):
    """A short Markdown summary for people reviewing a pipeline or a pull request."""

    def __init__(self, limit: int = 20, *, root: str | None = None) -> None:
        super().__init__(root=root)
        self.limit = limit
        """Failing findings listed; the rest are counted."""

    def format(self, verdict: Verdict) -> str:
        out = [f"## {_ICON[verdict.status]} gatekeeper: {verdict.status.value}", "", md(summary_line(verdict), 500), ""]
        n = len(verdict.results)
        mode = "enforce mode" if verdict.enforce else "warn mode (violations do not fail)"
        facts = [f"Policy: {md(verdict.policy_name, 200)}", mode]
        if verdict.environment:
            facts.append(f"environment {md(verdict.environment, 100)}")
        facts += [f"{len(verdict.reports)} report{'s' if len(verdict.reports) != 1 else ''}", f"{n} finding{'s' if n != 1 else ''}"]
        out += [" · ".join(facts), ""]
        if verdict.change is not None:
            out += [f"**Pull request:** {md(change_line(verdict.change).removeprefix('change: '), 600)}", ""]
        vex = vex_line(verdict)
        if vex:
            out += [md(vex, 600), ""]
        if verdict.problems:
            out += [f"- **error:** {md(p, 400)}" for p in verdict.problems[:20]]
            out.append("")
        out += self._counts(verdict)
        out += self._approvals(verdict)
        out += self._listed(verdict)
        out += self._exceptions(verdict)
        if verdict.notices:
            out += [f"<details><summary>Notes ({len(verdict.notices)})</summary>", ""]
            out += [f"- {md(note, 400)}" for note in verdict.notices[:20]]
            if len(verdict.notices) > 20:
                out.append(f"- … and {len(verdict.notices) - 20} more")
            out += ["", "</details>", ""]
        return "\n".join(out).rstrip("\n") + "\n"

    def _counts(self, verdict: Verdict) -> list[str]:
        table = verdict.by_tool_and_severity()
        for r in verdict.reports:
            table.setdefault(r.tool, Counter())
        if not table:
            return []
        failing: Counter[str] = Counter(e.finding.tool for e in verdict.results if e.decision.outcome is Outcome.FAIL)
        head = "| Tool | " + " | ".join(s.label.capitalize() for s in _SEVERITIES) + " | Failing |"
        rule = "|:-----|" + "|".join("-" * (len(s.label) + 1) + ":" for s in _SEVERITIES) + "|--------:|"
        rows = [head, rule]
        total: Counter[Severity] = Counter()
        for tool in sorted(table):
            total.update(table[tool])
            cells = " | ".join(str(table[tool][s]) for s in _SEVERITIES)
            rows.append(f"| {md(tool, 60)} | {cells} | {failing[tool]} |")
        if len(table) > 1:
            cells = " | ".join(f"**{total[s]}**" for s in _SEVERITIES)
            rows.append(f"| **Total** | {cells} | **{sum(failing.values())}** |")
        return [*rows, ""]

    def _listed(self, verdict: Verdict) -> list[str]:
        listed = known_exploited_first([e for e in verdict.results if e.decision.outcome in _LISTED])
        if not listed:
            return []
        title = "Top failing findings" if any(e.decision.outcome is Outcome.FAIL for e in listed) else "Warnings"
        rows = [f"### {title}", "", "| Outcome | Severity | Tool | Rule | Finding | Location |", "|:--|:--|:--|:--|:--|:--|"]
        for e in listed[: self.limit]:
            f, d = e.finding, e.decision
            rows.append(
                f"| {d.outcome.value} | {d.severity.label} | {md(', '.join(e.seen_by), 80)} | {md(f.rule_id, 80)} "
                f"| {'**known exploited (KEV)** ' if e.exploitation is not None and e.exploitation.kev is not None else ''}"
                f"{md(f.title, 160)}<br>{md(d.reason, 160)} | {md(f.location.display(), 160)} |"
            )
        rows.append("")
        if len(listed) > self.limit:
            rest = Counter(e.decision.outcome.value for e in listed[self.limit :])
            what = ", ".join(f"{n} {o}" for o, n in rest.items())
            rows += [f"… and {len(listed) - self.limit} more ({what}): see the SARIF, JSON or HTML report.", ""]
        return rows

    def _approvals(self, verdict: Verdict) -> list[str]:
        """What exactly needs a person's sign-off, and why: the text an approver reads."""
        rows: list[str] = []
        waiting = [e for e in verdict.results if e.decision.outcome is Outcome.APPROVE]
        if waiting:
            n = len(waiting)
            when = "may pass only" if verdict.enforce else "would pass in enforce mode only"
            rows += [
                "### Needs approval",
                "",
                f"{n} finding{'s' if n != 1 else ''} {when} with a recorded sign-off (`gatekeeper approve`, "
                "then `gatekeeper check --approval FILE`).",
                "",
                "| Severity | Tool | Rule | Finding | Location | Why it needs approval |",
                "|:--|:--|:--|:--|:--|:--|",
            ]
            for e in waiting[: self.limit]:
                f, d = e.finding, e.decision
                pkg = f"<br>package {md(f.package.name, 100)} {md(f.package.version or '', 60)}" if f.package else ""
                rows.append(
                    f"| {d.severity.label} | {md(f.tool, 40)} | {md(f.rule_id, 80)} | {md(f.title, 160)}{pkg} "
                    f"| {md(f.location.display(), 160)} | {md(d.reason, 200)}<br>decided by {md(d.decided_by, 160)} |"
                )
            rows.append("")
            if n > self.limit:
                rows += [f"… and {n - self.limit} more needing approval: see the SARIF, JSON or HTML report.", ""]
        by = {u.decided_by: u.findings for u in approvals_by_decider(verdict)}
        if by:
            rows += ["### Approved", ""]
            rows += [f"- {md(who, 200)}: {count} finding{'s' if count != 1 else ''}" for who, count in sorted(by.items())]
            rows.append("")
        return rows

    def _exceptions(self, verdict: Verdict) -> list[str]:
        order = {ExceptionState.EXPIRED: 0, ExceptionState.EXPIRING: 1, ExceptionState.STALE: 2}
        shown = sorted((x for x in verdict.exceptions if x.state in order), key=lambda x: (order[x.state], x.expires, x.id))
        if not shown:
            return []
        rows = [
            "### Exceptions needing attention",
            "",
            "| Exception | State | Expires | Owner | Findings | Reason |",
            "|:--|:--|:--|:--|--:|:--|",
        ]
        for x in shown[:50]:
            rows.append(
                f"| {md(x.id, 80)} | {x.state.value} | {x.expires.isoformat()} | {md(x.owner, 80)} "
                f"| {x.matched} | {md(x.reason, 200)} |"
            )
        if len(shown) > 50:
            rows.append(f"\n… and {len(shown) - 50} more.")
        return [*rows, ""]
