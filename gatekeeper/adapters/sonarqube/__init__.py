"""SonarQube / SonarCloud JSON: Web API responses and the generic issue import format.

Variants read (all one format, ``sonarqube``), one module each:

* ``issues``: ``api/issues/search`` (legacy words, the 10.x clean-code words, or both)::

      {"paging": {"pageIndex": 1, "pageSize": 100, "total": 1},
       "issues": [{"key": "AY...", "rule": "python:S4830", "component": "proj:src/app.py", ...}],
       "components": [{"key": "proj:src/app.py", "path": "src/app.py"}]}

* ``hotspots``: ``api/hotspots/search``: ``{"paging": ..., "hotspots": [{"key", "component",
  "securityCategory", "vulnerabilityProbability", "status", "resolution"?, "line",
  "message", "ruleKey"?}], "components": [...]}``.
* ``bare_list``: a bare list of issue or hotspot objects (what API clients such as
  DefectDojo's return).
* ``generic``: the generic issue import format, legacy ``{"issues": [{"engineId", "ruleId",
  "severity", "type", "primaryLocation": {"message", "filePath", "textRange"?}}]}`` and
  10.3+ ``{"rules": [{"id", "name", "engineId", "impacts"...}], "issues": [{"ruleId",
  "primaryLocation"}]}``, validated as SonarQube's scanner validates it.
* ``quality_gate``: ``api/qualitygates/project_status``: ``{"projectStatus": {"status":
  "ERROR", "conditions": [{"status", "metricKey", "comparator", "errorThreshold",
  "actualValue"}]}}``.

Shared: ``adapter`` (detection and dispatch), ``mapping`` (severity, kind, identifiers,
review state), ``common`` (per-document lookups, locations), ``paging`` (completeness,
``merge_pages``). Responses carry no SonarQube version.
"""

from gatekeeper.adapters.sonarqube.adapter import SonarQubeAdapter
from gatekeeper.adapters.sonarqube.paging import merge_pages

__all__ = ["SonarQubeAdapter", "merge_pages"]
