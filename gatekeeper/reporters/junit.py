"""JUnit XML for the test views of Jenkins and GitLab.

One ``testsuite`` per tool; one ``testcase`` per finding, its ``classname`` the tool and
kind (so Jenkins groups by tool, then by kind) and its name the rule, title and location. A
violation is a ``failure`` (type: its severity), a finding awaiting sign-off a
``failure`` of type ``approval-required``, an ignored or suppressed one is ``skipped``
with the reason, the rest pass. Gate problems (a required report missing) are failures
of a ``gatekeeper`` suite. Sample::

    <?xml version="1.0" encoding="utf-8"?>
    <testsuites name="gatekeeper" tests="3" failures="1" errors="0" skipped="1">
      <testsuite name="trivy" tests="3" failures="1" errors="0" skipped="1">
        <properties><property name="gatekeeper.verdict" value="failed" /></properties>
        <testcase classname="trivy.vulnerability" name="CVE-2024-0001: openssl ... (requirements.txt:3)"
                  file="requirements.txt" line="3">
          <failure type="critical" message="severity critical &gt;= fail_on high">...</failure>
        </testcase>
        <testcase classname="trivy.vulnerability" name="CVE-2024-0003: ... (-)">
          <skipped message="no fix available" />
        </testcase>
      </testsuite>
    </testsuites>
"""

from __future__ import annotations

from typing import Any

from gatekeeper.reporters.console import summary_line
from gatekeeper.reporters.escape import xml as x
from gatekeeper.reporters.interface import TextReporter
from gatekeeper.verdict import Evaluated, Outcome, Verdict

_FAILING = (Outcome.FAIL, Outcome.APPROVE)
_SKIPPED = (Outcome.IGNORE, Outcome.SUPPRESSED)


class JunitFormat(TextReporter):
    """Findings as test cases: failures for violations."""

    def format(self, verdict: Verdict) -> str:
        import xml.etree.ElementTree as ET

        suites: dict[str, list[Evaluated]] = {}
        for r in verdict.reports:
            suites.setdefault(r.tool, [])
        for e in verdict.results:
            suites.setdefault(e.finding.tool, []).append(e)
        root = ET.Element("testsuites", name="gatekeeper")
        for tool, items in sorted(suites.items()):
            root.append(self._suite(ET, tool, items, verdict))
        if verdict.problems:
            suite = ET.SubElement(root, "testsuite", name="gatekeeper")
            for i, problem in enumerate(verdict.problems, 1):
                case = ET.SubElement(suite, "testcase", classname="gatekeeper", name=f"gate problem {i}")
                ET.SubElement(case, "failure", type="gate-problem", message=x(problem, 1000)).text = x(problem, 10_000)
            _count(suite)
        _count(root)
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
        return f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {x(summary_line(verdict), 300).replace("--", "- -")} -->\n{body}\n'

    def _suite(self, ET: Any, tool: str, items: list[Evaluated], verdict: Verdict) -> Any:
        suite = ET.Element("testsuite", name=x(tool, 200))
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("gatekeeper.verdict", verdict.status.value),
            ("gatekeeper.policy", x(verdict.policy_name, 500)),
            ("gatekeeper.enforce", str(verdict.enforce).lower()),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        for e in items:
            f, d = e.finding, e.decision
            # NOTE: Jenkins reads the classname's last dot as package.class: "trivy.vulnerability"
            # groups by tool, then kind; a file path (with its dots) would split oddly.
            where = f.location.display()
            attrs = {"classname": x(f"{tool}.{f.kind.value}", 200), "name": x(f"{f.rule_id}: {f.title} ({where})", 400)}
            if f.location.path:
                attrs["file"] = x(f.location.path, 500)
                if f.location.start_line:
                    attrs["line"] = str(f.location.start_line)
            case = ET.SubElement(suite, "testcase", attrs)
            if d.outcome in _FAILING:
                kind = "approval-required" if d.outcome is Outcome.APPROVE else d.severity.label
                failure = ET.SubElement(case, "failure", type=kind, message=x(d.reason, 1000))
                failure.text = _details(e)
            elif d.outcome in _SKIPPED:
                ET.SubElement(case, "skipped", message=x(f"{d.outcome.value}: {d.reason}", 1000))
            elif d.outcome is Outcome.WARN:
                ET.SubElement(case, "system-out").text = "WARNING: " + _details(e)
        _count(suite)
        return suite


def _details(e: Evaluated) -> str:
    f, d = e.finding, e.decision
    lines = [
        f"{d.outcome.value.upper()} {d.severity.label}: {x(f.title, 1000)}",
        f"rule: {x(f.rule_id, 300)} ({x(f.tool, 200)}, {f.kind.value}, tool severity {x(f.tool_severity or '-', 100)})",
        f"location: {x(f.location.display(), 1000)}",
        f"decision: {x(d.reason, 1000)} [{x(d.decided_by, 300)}]",
    ]
    if f.package is not None:
        fixed = ", ".join(f.package.fixed_versions[:10]) or "none"
        lines.append(f"package: {x(f.package.name, 200)} {x(f.package.version or '', 100)} (fixed in: {x(fixed, 300)})")
    if f.message and f.message != f.title:
        lines += ["", x(f.message, 4000)]
    if f.links:
        lines += ["", *(x(link, 500) for link in f.links[:5])]
    # Each field is bounded above; this pass keeps the whole text well-formed XML even when a
    # field is added without ``x`` (a SARIF driver name once went in raw, issue 21).
    return x("\n".join(lines), 20_000)


def _count(element: Any) -> None:
    """Set the tests/failures/errors/skipped attributes from the test cases below."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", "0")
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
