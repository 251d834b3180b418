"""``gatekeeper policy diff OLD NEW REPORT...``: preview a policy change before merging it. Pure.

The pairing is here; its text for people is ``reporters/policy_diff.py``.

Both policies decide the same reports on the same day; findings are paired by identity (the
fingerprints of every tool's sighting, so a correlated problem pairs with itself) and those
whose outcome changes are listed worst-new-outcome first, with the rule, exception or
setting that decided each side. Sample::

    policy diff: policies/team.yaml -> policies/team-next.yaml (15 reports, 427 findings)

    pass -> fail  medium    checkov  CKV_K8S_8  fixtures/targets/k8s/deployment.yaml:2
                  was: fail_on   now: rule k8s (policies/team-next.yaml:12)

    3 findings change outcome (fail +3, pass -3); 2 more are decided by another rule with the same outcome
    status: failed -> failed
"""

from __future__ import annotations

from dataclasses import dataclass

from gatekeeper.verdict import Evaluated, Verdict


@dataclass(frozen=True)
class Change:
    """One finding decided differently by the new policy."""

    old: Evaluated
    new: Evaluated

    @property
    def outcome_changed(self) -> bool:
        return self.old.decision.outcome is not self.new.decision.outcome


@dataclass(frozen=True)
class PolicyDiff:
    """What changes between two verdicts on the same reports."""

    old: Verdict
    new: Verdict
    changes: tuple[Change, ...]
    """Every finding whose outcome or deciding rule changed, outcome changes first."""

    @property
    def outcome_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.outcome_changed)


def _key(e: Evaluated) -> tuple[str, ...]:
    return tuple(sorted([e.finding.fingerprint, *(f.fingerprint for f in e.also)]))


def diff_verdicts(old: Verdict, new: Verdict) -> PolicyDiff:
    """Pair the findings of two verdicts over the same reports and keep those that changed."""
    pending: dict[tuple[str, ...], list[Evaluated]] = {}
    for e in old.results:
        pending.setdefault(_key(e), []).append(e)
    changes = []
    for e in new.results:
        was = pending.get(_key(e))
        if not was:
            continue  # NOTE: cannot happen for the same reports; correlation ignores the policy
        before = was.pop(0)
        if (before.decision.outcome, before.decision.decided_by) != (e.decision.outcome, e.decision.decided_by):
            changes.append(Change(before, e))
    changes.sort(key=lambda c: (not c.outcome_changed, -c.new.decision.outcome.rank, -c.new.decision.severity))
    return PolicyDiff(old, new, tuple(changes))
