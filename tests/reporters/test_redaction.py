"""Secrets never reach any output: `gatekeeper check` over every real report, writing every
format, must not print a planted secret value, nor any Secret/Match value found in those
reports (gitleaks Secret and Match, Trivy secret Match and Code lines, SARIF snippets)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPORTS, ROOT

OUTPUTS = {"--sarif": "out.sarif", "--json": "out.json", "--markdown": "out.md", "--junit": "out.xml", "--html": "out.html"}


def planted() -> list[str]:
    path = FIXTURES / "planted_secrets.txt"
    assert path.is_file(), "fixtures/planted_secrets.txt lists the secret values planted in fixtures/targets"
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def _walk(doc: Any, parent: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield parent, k, v
            yield from _walk(v, k)
    elif isinstance(doc, list):
        for v in doc:
            yield from _walk(v, parent)


def report_secrets() -> set[str]:
    """Secret values as the scanners wrote them in fixtures/reports."""
    found: set[str] = set()
    for path in sorted(REPORTS.iterdir()):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        for parent, key, value in _walk(doc):
            if key in {"Secret", "Match", "offender"} and isinstance(value, str):
                found.add(value)
            elif key == "Lines" and isinstance(value, list):  # Trivy secret Code.Lines
                found.update(line.get("Content", "") for line in value if isinstance(line, dict) and line.get("IsCause"))
            elif key == "text" and parent == "snippet" and isinstance(value, str):  # SARIF snippets
                found.add(value)
    return found


def needles() -> set[str]:
    """What must not appear: each planted value and every 16-character piece of it, and
    every secret-looking piece of the reports' values (Trivy masks part of a value with
    '*' and leaves the rest: that rest must not appear either)."""
    out: set[str] = set()
    for value in planted():
        out.add(value)
        out.update(value[i : i + 16] for i in range(0, max(len(value) - 15, 1)))
    for value in report_secrets():
        for line in value.splitlines():
            for piece in re.split(r"\*{3,}|\s+", line):
                if len(piece) >= 12 and re.search(r"\d", piece) and re.search(r"[A-Za-z]", piece) and "REDACTED" not in piece:
                    out.add(piece)
    return out


def test_the_planted_secrets_are_in_the_reports() -> None:
    """The test below proves something only if the reports do hold the secrets."""
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in REPORTS.iterdir())
    assert all(value in everything for value in planted())
    assert len(needles()) > 50


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    args: list[str] = []
    for flag, name in OUTPUTS.items():
        args += [flag, str(tmp_path / name)]
    env = {**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "gatekeeper", "check", "--max-listed", "100000", str(REPORTS), *args, "--annotations"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    texts = {"stdout": done.stdout, "stderr": done.stderr}
    texts.update({name: (tmp_path / name).read_text(encoding="utf-8") for name in OUTPUTS.values()})
    assert "::error file=" in done.stdout and texts["out.json"].startswith("{")
    leaks = sorted({(where, n) for n in needles() for where, text in texts.items() if n in text})
    assert not leaks, f"secret values in the output: {leaks[:10]}"


@pytest.mark.parametrize("fmt", ["sarif", "json", "markdown", "junit", "annotations", "html", "console"])
def test_no_secret_in_any_format_in_process(fmt: str) -> None:
    """The same over the formatters directly (with every finding listed on the console)."""
    from gatekeeper.reporters import FORMATTERS, OutputFormat
    from gatekeeper.reporters.annotations import AnnotationsFormat
    from gatekeeper.reporters.console import ConsoleFormat
    from gatekeeper.reporters.markdown import MarkdownFormat
    from tests.reporters.samples import fixtures_verdict

    verdict = fixtures_verdict()
    formatter = {
        "console": ConsoleFormat(limit=100_000),
        "markdown": MarkdownFormat(limit=100_000),
        "annotations": AnnotationsFormat(limit=100_000),
    }.get(fmt) or FORMATTERS[OutputFormat(fmt)]()
    text = formatter.format(verdict)
    leaks = sorted(n for n in needles() if n in text)
    assert not leaks, leaks[:10]
