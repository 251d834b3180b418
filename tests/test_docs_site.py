"""The documentation site (mkdocs.yml, docs/) builds in strict mode, and the README stays short.

A broken link or anchor between pages, or a page left out of the nav, fails ``mkdocs build
--strict``; the last tests prove that the configuration really makes them fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

MKDOCS = [sys.executable, "-m", "mkdocs"]
README_MAX_LINES = 250


def _build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MKDOCS, "build", "--strict", "-d", str(site)], cwd=root, capture_output=True, text=True, timeout=300)


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _nav_pages(v)]
    if isinstance(nav, list):
        return [p for v in nav for p in _nav_pages(v)]
    return []


def _config() -> dict[str, object]:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    done = _build(ROOT, tmp_path / "site")
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_configuration_is_strict_and_lists_every_page() -> None:
    config = _config()
    assert config["strict"] is True and config["docs_dir"] == "docs"
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").glob("**/*.md"))
    assert sorted(_nav_pages(config["nav"])) == pages


def test_the_readme_is_short_and_links_to_every_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("\n") < README_MAX_LINES, "README.md holds what a newcomer needs first; references go to docs/"
    linked = set(re.findall(r"\]\(docs/([\w./-]+\.md)(?:#[\w-]*)?\)", text))
    pages = {p for p in _nav_pages(_config()["nav"]) if p != "index.md"}
    assert pages <= linked, f"README.md does not link to {sorted(pages - linked)}"


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    shutil.copy2(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    return tmp_path


@pytest.mark.parametrize(
    ("page", "text"),
    [
        ("policy.md", "\nSee [the rules](no-such-page.md).\n"),
        ("policy.md", "\nSee [the rules](ci.md#no-such-heading).\n"),
        ("orphan.md", "# A page the nav does not list\n"),
    ],
    ids=["broken link", "broken anchor", "page missing from the nav"],
)
def test_the_build_fails_on(page: str, text: str, site_copy: Path) -> None:
    path = site_copy / "docs" / page
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + text, encoding="utf-8")
    done = _build(site_copy, site_copy / "site")
    assert done.returncode != 0, f"mkdocs build --strict passed with {text.strip()!r} in {page}"


def test_every_test_the_fail_closed_table_names_exists() -> None:
    # The table is the promise; each row names the tests that keep it. A renamed or deleted
    # test must not leave a row pointing at nothing.
    table = (ROOT / "docs" / "fail-closed.md").read_text(encoding="utf-8")
    named = {n for row in table.splitlines() if row.startswith("| ")
             for n in re.findall(r"\b(test_\w+)", row.rsplit("|", 2)[-2])}
    files = list((ROOT / "tests").rglob("*.py"))
    defined = {m for p in files for m in re.findall(r"^\s*def (test_\w+)\(", p.read_text(encoding="utf-8"), re.M)}
    defined |= {p.stem for p in files}  # a row may name a whole test module
    assert len(named) > 40
    assert sorted(named - defined) == []
