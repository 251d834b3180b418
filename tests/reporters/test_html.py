"""The HTML report in a real browser: headless Chromium renders the charts and the table,
and the sort and filter work. Chromium is required (.ci/setup.d/20-chromium.sh installs
it): its absence fails these tests rather than skipping them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from gatekeeper.reporters.html import HtmlFormat
from gatekeeper.verdict import Verdict
from tests.conftest import ROOT, require
from tests.reporters.samples import fixtures_verdict, hostile_verdict, rich_verdict

SCREENSHOT = ROOT / "docs" / "html-report.png"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    require(False, "headless Chromium is required for the HTML report tests (Debian: apt-get install chromium)")
    raise AssertionError  # not reached: require skips or fails


def browse(page: Path, *args: str, fragment: str = "") -> str:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *args, page.as_uri() + fragment,
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Dom(HTMLParser):
    """The few facts the tests need from Chromium's serialised DOM."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        found = re.search(r'<span id="shown">([^<]*)</span>', text)
        self.shown = found.group(1) if found else ""
        found = re.search(r"<title>([^<]*)</title>", text)
        self.title = found.group(1) if found else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def rows(self) -> list[dict[str, str | None]]:
        """The finding rows, in their current order."""
        return [a for t, a in self.tags if t == "tr" and "data-outcome" in a]


def page(tmp_path: Path, verdict: Verdict) -> Path:
    path = tmp_path / "report.html"
    path.write_text(HtmlFormat().format(verdict), encoding="utf-8")
    return path


def test_charts_and_table_are_rendered(tmp_path: Path) -> None:
    verdict = rich_verdict()
    dom = Dom(browse(page(tmp_path, verdict), "--dump-dom"))
    assert dom.all("body", data_ready="1"), "the page's script did not run"
    charts = dom.all("figure", **{"class": "chart"})
    assert sorted(str(c["data-tool"]) for c in charts) == ["checkov", "gitleaks", "hadolint", "pip-audit", "trivy"]
    bars = dom.all("rect")
    assert len(bars) == 6 * len(charts)
    assert any(b["data-severity"] == "critical" and b["data-count"] == "1" and int(str(b["width"])) > 0 for b in bars)
    assert len(dom.rows()) == len(verdict.results)
    assert dom.shown == f"{len(verdict.results)} of {len(verdict.results)} findings shown"


def test_the_table_filters_and_sorts(tmp_path: Path) -> None:
    path = page(tmp_path, rich_verdict())
    dom = Dom(browse(path, "--dump-dom", fragment="#q=gitleaks"))
    visible = [r for r in dom.rows() if "hidden" not in r]
    assert len(visible) == 2 and dom.shown == "2 of 9 findings shown"
    dom = Dom(browse(path, "--dump-dom", fragment="#outcome=fail&q=aws%20token"))
    assert dom.shown == "1 of 9 findings shown"
    # Sort by severity, lowest first: the first row is then the low finding.
    dom = Dom(browse(path, "--dump-dom", fragment="#sort=1&dir=asc"))
    assert dom.all("th", aria_sort="ascending")
    assert [r["data-outcome"] for r in dom.rows()][0] == "pass"


def test_hostile_markup_is_shown_not_run(tmp_path: Path) -> None:
    dom = Dom(browse(page(tmp_path, hostile_verdict()), "--dump-dom"))
    assert dom.all("body", data_ready="1")
    assert dom.shown == "4 of 4 findings shown"
    assert len(dom.all("script")) == 1, "a finding's <script> became an element"
    assert not dom.all("img") and not dom.all("b") and not dom.all("x")
    assert dom.title == "gatekeeper: failed", "a finding's script ran"


def test_the_page_loads_nothing_from_outside() -> None:
    text = HtmlFormat().format(fixtures_verdict())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "default-src 'none'" in text


def test_screenshot(tmp_path: Path, update_golden: bool) -> None:
    """A picture of the report over the real fixtures (docs/html-report.png, refreshed by
    --update-golden)."""
    shot = tmp_path / "shot.png"
    browse(page(tmp_path, fixtures_verdict()), "--hide-scrollbars", "--window-size=1280,1400", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    if update_golden:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(data)
    assert SCREENSHOT.is_file(), "docs/html-report.png missing: pytest tests/reporters --update-golden"
