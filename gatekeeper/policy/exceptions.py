"""Policy exceptions at evaluation time: which one excepts a finding, and where each stands.

An exception applies through its ``expires`` day inclusive. Expired ones no longer apply
(findings are decided as if they did not exist) and are reported; ones expiring within
``expiry_warning_days`` still apply and are warned about; ones that matched nothing are
stale. When ``max_days`` caps the lifetime for a finding's severity, an exception that lasts
longer (from ``created``, else from today; from today too when ``created`` is later than
today) does not cover findings of that severity. An exception that matches every finding of
a tool (at least ``BROAD_MIN`` of them) is noted: it may be broader than its author meant.
"""

from __future__ import annotations

import datetime
from collections import Counter

from gatekeeper.model import Finding, Severity
from gatekeeper.policy.model import Policy, PolicyException
from gatekeeper.verdict import ExceptionState, ExceptionUse


BROAD_MIN = 2
"""An exception matching all of a tool's findings is noted from this many findings on."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ExceptionLedger:
    """Finds the exception for each finding and keeps count, for the verdict."""

    def __init__(self, policy: Policy, today: datetime.date) -> None:
        self.policy = policy
        self.today = today
        self.matched: Counter[str] = Counter()
        self.too_long: Counter[tuple[str, Severity]] = Counter()
        self.seen: Counter[str] = Counter()
        """Findings looked up, per tool."""
        self.matched_in: Counter[tuple[str, str]] = Counter()
        """Findings matched, per exception and tool."""

    def state(self, x: PolicyException) -> ExceptionState:
        if x.expires < self.today:
            return ExceptionState.EXPIRED
        if (x.expires - self.today).days <= self.policy.expiry_warning_days:
            return ExceptionState.EXPIRING
        return ExceptionState.ACTIVE

    def lifetime(self, x: PolicyException) -> int:
        # NOTE: a ``created`` later than today (a typo, or a cap dodged with 9999-12-01)
        # counts from today, as an absent one does (issue 21, item 8).
        start = min(x.created, self.today) if x.created else self.today
        return (x.expires - start).days

    def find(self, finding: Finding, categories: frozenset[str], severity: Severity) -> PolicyException | None:
        """The first applicable exception that selects the finding; every match is counted."""
        chosen = None
        tool = finding.tool.lower()
        self.seen[tool] += 1
        for x in self.policy.exceptions:
            if not x.match.matches(finding, categories, severity):
                continue
            self.matched[x.id] += 1
            self.matched_in[(x.id, tool)] += 1
            if self.state(x) is ExceptionState.EXPIRED:
                continue
            cap = self.policy.max_exception_days.get(severity)
            if cap is not None and self.lifetime(x) > cap:
                self.too_long[(x.id, severity)] += 1
                continue
            chosen = chosen or x
        return chosen

    def uses(self) -> tuple[ExceptionUse, ...]:
        out = []
        for x in self.policy.exceptions:
            state = self.state(x)
            n = self.matched[x.id]
            if n == 0 and state is not ExceptionState.EXPIRED:
                state = ExceptionState.STALE
            out.append(ExceptionUse(x.id, x.reason, x.owner, x.expires, state, n))
        return tuple(out)

    def notices(self) -> list[str]:
        out = []
        origins = {x.id: x.origin for x in self.policy.exceptions}
        for use in self.uses():
            name = f"exception {use.id} ({origins[use.id]})" if use.id != origins[use.id] else f"exception at {use.id}"
            if use.state is ExceptionState.EXPIRED:
                covered = f"its {_plural(use.matched, 'finding')} are decided by the policy again" if use.matched else "it matched nothing"
                out.append(f"{name} expired on {use.expires}: it no longer applies ({covered})")
            elif use.state is ExceptionState.EXPIRING:
                days = (use.expires - self.today).days
                out.append(f"{name} expires on {use.expires} (in {_plural(days, 'day')}); renew or fix ({use.owner})")
            elif use.state is ExceptionState.STALE:
                out.append(f"{name} matched no finding: it is stale, remove it if the problem was fixed")
        for (ident, tool), n in sorted(self.matched_in.items()):
            if n == self.seen[tool] >= BROAD_MIN:
                name = f"exception {ident} ({origins[ident]})" if ident != origins[ident] else f"exception at {ident}"
                out.append(
                    f"{name} matched every finding of {tool} ({n}): "
                    "an exception that selects a whole tool hides what it finds next; narrow it"
                )
        for (ident, severity), n in sorted(self.too_long.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
            x = next(e for e in self.policy.exceptions if e.id == ident)
            cap = self.policy.max_exception_days[severity]
            out.append(
                f"exception {ident} ({x.origin}) lasts {self.lifetime(x)} days, longer than the {cap} allowed for "
                f"{severity.label} findings: it does not cover {_plural(n, 'finding')}"
            )
        return out
