"""Running the real CLI in-process on VEX inputs, and writing small VEX documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.cli import main
from tests.conftest import ROOT

VEX = ROOT / "fixtures" / "vex"
PIP_AUDIT = ROOT / "fixtures" / "reports" / "pip-audit.json"


def gate(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """``gatekeeper ARGS`` through ``cli.main``: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def gate_json(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, dict[str, Any]]:
    """``gatekeeper check ARGS --json -``: (exit code, the JSON report)."""
    code, out, err = gate(capsys, "check", *args, "--json", "-")
    assert code in (0, 1, 3), err
    return code, json.loads(out)


def suppressed(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule id, decidedBy) of every finding a VEX statement suppressed."""
    return [(f["ruleId"], f["decision"]["decidedBy"]) for f in doc["findings"] if f["decision"]["decidedBy"].startswith("vex ")]


def openvex(tmp: Path, *statements: dict[str, Any], author: str = "Example Security Team <security@example.com>",
            name: str = "doc.openvex.json", **top: Any) -> Path:
    """An OpenVEX 0.2.0 document with these statements, written to ``tmp/name``."""
    doc = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/test",
        "author": author,
        "timestamp": "2026-11-30T09:00:00Z",
        "version": 1,
        "statements": list(statements),
        **top,
    }
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path


def statement(vuln: str, product: str, status: str = "not_affected", **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"vulnerability": {"name": vuln}, "products": [{"@id": product}], "status": status}
    if status == "not_affected" and "justification" not in more and "impact_statement" not in more:
        out["justification"] = "vulnerable_code_not_present"
    out.update(more)
    return out
