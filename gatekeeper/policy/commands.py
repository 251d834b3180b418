"""What ``gatekeeper policy validate | init | schema`` do; the CLI only prints and exits.

``validate`` checks every file and every environment in it, reports everything, and notes
exceptions that have expired or expire soon (those are not errors: the gate reports them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from importlib import resources

from gatekeeper.policy.errors import PolicyError
from gatekeeper.policy.exceptions import ExceptionLedger
from gatekeeper.policy.load import load_layers, to_policy
from gatekeeper.policy.schema import schema_text
from gatekeeper.verdict import ExceptionState

__all__ = ["Validation", "schema_text", "starter_policy", "validate_files"]


@dataclass
class Validation:
    """The outcome of validating policy files."""

    lines: list[str] = field(default_factory=list)
    """One or more lines per file, for people."""
    errors: int = 0
    """Files that are not valid."""


def starter_policy() -> str:
    """The commented starter policy written by ``gatekeeper policy init``."""
    return resources.files("gatekeeper.policy").joinpath("starter.yaml").read_text("utf-8")


def _summary(path: str, env: str | None, today: datetime.date) -> tuple[str, list[str]]:
    merged = load_layers(path)
    envs = sorted(merged.environments) if env is None else [env]
    policies = [to_policy(merged, path, None), *(to_policy(merged, path, e) for e in envs)]
    base = policies[0] if env is None else policies[1]
    notes = []
    seen: set[str] = set()
    for p in policies:
        ledger = ExceptionLedger(p, today)
        for x in p.exceptions:
            state = ledger.state(x)
            if x.id in seen or state is ExceptionState.ACTIVE:
                continue
            seen.add(x.id)
            when = "expired on" if state is ExceptionState.EXPIRED else "expires on"
            notes.append(f"  note: exception {x.id} ({x.origin}) {when} {x.expires}")
    text = (
        f"{path}: valid ({len(base.rules)} rules, {len(base.severity_overrides)} severity overrides, "
        f"{len(base.exceptions)} exceptions"
        + (f"; environments: {', '.join(sorted(merged.environments))}" if merged.environments else "")
        + ")"
    )
    return text, notes


def validate_files(paths: list[str], env: str | None = None, today: datetime.date | None = None) -> Validation:
    """Validate each policy file (and each of its environments, or only ``env``)."""
    result = Validation()
    for path in paths:
        try:
            text, notes = _summary(path, env, today or datetime.date.today())
        except PolicyError as e:
            result.errors += 1
            result.lines.append(str(e))
            continue
        result.lines += [text, *notes]
    return result
