"""Whether a finding lies in the change: ``in``, ``outside``, or ``unplaced`` (cannot tell).

The rules, first that applies (docs/pull-requests.md):

- a dependency finding (a package with a version): in the change when an added line of its
  manifest or lockfile (any dependency file of the diff when the finding names none) names
  the package at that version, on the line or in the hunk's lines above it (a lockfile
  writes ``"node_modules/x": {`` then ``"version": "1.2.3"``); ``--diff-filter file``: when
  its manifest changed. An image's package (the report scanned an image): when a
  Dockerfile's ``FROM`` line was added or changed, or the Dockerfile instruction that built
  its layer (Trivy's ``Layer.CreatedBy``) was; a changed Dockerfile without that layer
  information keeps the finding in the change;
- a finding in a file: by its lines and ``--diff-filter``: ``added`` (a line of the finding
  was added), ``context`` (it lies within a hunk, context lines included) or ``file`` (its
  file changed); a finding naming no line in a changed file, a binary file, and a secret in
  a changed file (``change: {secrets: file}``, the default) are in the change;
- a file the diff deletes or renames away, an absolute path outside the checkout, or no
  file at all: ``unplaced``, decided as usual unless the policy says otherwise.

Placing 50,000 findings is a dict lookup each: paths, packages and versions are indexed
once, and each distinct (path, lines) or (manifest, package) is placed once.
"""

from __future__ import annotations

import bisect
import enum
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gatekeeper.change.parse import Diff, FileChange
from gatekeeper.model import Finding, Kind
from gatekeeper.paths import repository_path

IN, OUTSIDE, UNPLACED = "in", "outside", "unplaced"


class Filter(str, enum.Enum):
    """Which findings of a changed file are in the change (``--diff-filter``)."""

    ADDED = "added"
    """On a line the change adds."""
    CONTEXT = "context"
    """Within the diff's hunks, context lines included."""
    FILE = "file"
    """Anywhere in a file the change touches."""


@dataclass(frozen=True)
class Change:
    """The change a gate judges: a parsed diff, how findings are placed in it, and what it is against."""

    diff: Diff
    filter: Filter = Filter.ADDED
    against: str = ""
    """In words: ``diff pr.diff`` or ``origin/main (merge base 3f2a1c9d)``."""
    base_ref: str | None = None
    """``--diff-base``'s ref, when the diff was computed with git."""
    merge_base: str | None = None
    """The merge base's commit id, when computed with git."""
    root: str | None = None
    """The checkout root: absolute paths under it are repository paths."""
    sha256: str | None = None
    """The SHA-256 of the diff's bytes, for decision records."""


DEPENDENCY_FILES = frozenset({
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock",
    "pyproject.toml", "poetry.lock", "pipfile", "pipfile.lock", "uv.lock", "pdm.lock", "setup.py", "setup.cfg",
    "go.mod", "go.sum", "cargo.toml", "cargo.lock", "gemfile", "gemfile.lock", "composer.json", "composer.lock",
    "pom.xml", "build.gradle", "build.gradle.kts", "gradle.lockfile", "packages.lock.json", "mix.lock",
    "pubspec.lock", "conan.lock", "packages.config", "directory.packages.props",
})
"""Manifests and lockfiles by name (lowercase); also ``requirements*.txt`` and ``*.csproj``."""

_VERSION_TOKEN = re.compile(r"(?<![\w.+~-])v?\d[\w.+~-]*")
_NAME_SEPARATORS = re.compile(r"[-_.]+")
_WINDOW = 40
"""Lines above a version in which its package's name may stand (Pipfile.lock lists hashes between)."""


def is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name in DEPENDENCY_FILES or (name.startswith("requirements") and name.endswith((".txt", ".in"))) or name.endswith(".csproj")


def is_dockerfile(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.startswith(("dockerfile", "containerfile")) or name.endswith((".dockerfile", ".containerfile"))


def _norm(text: str) -> str:
    """PEP 503's name normalisation (``Foo_Bar.baz`` -> ``foo-bar-baz``), used for every ecosystem."""
    return _NAME_SEPARATORS.sub("-", text.lower())


def _names_in(name: str, text: str) -> bool:
    """Whether the (normalised) package ``name`` stands in ``text`` as a whole word."""
    line = _norm(text)
    candidates = [_norm(name)]
    if ":" in name:  # Maven group:artifact: the pom names the artifact on its own line
        candidates.append(_norm(name.rsplit(":", 1)[1]))
    for n in candidates:
        start = line.find(n)
        while start >= 0:
            end = start + len(n)
            before = line[start - 1] if start else " "
            after = line[end] if end < len(line) else " "
            if not (before.isalnum() or before == "-") and not (after.isalnum() or after == "-"):
                return True
            start = line.find(n, start + 1)
    return False


_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$")
_NOP = re.compile(r"^(?:/bin/sh -c\s+)?(?:#\(nop\)\s*)?")


def _squash(text: str) -> str:
    return " ".join(text.split())


class Placer:
    """Places findings in one change; built once per evaluation."""

    def __init__(self, change: Change, secrets_by_file: bool = True) -> None:
        self.change = change
        self.filter = change.filter
        self.secrets_by_file = secrets_by_file
        self.files: dict[str, FileChange] = {}
        self.gone: dict[str, FileChange] = {}
        tails: dict[str, str | None] = {}
        for fc in change.diff.files:
            if fc.new_path is not None:
                self.files[fc.new_path] = fc
                parts = fc.new_path.split("/")
                for k in range(1, len(parts)):
                    tail = "/".join(parts[k:])
                    tails[tail] = fc.new_path if tail not in tails else None  # None: ambiguous
        for fc in change.diff.files:
            if fc.old_path is not None and fc.old_path not in self.files:
                self.gone[fc.old_path] = fc
        self._tails = tails
        self._paths: dict[str, tuple[str | None, str]] = {}
        self._starts = {p: [h[0] for h in fc.hunks] for p, fc in self.files.items()}
        self._dependency_files = [fc for p, fc in self.files.items() if is_dependency_file(p)]
        self._versions: dict[str, dict[str, list[int]]] | None = None
        self._packages: dict[tuple[str | None, str, str], tuple[str, str]] = {}
        self._lines: dict[tuple[str, int, int], tuple[str, str]] = {}
        self._added: dict[str, list[int]] = {}
        self._image: tuple[str, str] | None = None
        self._dockerfile_lines: list[tuple[str, int, str, str]] | None = None

    # -- paths -----------------------------------------------------------------------------

    def resolve(self, path: str) -> tuple[str | None, str]:
        """The changed file a report's path names (``None``: not changed), and the state when not."""
        known = self._paths.get(path)
        if known is not None:
            return known
        repo, certain = repository_path(path, self.change.root)
        found: tuple[str | None, str]
        if repo in self.files:
            found = (repo, IN)
        elif repo in self.gone:
            what = "deletes" if self.gone[repo].new_path is None else "renames"
            found = (None, f"{UNPLACED}:the change {what} {repo}: the report is older than the change")
        elif self._tails.get(repo):
            found = (self._tails[repo], IN)  # a report made in a folder of the repository
        else:
            parts = repo.split("/")
            tail = next(("/".join(parts[k:]) for k in range(1, len(parts)) if "/".join(parts[k:]) in self.files), None)
            if tail is not None:
                found = (tail, IN)  # a checkout elsewhere (an absolute path) or a container's
            elif not certain:
                found = (None, f"{UNPLACED}:{path} is outside the checkout")
            else:
                found = (None, f"{OUTSIDE}:{repo} is not changed")
        self._paths[path] = found
        return found

    # -- placing ---------------------------------------------------------------------------

    def place(self, f: Finding, categories: Iterable[str] = ()) -> tuple[str, str]:
        """``(IN | OUTSIDE | UNPLACED, why)`` for one finding."""
        loc = f.location
        pkg = f.package
        if pkg is not None and pkg.version and f.kind in (Kind.VULNERABILITY, Kind.LICENSE):
            if "image" in categories:
                # NOTE: a path of an image's package is inside the image (grype's
                # /usr/lib/..., Trivy's PkgPath of a jar): not a file of the repository.
                return self._image_place(f)
            return self._package_place(loc.path, pkg.name, pkg.version, loc.start_line)
        if not loc.path:
            return UNPLACED, "it names no file"
        path, state = self.resolve(loc.path)
        if path is None:
            kind, _, why = state.partition(":")
            return kind, why
        fc = self.files[path]
        if f.kind is Kind.SECRET and self.secrets_by_file:
            return IN, f"a secret in {path}, which the change touches"
        if self.filter is Filter.FILE:
            return IN, f"{path} is changed"
        if fc.binary:
            return IN, f"{path} is a changed binary file"
        start = loc.start_line
        if not start:
            return IN, f"{path} is changed and the finding names no line"
        return self._line_place(path, fc, start, max(loc.end_line or start, start))

    def _line_place(self, path: str, fc: FileChange, start: int, end: int) -> tuple[str, str]:
        key = (path, start, end)
        known = self._lines.get(key)
        if known is not None:
            return known
        shown = f"line {start}" if end == start else f"lines {start}-{end}"
        if self.filter is Filter.ADDED:
            added = self._added.get(path)
            if added is None:
                added = self._added[path] = sorted(fc.added)
            k = bisect.bisect_left(added, start)
            hit = k < len(added) and added[k] <= end  # an added line within start..end
            result = (IN, f"{shown} of {path} added") if hit else (OUTSIDE, f"{shown} of {path} not added by the change")
        else:
            starts = self._starts[path]
            k = bisect.bisect_right(starts, end) - 1
            hit = k >= 0 and fc.hunks[k][1] >= start
            # NOTE: hunks are disjoint and sorted: the last starting at or before ``end`` is the only candidate.
            result = (IN, f"{shown} of {path} within the diff") if hit else (OUTSIDE, f"{shown} of {path} outside the diff's hunks")
        self._lines[key] = result
        return result

    def _version_index(self) -> dict[str, dict[str, list[int]]]:
        """Dependency file -> version token on an added line -> indexes of those lines in ``lines``."""
        if self._versions is None:
            self._versions = {}
            for fc in self._dependency_files:
                self._index(fc)
        return self._versions

    def _index(self, fc: FileChange) -> dict[str, list[int]]:
        assert self._versions is not None and fc.new_path is not None
        found = self._versions.setdefault(fc.new_path, {})
        for i, (_, added, text) in enumerate(fc.lines):
            if added:
                for token in set(_VERSION_TOKEN.findall(text)):
                    found.setdefault(token, []).append(i)
                    if token[0] == "v":
                        found.setdefault(token[1:], []).append(i)
        return found

    def _package_place(self, path: str | None, name: str, version: str, line: int | None) -> tuple[str, str]:
        key = (path, name, version)
        known = self._packages.get(key)
        if known is not None:
            return known
        result = self._package_place_once(path, name, version, line)
        self._packages[key] = result
        return result

    def _package_place_once(self, path: str | None, name: str, version: str, line: int | None) -> tuple[str, str]:
        what = f"{name} {version}"
        if path:
            manifest, state = self.resolve(path)
            if manifest is None:
                kind, _, why = state.partition(":")
                return kind, why
            candidates = [self.files[manifest]]
            if self.filter is Filter.FILE:
                return IN, f"{manifest}, which names {what}, is changed"
            if line and self.files[manifest].added.intersection([line]):
                return IN, f"line {line} of {manifest} ({what}) added"
        else:
            candidates = self._dependency_files
            if not candidates:
                return OUTSIDE, f"{what}: the change touches no manifest or lockfile"
        versions = self._version_index()
        for fc in candidates:
            assert fc.new_path is not None
            index = versions.get(fc.new_path)
            if index is None:
                index = self._index(fc)  # a manifest by the finding's word, not by its name
            hits = list(index.get(version, ()))
            if version.startswith("v"):
                hits += index.get(version[1:], ())
            lines = fc.lines
            for i in hits:
                number, _, text = lines[i]
                if _names_in(name, text):
                    return IN, f"line {number} of {fc.new_path} adds {what}"
                for j in range(i - 1, max(-1, i - 1 - _WINDOW), -1):
                    if lines[j][0] != lines[j + 1][0] - 1:
                        break  # the previous hunk
                    if _names_in(name, lines[j][2]):
                        return IN, f"line {number} of {fc.new_path} adds {what}"
        where = candidates[0].new_path if path else "any changed manifest or lockfile"
        return OUTSIDE, f"no added line of {where} names {what}"

    def _dockerfile_instructions(self) -> list[tuple[str, int, str, str]]:
        """(path, line, INSTRUCTION, arguments) of every added Dockerfile line."""
        if self._dockerfile_lines is None:
            self._dockerfile_lines = []
            for path, fc in self.files.items():
                if is_dockerfile(path):
                    for number, added, text in fc.lines:
                        m = _INSTRUCTION.match(text)
                        if added and m:
                            self._dockerfile_lines.append((path, number, m.group(1).upper(), _squash(m.group(2))))
        return self._dockerfile_lines

    def _image_whole(self) -> tuple[str, str] | None:
        """The place of every image finding when one answer holds for all: a changed base image
        line, or no Dockerfile changed; ``None`` when it depends on the finding's layer."""
        if self._image is None:
            lines = self._dockerfile_instructions()
            froms = [(p, n) for p, n, word, _ in lines if word == "FROM"]
            dockerfiles = [p for p in self.files if is_dockerfile(p)]
            if froms:
                self._image = (IN, f"the base image line changed ({froms[0][0]}:{froms[0][1]})")
            elif not dockerfiles:
                self._image = (OUTSIDE, "no Dockerfile is changed")
            else:
                self._image = ("", dockerfiles[0])
        return self._image if self._image[0] else None

    def _image_place(self, f: Finding) -> tuple[str, str]:
        whole = self._image_whole()
        if whole is not None:
            return whole
        assert self._image is not None
        created = _created_by(f)
        if created is None:
            return IN, f"{self._image[1]} is changed and the report does not say which instruction built the layer"
        for path, number, word, args in self._dockerfile_instructions():
            if args and args in created:
                return IN, f"its layer is built by {path}:{number}, which the change adds"
        return OUTSIDE, "the instruction that built its layer is not changed"


def _created_by(f: Finding) -> str | None:
    """The instruction that built the finding's image layer (``Location.layer``, Trivy's
    ``Layer.CreatedBy``: ``/bin/sh -c apk add curl``), squashed, when the report has it.

    NOTE: read from the finding, not its raw item: a report read with others keeps no raw
    items, and reading a 50k-finding image report again to place its findings cost 0.3 s and
    70 MB (bench/README.md, issue 20)."""
    text = f.location.layer
    if not text:
        return None
    return _squash(_NOP.sub("", text.strip()))
