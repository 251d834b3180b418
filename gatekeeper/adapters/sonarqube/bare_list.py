"""A bare list of issue or hotspot objects, as API clients such as DefectDojo's return it.

::

    [{"key": "AY...", "rule": "python:S4830", "component": "proj:src/app.py",
      "severity": "CRITICAL", "type": "VULNERABILITY", "status": "OPEN", "message": "..."}]

The first item decides whether all are read as issues or as hotspots. A list carries no
paging, so it is read with a warning that its completeness cannot be checked.
"""

from __future__ import annotations

from typing import Any

from gatekeeper.adapters.sonarqube.common import Context, item_shape
from gatekeeper.adapters.sonarqube.hotspots import read_hotspot
from gatekeeper.adapters.sonarqube.issues import read_issue
from gatekeeper.model import Finding


def read_bare_list(ctx: Context, items: list[Any]) -> list[Finding]:
    ctx.reader.each(items, "$")
    if not items:
        return []
    shape = item_shape(items[0])
    if shape is None:
        raise ctx.reader.fail(
            "$[0]",
            "neither a SonarQube issue (keys key, rule, component) nor a hotspot "
            "(keys key, component, securityCategory, vulnerabilityProbability)",
        )
    ctx.reader.warn(f"a bare list of {shape}s carries no paging, so it cannot be checked for completeness")
    read = read_issue if shape == "issue" else read_hotspot
    return [f for i, item in enumerate(items) if (f := read(ctx, item, f"$[{i}]"))]
