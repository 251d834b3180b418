"""``SonarQubeAdapter``: recognises a SonarQube document and hands it to the reader of its kind.

Any of::

    {"paging": {...}, "issues": [{"key", "rule", "component", ...}]}          api/issues/search
    {"paging": {...}, "hotspots": [{"key", "vulnerabilityProbability", ...}]}  api/hotspots/search
    [{"key", "rule", "component", ...}]                                       a bare list
    {"issues": [{"ruleId", "primaryLocation", ...}]}                         generic issue import
    {"projectStatus": {"status": "ERROR", ...}}                              api/qualitygates/project_status

An ``issues`` list without paging is read as the generic import format; the
sonar-report exporter's JSON and other SonarQube objects are refused with a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gatekeeper.adapters.interface import Adapter, Reader
from gatekeeper.adapters.sonarqube.common import (
    TOOL,
    Context,
    has_paging,
    is_sonar_report_exporter,
    not_a_report,
)
from gatekeeper.model import Finding, Report


class SonarQubeAdapter(Adapter):
    """Reads SonarQube Web API responses and generic issue import reports."""

    name = "sonarqube"

    def parse(self, doc: Any, source: str, build: Callable[..., Finding] | None = None) -> Report:
        # NOTE: every gate sniffs with this adapter; its readers (1.5 ms of start-up) are
        # imported only when a SonarQube document is read.
        from gatekeeper.adapters.sonarqube.bare_list import read_bare_list
        from gatekeeper.adapters.sonarqube.generic import read_generic
        from gatekeeper.adapters.sonarqube.hotspots import read_hotspot_search
        from gatekeeper.adapters.sonarqube.issues import read_issue_search
        from gatekeeper.adapters.sonarqube.quality_gate import read_quality_gate

        reader = Reader(source, build)
        ctx = Context(reader)
        if isinstance(doc, list):
            findings = read_bare_list(ctx, doc)
        elif not isinstance(doc, dict):
            raise reader.fail("$", f"expected a SonarQube JSON object or list, got {_describe(doc)}")
        elif is_sonar_report_exporter(doc):
            raise reader.fail("$", not_a_report(doc))
        elif "projectStatus" in doc:
            findings = read_quality_gate(ctx, doc)
        elif "hotspots" in doc:
            findings = read_hotspot_search(ctx, doc)
        elif "issues" in doc and has_paging(doc):
            findings = read_issue_search(ctx, doc)
        elif "issues" in doc:
            findings = read_generic(ctx, doc)
        else:
            raise reader.fail("$", not_a_report(doc))
        return Report(
            source=source,
            tool=TOOL,
            format=self.name,
            findings=tuple(findings),
            target=next(iter(ctx.projects)) if len(ctx.projects) == 1 else None,
            warnings=tuple(reader.warnings),
            categories=frozenset({"sast"}),
        )


def _describe(doc: Any) -> str:
    if doc is None:
        return "null"
    return "a string" if isinstance(doc, str) else "a boolean" if isinstance(doc, bool) else "a number"
