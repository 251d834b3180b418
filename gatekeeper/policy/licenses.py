"""The licence policy: an SPDX licence expression against ``licenses: {allow, deny, unknown}``.

Expressions are read with ``license-expression`` (nexB/aboutcode), never by string matching:

- each licence of the expression is decided alone: listed in ``deny`` -> fail; listed in
  ``allow`` -> pass; not a known SPDX licence (``LicenseRef-…``, ``NOASSERTION``, a name
  such as ``Apache 2.0``) -> ``unknown``'s outcome; ``allow`` given and the licence not in
  it -> fail; else pass;
- ``A AND B`` is the worst of its parts (every part applies); ``A OR B`` the best of its
  branches (the licensee chooses), so a denied licence fails only when every choice needs it;
- ``L WITH exception``: the licence ``L`` decides, unless the whole ``L WITH exception`` is
  listed;
- ids compare case-insensitively after the library's normalisation: a deprecated id is its
  current one (``GPL-3.0`` = ``GPL-3.0-only``, ``GPL-2.0+`` = ``GPL-2.0-or-later``), in the
  findings and in the lists alike. ``LicenseRef-…`` / ``DocumentRef-…`` are taken as written
  (never mapped to an SPDX id): unknown unless listed.

NOTE: ``license_expression`` (and its SPDX index, ~40 ms) is imported only when a policy with
``licenses:`` decides a licence finding: a gate without one starts as before (tests/test_startup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from gatekeeper.policy.model import Licenses
from gatekeeper.verdict import Outcome

NO_LICENCE = frozenset({"", "NOASSERTION", "NONE"})
"""What a tool writes when it knows no licence (SPDX ``NOASSERTION``/``NONE``, CycloneDX nothing)."""
_UNKNOWN_OUTCOME = {"fail": Outcome.FAIL, "warn": Outcome.WARN, "pass": Outcome.PASS}
_RANK = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.FAIL: 2}
_LOCAL_REFS = ("licenseref-", "documentref-")


@dataclass(frozen=True)
class LicenceDecision:
    """The outcome for one expression, why, and which ``licenses`` key decided it."""

    outcome: Outcome
    reason: str
    setting: str
    """``licenses.allow``, ``licenses.deny`` or ``licenses.unknown``."""


@cache
def _libraries() -> tuple[Any, Any]:
    """A plain parser (the expression as written) and the SPDX one (ids normalised)."""
    from license_expression import Licensing, get_spdx_licensing

    return Licensing(), get_spdx_licensing()


@lru_cache(maxsize=4096)
def _normalise(key: str) -> tuple[str, bool]:
    """``key``'s normalised id and whether it is a known SPDX licence."""
    key = key.strip()
    if key.lower().startswith(_LOCAL_REFS) or key.upper() in NO_LICENCE:
        return key, False
    from license_expression import ExpressionError

    _, spdx = _libraries()
    try:
        symbol = spdx.parse(key, validate=False)
    except ExpressionError:
        return key, False
    name = getattr(symbol, "key", None)
    if not isinstance(name, str):
        return key, False
    return name, name in spdx.known_symbols and not name.lower().startswith(_LOCAL_REFS)


def _listed(entries: tuple[str, ...]) -> frozenset[str]:
    """A policy list as the lower-case normalised ids (``L WITH exc`` kept whole) it names."""
    from license_expression import ExpressionError, LicenseWithExceptionSymbol

    plain, _ = _libraries()
    out = set()
    for entry in entries:
        try:
            parsed = plain.parse(entry, validate=False)
        except ExpressionError:
            parsed = None
        if isinstance(parsed, LicenseWithExceptionSymbol):
            out.add(f"{_normalise(parsed.license_symbol.key)[0]} WITH {parsed.exception_symbol.key}".lower())
        else:
            out.add((_normalise(entry)[0] if parsed is not None else entry.strip()).lower())
    return frozenset(out)


_Judged = tuple[Outcome, tuple[LicenceDecision, ...]]
"""An outcome, and the licences that made it."""


class _Judge:
    def __init__(self, policy: Licenses) -> None:
        self.allow = None if policy.allow is None else _listed(policy.allow)
        self.deny = _listed(policy.deny or ())
        self.unknown = policy.unknown or "warn"

    def unknown_decision(self, why: str) -> LicenceDecision:
        return LicenceDecision(_UNKNOWN_OUTCOME[self.unknown], f"{why} (licenses.unknown: {self.unknown})", "licenses.unknown")

    def leaf(self, symbol: Any) -> LicenceDecision:
        from license_expression import LicenseWithExceptionSymbol

        names: list[str] = []
        if isinstance(symbol, LicenseWithExceptionSymbol):
            licence, known = _normalise(symbol.license_symbol.key)
            names.append(f"{licence} WITH {symbol.exception_symbol.key}")
        else:
            licence, known = _normalise(symbol.key)
        names.append(licence)
        shown = names[0]
        for name in names:
            if name.lower() in self.deny:
                return LicenceDecision(Outcome.FAIL, f"licence {shown} is denied (licenses.deny)", "licenses.deny")
            if self.allow is not None and name.lower() in self.allow:
                return LicenceDecision(Outcome.PASS, f"licence {shown} is allowed (licenses.allow)", "licenses.allow")
        if licence.upper() in NO_LICENCE:
            return self.unknown_decision(f"licence {licence} is unknown")
        if not known:
            return self.unknown_decision(f"licence {shown} is not a known SPDX licence")
        if self.allow is not None:
            return LicenceDecision(Outcome.FAIL, f"licence {shown} is not allowed (not in licenses.allow)", "licenses.allow")
        return LicenceDecision(Outcome.PASS, f"licence {shown} is not denied (licenses.deny)", "licenses.deny")

    def judge(self, node: Any) -> _Judged:
        plain, _ = _libraries()
        if isinstance(node, (plain.AND, plain.OR)):
            parts = [self.judge(arg) for arg in node.args]
            pick = max if isinstance(node, plain.AND) else min
            outcome = pick((p[0] for p in parts), key=_RANK.__getitem__)
            why = tuple(dict.fromkeys(d for o, ds in parts if o is outcome for d in ds))
            return outcome, why
        d = self.leaf(node)
        return d.outcome, (d,)


@lru_cache(maxsize=4096)
def decide_licence(expression: str, policy: Licenses) -> LicenceDecision:
    """Decide one licence finding's expression (its rule id) by the licence policy."""
    from license_expression import ExpressionError

    judge = _Judge(policy)
    text = expression.strip()
    if text.upper() in NO_LICENCE:
        return judge.unknown_decision(f"licence {text or 'missing'} is unknown: no licence information")
    plain, _ = _libraries()
    try:
        tree = plain.parse(text, validate=False)
    except ExpressionError as e:
        return judge.unknown_decision(f"licence {text!r} is not a valid SPDX expression ({e})")
    if tree is None:
        return judge.unknown_decision("licence missing is unknown: no licence information")
    outcome, why = judge.judge(tree)
    reasons = "; ".join(d.reason for d in why)
    if not isinstance(tree, (plain.AND, plain.OR)):
        return why[0]
    if outcome is Outcome.FAIL and isinstance(tree, plain.OR):
        reason = f"no choice of {text} is acceptable: {reasons}"
    else:
        reason = f"{reasons}, in {text}"
    return LicenceDecision(outcome, reason, why[0].setting)
