"""A private Docker engine for the ``gatekeeper scan`` tests.

One ``dockerd`` per test session, on its own socket, data root, exec root and pidfile in a
temporary folder, with no bridge and no iptables changes (scanners run with ``--network none``,
or the host's network to reach a loopback server, and no registry is reachable anyway). The scanner images are built ``FROM scratch`` into it
(see ``images.py``), the Python ones by ``docker import`` (``pyimage.py``); everything is torn
down at the end.

Without ``dockerd`` (Debian ``docker.io``), root, the scanners' venvs or busybox the tests skip
locally and fail under CI (``GATEKEEPER_REQUIRE_SHARED=1``, set by ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require as require_tool
from tests.scan.images import build_images

SCANNERS_VENV = Path(os.environ.get(
    "GATEKEEPER_TEST_SCANNERS_VENV",
    "/opt/gatekeeper-scanners",
))
CHECKOV_VENV = Path(os.environ.get(
    "GATEKEEPER_TEST_CHECKOV_VENV",
    "/opt/gatekeeper-checkov",
))
BUSYBOX = Path(os.environ.get("GATEKEEPER_TEST_BUSYBOX", "/bin/busybox"))


def require(ok: bool, message: str) -> None:
    """Skip (or fail, under CI) when something the engine tests need is missing."""
    require_tool(ok, message)


@pytest.fixture(scope="session")
def docker_host() -> Iterator[str]:
    """``unix://...`` of a private dockerd holding the test images."""
    dockerd = shutil.which("dockerd")
    require(dockerd is not None, "dockerd not found (Debian package docker.io)")
    require(os.geteuid() == 0, "dockerd needs root")
    require(SCANNERS_VENV.is_dir(), f"{SCANNERS_VENV}: scanners' venv not found")
    require(BUSYBOX.is_file(), f"{BUSYBOX}: not found (Debian package busybox-static)")
    require((CHECKOV_VENV / "bin/checkov").is_file(), f"{CHECKOV_VENV}: checkov's venv not found")
    import docker

    # A short path: unix socket paths are limited to 108 bytes.
    tmp = Path(tempfile.mkdtemp(prefix="gk-dockerd-", dir="/tmp"))
    host = f"unix://{tmp}/docker.sock"
    log = (tmp / "dockerd.log").open("wb")
    proc = subprocess.Popen(
        [str(dockerd), "--host", host, "--data-root", str(tmp / "data"), "--exec-root", str(tmp / "exec"),
         "--pidfile", str(tmp / "dockerd.pid"), "--bridge=none", "--iptables=false", "--ip6tables=false"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    client: Any = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = docker.DockerClient(base_url=host)
                client.ping()
                break
            except docker.errors.DockerException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    text = (tmp / "dockerd.log").read_text(errors="replace")[-3000:]
                    pytest.fail(f"dockerd did not start:\n{text}")
                time.sleep(0.3)
        seconds = build_images(client, SCANNERS_VENV, BUSYBOX, CHECKOV_VENV)
        print("\nPython scanner images (rootfs + docker import): "
              + ", ".join(f"{tag} {s:.1f} s" for tag, s in seconds.items()))
        yield host
    finally:
        if client is not None:
            for container in client.containers.list(all=True):
                container.remove(force=True)
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        # dockerd leaves its network namespace mounted under the exec root.
        for line in Path("/proc/mounts").read_text().splitlines():
            mountpoint = line.split()[1]
            if mountpoint.startswith(f"{tmp}/"):
                subprocess.run(["umount", "-l", mountpoint], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def engine(docker_host: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A client of the private engine; ``DOCKER_HOST`` points gatekeeper at it too."""
    import docker

    monkeypatch.setenv("DOCKER_HOST", docker_host)
    client = docker.DockerClient(base_url=docker_host)
    yield client
    client.close()
