"""The reporters' registry is the one list of outputs: every format through it, and what the
writer (``gatekeeper.output``) does with a reporter's pieces and versions."""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeeper import output
from gatekeeper.reporters import (
    FILE_OUTPUTS,
    FORMATTERS,
    OUTPUTS,
    OutputFormat,
    OutputSpec,
    Reporter,
    StreamReporter,
    TextReporter,
    reporter_for,
)
from gatekeeper.reporters.sarif import SarifFormat
from gatekeeper.verdict import Verdict
from tests.conftest import ROOT
from tests.reporters.samples import fixtures_verdict, many_verdict


@pytest.fixture(scope="module")
def verdict() -> Verdict:
    return fixtures_verdict()


def test_one_record_per_format_in_the_enums_order() -> None:
    assert [spec.format for spec in OUTPUTS] == list(OutputFormat)
    assert list(FORMATTERS) == list(OutputFormat)


def test_file_outputs_are_the_report_options_in_order() -> None:
    assert [spec.name for spec in FILE_OUTPUTS] == ["sarif", "json", "markdown", "junit", "html"]
    assert all(spec.help and spec.help.startswith("Write ") for spec in FILE_OUTPUTS)


@pytest.mark.parametrize("spec", OUTPUTS, ids=lambda s: s.name)
def test_every_reporter_is_pure_and_built_alike(spec: OutputSpec, verdict: Verdict) -> None:
    reporter = reporter_for(spec.format, root=str(ROOT))
    assert isinstance(reporter, Reporter) and type(reporter) is FORMATTERS[spec.format]
    # Each implements exactly one of format / pieces, by its base.
    assert isinstance(reporter, TextReporter) != isinstance(reporter, StreamReporter)
    text = reporter.format(verdict)
    assert isinstance(text, str) and text.endswith("\n")
    assert b"".join(reporter.pieces(verdict)) == text.encode("utf-8")
    # Within its size limit, the writer writes exactly the reporter's text.
    assert output.render(reporter, verdict) == text.encode("utf-8")


@pytest.mark.parametrize("spec", FILE_OUTPUTS, ids=lambda s: s.name)
def test_every_file_output_is_an_input_and_an_output_of_the_action(spec: OutputSpec) -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    action = yaml.safe_load(text)
    assert action["inputs"][spec.name]["description"], f"action.yml documents no input {spec.name}"
    var = f"GK_{spec.name.upper()}"
    assert action["runs"]["steps"][1]["env"][var] == f"${{{{ inputs.{spec.name} }}}}"
    assert re.search(rf'args\+=\(--{spec.name} "\${var}"\)', text), f"action.yml does not pass --{spec.name}"
    # The path written is a step output of the action too (gatekeeper writes it to $GITHUB_OUTPUT).
    assert action["outputs"][spec.name]["value"] == f"${{{{ steps.gate.outputs.{spec.name} }}}}"


def test_the_writer_fits_a_sarif_log_to_its_gzip_limit(tmp_path: Path) -> None:
    v = many_verdict(3000, tools=2)
    target = tmp_path / "out.sarif"
    output.write_output(str(target), SarifFormat(max_gzip_bytes=40_000), v)
    data = target.read_bytes()
    assert len(gzip.compress(data)) <= 40_000
    assert data == output.render(SarifFormat(max_gzip_bytes=40_000), v)
    kept = [r for run in json.loads(data)["runs"] for r in run["results"]]
    assert 0 < len(kept) < 3000
    # format is the full log: fitting is the writer's job.
    full = json.loads(SarifFormat(max_gzip_bytes=40_000).format(v))
    assert sum(len(run["results"]) for run in full["runs"]) == 3000


def test_the_last_version_is_kept_when_none_fits() -> None:
    data = json.loads(output.render(SarifFormat(max_gzip_bytes=10), many_verdict(100, tools=2)))
    assert [run["results"] for run in data["runs"]] == [[], []]
    assert data["runs"][0]["invocations"][0]["properties"]["gatekeeper"]["omitted"]["results"] == 50


class _Versions(StreamReporter):
    """Versions of ``size`` bytes each, counting how many the writer asked for."""

    def __init__(self, *sizes: int, limit: int | None) -> None:
        super().__init__()
        self.sizes, self.gzip_limit, self.asked = sizes, limit, 0

    def pieces(self, verdict: Any) -> Iterator[bytes]:
        return iter(next(self.versions(verdict)))

    def versions(self, verdict: Any) -> Iterator[Iterable[bytes]]:
        for size in self.sizes:
            self.asked += 1
            yield [random.Random(size).randbytes(size)]  # incompressible


def test_the_writer_asks_for_a_smaller_version_only_while_one_does_not_fit() -> None:
    reporter = _Versions(64_000, 16_000, 4_096, limit=20_000)
    assert len(output.render(reporter, None)) == 16_000
    assert reporter.asked == 2
    unlimited = _Versions(64_000, 16_000, limit=None)
    assert len(output.render(unlimited, None)) == 64_000
    assert unlimited.asked == 1
