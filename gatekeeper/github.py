"""What a GitHub Actions step hands to the rest of its workflow: step outputs and the step summary.

Pure: these functions build text; the CLI appends it to the files the runner names in
``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``. Sample of :func:`output_lines`::

    result<<ghadelimiter_3f0c...
    failed
    ghadelimiter_3f0c...
    critical<<ghadelimiter_3f0c...
    2
    ghadelimiter_3f0c...

NOTE: every value uses the multiline (heredoc) form, as ``@actions/core`` ``setOutput``
does (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings):
a value taken from the command line (a report path) may hold a newline, and with the
``name=value`` form ``x.sarif\\nresult=passed`` would set a second output of its choosing.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Mapping

from gatekeeper.model import Severity
from gatekeeper.verdict import Outcome, Verdict

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO, Severity.UNKNOWN)
"""Severities with a count output, worst first (named by ``Severity.label``)."""


class OutputError(ValueError):
    """A step output that cannot be written safely."""


def step_outputs(verdict: Verdict, paths: Mapping[str, str | None]) -> dict[str, str]:
    """The step outputs for a verdict: ``result``, a count per severity, totals and report paths.

    ``result`` is the verdict status (``passed``, ``passed-with-warnings``,
    ``needs-approval``, ``failed``). Severity counts are over every finding, as in the
    summary table; ``failing``, ``warnings`` and ``awaiting-approval`` count the policy's
    decisions. ``paths`` maps a report name (``sarif``, ``json``, ...) to the file written,
    given as an absolute path so a later step finds it from any working directory; a report
    not written (or written to stdout) has an empty value.
    """
    severities = Counter(e.finding.severity for e in verdict.results)
    values = {"result": verdict.status.value}
    values.update({s.label: str(severities[s]) for s in SEVERITIES})
    values["total"] = str(len(verdict.results))
    values["failing"] = str(verdict.count(Outcome.FAIL))
    values["warnings"] = str(verdict.count(Outcome.WARN))
    values["awaiting-approval"] = str(verdict.count(Outcome.APPROVE))
    for name, path in paths.items():
        values[name] = os.path.abspath(path) if path and path != "-" else ""
    return values


def output_lines(values: Mapping[str, str], delimiter: str | None = None) -> str:
    """``$GITHUB_OUTPUT`` text setting each output, in the multiline-delimiter form."""
    delimiter = delimiter or f"ghadelimiter_{uuid.uuid4()}"
    lines = []
    for name, value in values.items():
        # NOTE: the same checks as @actions/core's prepareKeyValueMessage.
        if delimiter in name or delimiter in value:
            raise OutputError(f"output {name!r}: its name or value contains the delimiter")
        if not name or any(c in name for c in "\r\n=<"):
            raise OutputError(f"output {name!r}: not a valid output name")
        lines += [f"{name}<<{delimiter}", value, delimiter]
    return "".join(f"{line}\n" for line in lines)


def step_summary(markdown: str) -> str:
    """Text to append to ``$GITHUB_STEP_SUMMARY``: the Markdown report, set apart from what
    earlier commands of the same step wrote there."""
    return "\n" + markdown.rstrip("\n") + "\n"
