"""Shared test helpers: paths to the bundled fixtures and to the external corpus.

``../shared`` (beside the project root) holds real reports from other projects. A clone
elsewhere has no such folder, so those tests skip there; CI sets
``GATEKEEPER_REQUIRE_SHARED=1`` and then its absence is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REPORTS = FIXTURES / "reports"
SHARED = Path(os.environ.get("GATEKEEPER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def require_shared() -> None:
    """Skip (or fail, under CI) when ``../shared`` is absent."""
    if SHARED.is_dir():
        return
    message = f"{SHARED} not found (the external conformance corpus)"
    if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
        pytest.fail(message)
    pytest.skip(message)


def require(ok: bool, message: str) -> None:
    """Skip (or fail, under CI) when a tool a test needs is missing (a browser, an engine, a
    scanner): locally the suite passes without them; ``.ci/run`` installs every one."""
    if ok:
        return
    if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
        pytest.fail(f"{message} (.ci/setup.d installs it)")
    pytest.skip(message)


def corpus_files(tool: str, pattern: str = "*") -> list[Path]:
    """Corpus files of one tool folder, sorted; empty when the corpus is absent."""
    folder = CORPUS / tool
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []


@pytest.fixture
def shared() -> Path:
    require_shared()
    return SHARED


def corpus_params(tool: str, pattern: str = "*") -> list[object]:
    """``parametrize`` values for a corpus folder.

    When the corpus is absent this yields one ``None`` case; tests must begin with
    ``if path is None: require_shared()`` so the absence skips locally and fails in CI
    (an empty parameter list would be a silent skip).
    """
    files = corpus_files(tool, pattern)
    if not files:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(p, id=p.name) for p in files]


@pytest.fixture(autouse=True)
def _no_ambient_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide for themselves whether they run "on GitHub Actions": a real runner's
    GITHUB_OUTPUT / GITHUB_STEP_SUMMARY must never receive test output."""
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GATEKEEPER_ENV", "NO_COLOR", "GATEKEEPER_VEX"):
        monkeypatch.delenv(name, raising=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI (``GATEKEEPER_REQUIRE_SHARED=1``, set by ``.ci/run``) a skipped test fails.

    A skip hides a broken feature behind a missing tool; ``.ci/run`` installs everything the
    suite needs, so whatever still skips there is a failure to look at, whatever its reason
    (a ``skipif``, a ``pytest.skip`` in a test or fixture, an empty parameter set).
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("GATEKEEPER_REQUIRE_SHARED") and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (GATEKEEPER_REQUIRE_SHARED=1), which counts as a failure: {reason}"
