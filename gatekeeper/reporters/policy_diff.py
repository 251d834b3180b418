"""``gatekeeper policy diff OLD NEW REPORT...``: a policy change's effect, for people.

The changes ``policy.diff.diff_verdicts`` found, worst new outcome first, each with the rule,
exception or setting that decided either side; report text made inert (``escape.terminal``).
Sample::

    policy diff: policies/team.yaml -> policies/team-next.yaml (15 reports, 427 findings)

    pass -> fail       medium    checkov  CKV_K8S_8  fixtures/targets/k8s/deployment.yaml:2
                        was: fail_on   now: rule k8s (policies/team-next.yaml:12)

    3 findings change outcome (fail +3, pass -3); 2 more are decided by another rule or setting with the same outcome
    status: failed -> failed
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from gatekeeper.reporters.escape import terminal

if TYPE_CHECKING:
    from gatekeeper.policy.diff import PolicyDiff


def format_diff(d: PolicyDiff, old_name: str, new_name: str, limit: int = 200) -> str:
    """The diff for people."""
    n = len(d.new.results)
    lines = [f"policy diff: {terminal(old_name, 200)} -> {terminal(new_name, 200)} "
             f"({len(d.new.reports)} reports, {n} finding{'s' if n != 1 else ''})", ""]
    moved = d.outcome_changes
    for c in moved[:limit]:
        f, a, b = c.new.finding, c.old.decision, c.new.decision
        arrow = f"{a.outcome.value} -> {b.outcome.value}"
        lines.append(f"{arrow:<18} {b.severity.label:<8}  {terminal(', '.join(c.new.seen_by), 60)}  "
                     f"{terminal(f.rule_id, 80)}  {terminal(f.location.display(), 160)}")
        if a.decided_by == b.decided_by:
            # The same setting decided both sides: what changed is its value, which the reasons say.
            lines.append(f"{'':20}was: {terminal(a.reason, 160)}")
            lines.append(f"{'':20}now: {terminal(b.reason, 160)}")
        else:
            lines.append(f"{'':20}was: {terminal(a.decided_by, 160)}   now: {terminal(b.decided_by, 160)}")
    if len(moved) > limit:
        lines.append(f"... and {len(moved) - limit} more")
    if moved:
        lines.append("")
    net: Counter[str] = Counter()
    for c in moved:
        net[c.new.decision.outcome.value] += 1
        net[c.old.decision.outcome.value] -= 1
    shift = ", ".join(f"{o} {v:+d}" for o, v in sorted(net.items()) if v)
    same = len(d.changes) - len(moved)
    lines.append(f"{len(moved)} finding{'s change' if len(moved) != 1 else ' changes'} outcome" + (f" ({shift})" if shift else "")
                 + (f"; {same} more are decided by another rule or setting with the same outcome" if same else ""))
    lines.append(f"status: {d.old.status.value} -> {d.new.status.value}")
    return "\n".join(lines) + "\n"
