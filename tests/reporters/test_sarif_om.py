"""The SARIF log's skeleton (log, runs, tools, invocations) is what sarif-om writes.

``reporters/sarif.py`` builds it as plain dicts (importing sarif-om cost 27 ms of every SARIF
run: bench/README.md, issue 20); here the same logs are built through sarif-om objects and
serialised as sarif-om's attrs classes define (property names, order, defaults left out),
and the two must be equal, for logs with notes, omitted results and tools, and a change.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from gatekeeper import __version__
from gatekeeper.reporters.jsonstream import Streamed
from gatekeeper.reporters.sarif import SCHEMA_URI, SarifFormat, _Origins
from gatekeeper.verdict import ChangeScope, Verdict
from tests.reporters import samples

om = pytest.importorskip("sarif_om")


def to_json_data(obj: Any) -> Any:
    """sarif-om objects to plain data: the schema's property names, every value equal to
    its default left out (the serialisation the reporter's dicts reproduce)."""
    import attr

    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        for a in attr.fields(type(obj)):
            value = getattr(obj, a.name)
            if value is None or (a.default is not attr.NOTHING and value == a.default):
                continue
            out[a.metadata.get("schema_property_name", a.name)] = to_json_data(value)
        return out
    if isinstance(obj, dict):
        return {k: to_json_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json_data(v) for v in obj]
    return obj


def _through_sarif_om(log: dict[str, Any], fmt: SarifFormat, verdict: Verdict) -> dict[str, Any]:
    """``log`` (the reporter's) rebuilt from its own values through sarif-om objects."""
    from gatekeeper.reporters.json_format import change_data

    runs = []
    for run in log["runs"]:
        gate = run["invocations"][0]["properties"]["gatekeeper"]
        notes = [n["message"]["text"] for n in run["invocations"][0].get("toolExecutionNotifications", [])]
        driver = run["tool"]["driver"]
        runs.append(om.Run(
            tool=om.Tool(driver=om.ToolComponent(name=driver["name"], version=driver.get("version"), rules=[])),
            automation_details=om.RunAutomationDetails(id=f"gatekeeper/{driver['name']}/"),
            conversion=om.Conversion(tool=om.Tool(driver=om.ToolComponent(name="gatekeeper", version=__version__))),
            invocations=[om.Invocation(
                execution_successful=True,
                tool_execution_notifications=[om.Notification(message=om.Message(text=n), level="warning") for n in notes] or None,
                properties={"gatekeeper": gate},
            )],
            results=[],
            column_kind="unicodeCodePoints",
            properties={"gatekeeper": {"change": change_data(verdict.change)}} if verdict.change is not None else None,
        ))
    return to_json_data(om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=runs))


def _skeleton(log: dict[str, Any]) -> dict[str, Any]:
    """``log`` with its streamed rules and results emptied (as sarif-om's skeleton has them)."""
    def empty(value: Any) -> Any:
        if type(value) is Streamed:
            return []
        if type(value) is dict:
            return {k: empty(v) for k, v in value.items()}
        if type(value) is list:
            return [empty(v) for v in value]
        return value

    return empty(log)


@pytest.mark.parametrize(
    ("case", "limits"),
    [
        ("rich", {}),
        ("rich", {"max_results": 2, "max_runs": 1}),  # notes, omitted results and tools
        ("many", {"max_results": 100, "max_runs": 2}),
        ("fixtures", {}),
        ("vex", {}),
        ("risk", {}),
        ("change", {}),  # check --diff: the run's properties, before its results
    ],
)
def test_the_log_skeleton_is_what_sarif_om_writes(case: str, limits: dict[str, int]) -> None:
    verdict = {
        "rich": samples.rich_verdict,
        "many": lambda: samples.many_verdict(300, 4),
        "fixtures": samples.fixtures_verdict,
        "vex": samples.vex_verdict,
        "risk": samples.risk_verdict,
        "change": lambda: replace(
            samples.rich_verdict(), change=ChangeScope("diff pr.diff", "added", 3, 4, 2, 1, diff_file="pr.diff")
        ),
    }[case]()
    fmt = SarifFormat(**limits)
    by_tool: dict[str, list[Any]] = {}
    for r in verdict.reports:
        by_tool.setdefault(r.tool, [])
    for e in verdict.results:
        by_tool.setdefault(e.finding.tool, []).append(e)
    ranked = sorted(by_tool, key=lambda t: (len(by_tool[t]) == 0, t))
    kept = {t: by_tool[t][: fmt.max_results] for t in ranked[: fmt.max_runs]}
    omitted = sorted(ranked[fmt.max_runs :])
    log = fmt._log(verdict, kept, {t: len(v) for t, v in by_tool.items()}, omitted, _Origins(verdict))
    ours = _skeleton(log)
    assert list(ours) == ["runs", "version", "$schema"]
    # Compared as text: the order of every object's properties too.
    assert json.dumps(ours, indent=1) == json.dumps(_through_sarif_om(ours, fmt, verdict), indent=1)
