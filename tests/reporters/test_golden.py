"""Golden files: every format's output for a hand-built verdict, the real fixtures and the
hostile reports, compared byte for byte (``--update-golden`` rewrites them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeeper import __version__
from gatekeeper.reporters import FORMATTERS, OutputFormat
from gatekeeper.reporters.console import ConsoleFormat
from gatekeeper.verdict import Verdict
from tests.conftest import ROOT
from tests.reporters.samples import SUFFIX, fixtures_verdict, hostile_verdict, rich_verdict, risk_verdict, vex_verdict

GOLDEN = ROOT / "tests" / "golden"
CASES: dict[str, Callable[[], Verdict]] = {
    "rich": rich_verdict, "fixtures": fixtures_verdict, "hostile": hostile_verdict, "vex": vex_verdict, "risk": risk_verdict,
}
_cache: dict[str, Verdict] = {}


def normalise(text: str) -> str:
    """Replace what changes between releases (the gatekeeper version)."""
    v = re.escape(__version__)
    text = re.sub(rf'("name": "gatekeeper",\s*"version": )"{v}"', r'\1"<version>"', text)
    text = re.sub(rf'("gatekeeper": \{{\s*"version": )"{v}"', r'\1"<version>"', text)
    return re.sub(rf"<footer>gatekeeper {v}</footer>", "<footer>gatekeeper <version></footer>", text)


def check_golden(path: Path, text: str, update: bool) -> None:
    text = normalise(text)
    if update:
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"{path.name} missing: run pytest tests/reporters/test_golden.py --update-golden"
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        # A short, readable first difference rather than a megabyte-long assertion diff.
        a, b = expected.splitlines(), text.splitlines()
        line = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        pytest.fail(
            f"{path.name} differs from the golden file at line {line + 1}:\n"
            f"  expected: {a[line][:300] if line < len(a) else '<end>'!r}\n"
            f"  actual:   {b[line][:300] if line < len(b) else '<end>'!r}\n"
            "If the change is intended: pytest tests/reporters/test_golden.py --update-golden; git diff tests/golden/"
        )


def verdict(case: str) -> Verdict:
    if case not in _cache:
        _cache[case] = CASES[case]()
    return _cache[case]


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
@pytest.mark.parametrize("case", list(CASES))
def test_golden(case: str, fmt: OutputFormat, update_golden: bool) -> None:
    text = FORMATTERS[fmt]().format(verdict(case))
    check_golden(GOLDEN / f"{case}.{SUFFIX[fmt.value]}", text, update_golden)


def test_golden_console_in_colour(update_golden: bool) -> None:
    text = ConsoleFormat(colour=True).format(verdict("rich"))
    check_golden(GOLDEN / "rich.console-colour.txt", text, update_golden)


def test_every_format_has_a_golden_suffix() -> None:
    assert set(SUFFIX) == {f.value for f in OutputFormat}
