"""Shared by the SonarQube document readers: per-document lookups, shape detection, locations.

An item's location comes from its component key and, where the response gives one, the
component's path::

    "issues": [{"component": "proj:src/app.py", "project": "proj", "line": 5,
                "textRange": {"startLine": 5, "endLine": 5}, ...}],
    "components": [{"key": "proj:src/app.py", "path": "src/app.py"}]

Location: a component key ``project:path`` -> the ``components[].path`` the response
gives, else the key minus its project prefix, else the part after the first ``:``; the
project itself (a dependency-check finding, say) has no path and becomes the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gatekeeper.adapters.interface import Reader
from gatekeeper.adapters.sniff import sonar_generic_issue as is_generic_issue  # noqa: F401 - for the readers
from gatekeeper.adapters.sniff import sonar_item_shape as item_shape  # noqa: F401 - for the readers
from gatekeeper.adapters.sniff import sonar_paging as has_paging  # noqa: F401 - for the readers

TOOL = "sonarqube"
_TITLE_MAX = 120


@dataclass
class Context:
    """Per-document lookups: component key -> path, rule key -> name."""

    reader: Reader
    paths: dict[str, str | None] = field(default_factory=dict)
    rule_names: dict[str, str] = field(default_factory=dict)
    projects: set[str] = field(default_factory=set)


def is_sonar_report_exporter(doc: dict[str, Any]) -> bool:
    # NOTE: soprasteria/sonar-report writes its own JSON ({"sonarBaseURL", "issues": [...]})
    # beside its HTML; its issues look like API issues but are filtered and re-worded.
    return "sonarBaseURL" in doc or "sonarComponent" in doc


def not_a_report(doc: dict[str, Any]) -> str:
    keys = ", ".join(sorted(doc)[:8]) or "none"
    if is_sonar_report_exporter(doc):
        hint = "the sonar-report (soprasteria) exporter's JSON, which gatekeeper does not read"
    elif {"key", "name"} <= doc.keys():
        hint = "a SonarQube rule or project object, not a list of findings"
    else:
        hint = "not a SonarQube findings document"
    return (
        f"{hint} (top-level keys: {keys}); expected an api/issues/search, api/hotspots/search "
        "or api/qualitygates/project_status response, or a generic issue import report"
    )


def finding_title(rule: str, message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    if len(first) > _TITLE_MAX:
        first = first[: _TITLE_MAX - 3] + "..."
    return f"{rule}: {first}"


def read_components(ctx: Context, doc: dict[str, Any]) -> None:
    components = ctx.reader.each(ctx.reader.opt(doc, "components", list, default=[]), "components")
    for i, comp in enumerate(components):
        where = f"components[{i}]"
        key = ctx.reader.need(comp, "key", str, where)
        ctx.paths[key] = ctx.reader.opt(comp, "path", str, where)


def component_path(ctx: Context, component: str, project: str | None) -> str | None:
    """The file path of a component key (``project:path``); None for the project itself."""
    if component in ctx.paths:
        return ctx.paths[component]
    if component == project:
        return None
    # NOTE: project keys may hold ":" themselves (Maven "group:artifact"), so the
    # project prefix is stripped before falling back to "after the first colon".
    if project and component.startswith(project + ":"):
        return component[len(project) + 1 :]
    if ":" in component:
        return component.split(":", 1)[1]
    if project:
        ctx.reader.warn(f"component {component!r} does not start with its project key {project!r}; read as a path")
    return component


def line_range(ctx: Context, item: dict[str, Any], where: str) -> tuple[int | None, int | None]:
    start = ctx.reader.opt(item, "line", int, where)
    text_range = ctx.reader.opt(item, "textRange", dict, where)
    end = start
    if text_range is not None:
        start = ctx.reader.opt(text_range, "startLine", int, f"{where}.textRange", start)
        end = ctx.reader.opt(text_range, "endLine", int, f"{where}.textRange", start)
    return start, end
