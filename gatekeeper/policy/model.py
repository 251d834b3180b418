"""The policy as evaluated: a frozen, validated object (loading is in ``load.py``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gatekeeper.model import Severity


class Action(str, enum.Enum):
    """What a policy does with the findings it selects."""

    FAIL = "fail"
    WARN = "warn"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Policy:
    """The gate's settings. The defaults are the built-in policy."""

    name: str = "built-in default"
    """Where the policy came from (file path), for messages."""
    enforce: bool = True
    """``mode: enforce`` (violations fail) or ``mode: warn`` (report, pass)."""
    fail_on: Severity = Severity.HIGH
    """Findings at or above this severity fail the gate."""
    ignore_unfixed: bool = True
    """Vulnerabilities without a fix are ignored rather than failing."""
    secrets: Action = Action.FAIL
    """What a detected secret does, whatever its severity."""
    unknown_severity: Severity = Severity.HIGH
    """How a finding the tool did not rate is treated."""
