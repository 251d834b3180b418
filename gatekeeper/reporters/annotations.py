"""GitHub Actions workflow commands that annotate the failing lines of a pull request.

Violations (and findings awaiting approval) are ``::error``, warnings ``::warning``,
worst first; then one ``::notice`` with the verdict. Sample::

    ::error file=requirements.txt,line=3,endLine=3,title=gatekeeper%3A CVE-2024-0001 (critical)::CVE-2024-0001 in pkg 1.0%0Aseverity critical >= fail_on high
    ::warning file=Dockerfile,line=9,title=gatekeeper%3A DL3008 (medium)::Pin versions in apt get install.
    ::notice title=gatekeeper::FAILED: 1 finding violates the policy.

NOTE: GitHub shows at most 10 error and 10 warning annotations per step
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands),
so at most ``limit`` of each are written and the notice counts the rest. Every value is
escaped as ``@actions/core`` does (``escapeData`` / ``escapeProperty``), so text from a
scanned file cannot end the command or start one of its own.
"""

from __future__ import annotations

from gatekeeper.reporters.console import summary_line
from gatekeeper.reporters.escape import workflow_data, workflow_property
from gatekeeper.reporters.interface import TextReporter
from gatekeeper.paths import relative
from gatekeeper.verdict import Evaluated, Outcome, Verdict

_COMMAND = {Outcome.FAIL: "error", Outcome.APPROVE: "error", Outcome.WARN: "warning"}


class AnnotationsFormat(TextReporter):
    """``::error``/``::warning`` lines for the GitHub Actions log."""

    def __init__(self, limit: int = 10, root: str | None = None) -> None:
        super().__init__(root=root)
        self.limit = limit
        """Annotations of each level (error, warning)."""

    def format(self, verdict: Verdict) -> str:
        lines: list[str] = []
        written = {"error": 0, "warning": 0}
        left = {"error": 0, "warning": 0}
        for e in verdict.results:
            command = _COMMAND.get(e.decision.outcome)
            if command is None:
                continue
            if written[command] >= self.limit:
                left[command] += 1
                continue
            written[command] += 1
            lines.append(self._line(command, e))
        for problem in verdict.problems[: self.limit]:
            lines.append(f"::error title=gatekeeper::{workflow_data(problem, 1000)}")
        note = summary_line(verdict)
        if left["error"] or left["warning"]:
            note += f" ({left['error']} more errors and {left['warning']} more warnings are not annotated: see the reports.)"
        lines.append(f"::notice title=gatekeeper::{workflow_data(note)}")
        return "\n".join(lines) + "\n"

    def _line(self, command: str, e: Evaluated) -> str:
        f, d = e.finding, e.decision
        props = []
        if f.location.path:
            props.append(f"file={workflow_property(relative(f.location.path, self.root), 500)}")
            if f.location.start_line:
                props.append(f"line={f.location.start_line}")
                if f.location.end_line and f.location.end_line >= f.location.start_line:
                    props.append(f"endLine={f.location.end_line}")
        props.append(f"title={workflow_property(f'gatekeeper: {f.rule_id} ({d.severity.label})', 200)}")
        where = "" if f.location.path else f"\n{f.location.display()}"
        message = f"{f.title}{where}\n{d.reason}"
        return f"::{command} {','.join(props)}::{workflow_data(message, 1000)}"
