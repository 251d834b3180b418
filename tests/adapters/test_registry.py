"""The registry of report formats (``adapters/registry.py``) is the list: each entry is checked here.

A new scanner is one adapter module, one content test in ``adapters/sniff.py`` and one
registry entry; this test then checks it against its sample report without being edited.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import FORMATS, adapter_for, detect, hint_from_name, parse_document
from gatekeeper.adapters.registry import FORMAT_NAMES, REPORT_FORMATS, ReportFormat, by_name
from tests.conftest import FIXTURES, ROOT

# NOTE: fixtures/ holds no SonarQube report (the pipeline's scanners do not include a
# SonarQube server), so its sample is an api/issues/search answer kept beside this test.
SAMPLES = sorted([*(FIXTURES / "reports").iterdir(), *(FIXTURES / "pipeline").iterdir(), *(Path(__file__).parent / "data").iterdir()])


def sample_format(path: Path) -> str | None:
    """The format of a sample report, from its name: ``x.sarif`` is SARIF, else the tool it names."""
    return "sarif" if path.suffix == ".sarif" else hint_from_name(path.name)


def samples() -> list[tuple[Path, Any]]:
    """Every sample report with its document, but the empty ones no content test can place."""
    docs = [(p, json.loads(p.read_bytes())) for p in SAMPLES if p.suffix in (".json", ".sarif")]
    return [(p, doc) for p, doc in docs if doc not in (None, [])]


@pytest.mark.parametrize("entry", REPORT_FORMATS, ids=FORMAT_NAMES)
def test_each_format_reads_its_samples_and_only_its_own(entry: ReportFormat) -> None:
    module, _, cls_name = entry.adapter.partition(":")
    cls = getattr(__import__(module, fromlist=[cls_name]), cls_name)
    assert cls.name == entry.name
    assert type(adapter_for(entry.name)) is cls
    own = [(p, doc) for p, doc in samples() if sample_format(p) == entry.name]
    others = [(p, doc) for p, doc in samples() if sample_format(p) != entry.name]
    assert own, f"no sample report of {entry.name} (fixtures/reports, fixtures/pipeline or tests/adapters/data)"
    for path, doc in own:
        assert entry.sniff(doc) and cls.sniff(doc), path.name
        assert detect(doc, path.name) == entry.name, path.name
        assert parse_document(doc, path.name).format == entry.name
    assert not [p.name for p, doc in others if entry.sniff(doc)]


@pytest.mark.parametrize("entry", REPORT_FORMATS, ids=FORMAT_NAMES)
def test_each_name_hint_names_its_format(entry: ReportFormat) -> None:
    assert entry.name_hints and all(t == t.lower() for t in entry.name_hints)
    for token in entry.name_hints:
        assert hint_from_name(f"reports/{token}-report.json") == entry.name


def test_the_most_specific_name_hint_wins() -> None:
    assert hint_from_name("gitleaks-report.sarif") == "gitleaks"
    assert hint_from_name("trivy.sarif") == "trivy"
    assert hint_from_name("sonar-issues.sarif") == "sonarqube"
    assert hint_from_name("trivy/pip-audit.json") == "pip-audit"  # the file name, not the folder
    assert hint_from_name("report.json") is None


def test_everything_else_derives_from_the_registry() -> None:
    assert len(set(FORMAT_NAMES)) == len(FORMAT_NAMES)
    # The first seven in their order (detection's and --format's); new formats come after.
    assert FORMAT_NAMES[:7] == ("trivy", "gitleaks", "checkov", "hadolint", "pip-audit", "sonarqube", "sarif")
    assert list(FORMATS) == list(FORMAT_NAMES)
    assert all(FORMATS[f.name] == f.adapter and by_name(f.name) is f for f in REPORT_FORMATS)
    with pytest.raises(KeyError):
        by_name("no-such-scanner")


def test_the_registry_imports_no_adapter() -> None:
    # The CLI imports it to list --format choices before it knows what it will read.
    code = "import sys, gatekeeper.adapters.registry; print(' '.join(sorted(sys.modules)))"
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split())
    module_names = {f.adapter.partition(":")[0] for f in REPORT_FORMATS}
    assert "gatekeeper.adapters.sniff" in modules
    assert not modules & module_names
