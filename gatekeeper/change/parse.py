"""Unified diffs -> the files a change touched and its lines. Pure: text in, ``Diff`` out.

Reads what ``git diff`` writes (and plain ``diff -u``)::

    diff --git a/old name.py b/new name.py      <- paths with spaces are not quoted here
    similarity index 90%
    rename from old name.py
    rename to new name.py
    new file mode 100644 / deleted file mode 100644 / old mode / new mode / index ab..cd
    --- a/old name.py                           <- git ends a name holding a space with a tab
    +++ "b/caf\\303\\251.py"                     <- C-style quoted (core.quotePath): octal bytes
    @@ -1,3 +1,4 @@ def f():
     context / -deleted / +added
    \\ No newline at end of file
    Binary files a/x.png and b/x.png differ / GIT binary patch ...

Line numbers are the new file's (the change's side, where scanners of the head commit see
them). Lines may end in CRLF (a Windows checkout, or a file with CRLF lines): the CR is not
part of the line. Anything else is refused with the file and line: a diff the gate cannot
read must not silently judge nothing as changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gatekeeper.change.errors import ChangeError

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# NOTE: git's default prefixes, and diff.mnemonicPrefix's (c/ommit, i/ndex, w/orktree, o/bject).
_OLD_PREFIXES = ("a/", "c/", "i/", "o/", "1/")
_NEW_PREFIXES = ("b/", "w/", "i/", "c/", "o/", "2/")
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
# Extended header lines git writes between ``diff --git`` and the hunks (git-diff(1)).
_EXTENDED = (
    "old mode ", "new mode ", "deleted file mode ", "new file mode ", "copy from ", "copy to ",
    "rename from ", "rename to ", "rename old ", "rename new ", "similarity index ", "dissimilarity index ", "index ",
)


@dataclass(frozen=True)
class FileChange:
    """One file the diff touches."""

    old_path: str | None
    """Its path before the change; ``None`` when the change adds it."""
    new_path: str | None
    """Its path after the change; ``None`` when the change deletes it."""
    added: frozenset[int]
    """New-side numbers of the lines the change adds."""
    hunks: tuple[tuple[int, int], ...]
    """New-side line ranges of the hunks, context included (first, last), in order."""
    lines: tuple[tuple[int, bool, str], ...] = ()
    """The hunks' new-side lines: (number, added, text); read for dependency manifests and Dockerfiles."""
    binary: bool = False
    """A binary file: changed, but no lines to tell."""

    @property
    def status(self) -> str:
        if self.old_path is None:
            return "added"
        if self.new_path is None:
            return "deleted"
        return "renamed" if self.old_path != self.new_path else "modified"


@dataclass(frozen=True)
class Diff:
    """Every file a unified diff touches, in its order."""

    source: str
    """Where the diff was read from (a file, ``<stdin>``, ``git diff BASE HEAD``)."""
    files: tuple[FileChange, ...]


def unquote(text: str, where: str) -> str:
    """A git path as written: C-style quoted (``"a/caf\\303\\251"``) or bare."""
    if not text.startswith('"'):
        return text
    if len(text) < 2 or not text.endswith('"'):
        raise ChangeError(f"{where}: a quoted path without its closing quote")
    out = bytearray()
    body = text[1:-1]
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _C_ESCAPES:
            out.append(_C_ESCAPES[nxt])
            i += 2
        elif re.fullmatch(r"[0-3][0-7][0-7]", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            raise ChangeError(f"{where}: unknown escape {body[i:i + 2]!r} in a quoted path")
    return out.decode("utf-8", "replace")


def _strip(path: str | None, prefixes: tuple[str, ...], prefixed: bool) -> str | None:
    if path is None or path == "/dev/null":
        return None
    if prefixed and path.startswith(prefixes):
        return path[2:]
    return path


def _split_git_header(rest: str, where: str) -> tuple[str, str] | None:
    """``a/x b/y`` of a ``diff --git`` line; ``None`` when unquoted names with spaces make it
    ambiguous (the ``---``/``+++`` or ``rename`` lines then say)."""
    if rest.startswith('"'):
        end = _closing_quote(rest, where)
        old, tail = rest[: end + 1], rest[end + 2 :]
        return unquote(old, where), unquote(tail, where)
    if rest.endswith('"'):
        start = rest.rfind(' "')
        if start < 0:
            raise ChangeError(f"{where}: cannot read the paths of {rest!r}")
        return rest[:start], unquote(rest[start + 1 :], where)
    # The same name on both sides (no rename): "P Q" with P and Q equal but for the prefix.
    if len(rest) % 2 == 1:
        half = len(rest) // 2
        old, new = rest[:half], rest[half + 1 :]
        if rest[half] == " " and old[2:] == new[2:]:
            return old, new
    if rest.count(" ") == 1:
        old, new = rest.split(" ")
        return old, new
    return None


def _closing_quote(text: str, where: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise ChangeError(f"{where}: a quoted path without its closing quote")


def _marker_path(line: str, where: str) -> str:
    """The path of a ``---``/``+++`` line: quoted, or up to a tab (a date, or git's tab after a name with a space)."""
    text = line[4:]
    if text.startswith('"'):
        return unquote(text[: _closing_quote(text, where) + 1], where)
    return text.split("\t", 1)[0]


class _File:
    """A file being read."""

    def __init__(self, old: str | None, new: str | None, git: bool) -> None:
        self.old, self.new, self.git = old, new, git
        self.added: set[int] = set()
        self.hunks: list[tuple[int, int]] = []
        self.lines: list[tuple[int, bool, str]] = []
        self.binary = False
        self.created = self.deleted = False
        self.rename_from: str | None = None
        self.rename_to: str | None = None
        self.copy = False
        self.markers = False

    def done(self, where: str) -> FileChange:
        prefixed = True
        old, new = self.old, self.new
        if self.rename_from is not None or self.rename_to is not None:
            # NOTE: rename/copy lines carry the paths without a/ b/ prefix.
            old = self.rename_from if self.rename_from is not None else old
            new = self.rename_to if self.rename_to is not None else new
            prefixed = False
        if old is None and new is None:
            raise ChangeError(f"{where}: a file whose path cannot be told (name it in ---/+++ lines)")
        if prefixed:
            # Prefixes are stripped only as a pair (a/ and b/): ``--no-prefix`` names start bare.
            pair = (old is None or old == "/dev/null" or old.startswith(_OLD_PREFIXES)) and (
                new is None or new == "/dev/null" or new.startswith(_NEW_PREFIXES)
            )
            old, new = _strip(old, _OLD_PREFIXES, pair), _strip(new, _NEW_PREFIXES, pair)
        if self.created or self.copy:
            old = None  # NOTE: a copy's source stays in the tree, unchanged: the copy is a new file
        if self.deleted:
            new = None
        if old is None and new is None:
            raise ChangeError(f"{where}: a file both added and deleted (/dev/null on both sides)")
        return FileChange(old, new, frozenset(self.added), tuple(self.hunks), tuple(self.lines), self.binary)


def parse_diff(text: str, source: str) -> Diff:
    """Every file ``text`` (a unified diff) touches; a ``ChangeError`` naming the line when
    it is not one."""
    # NOTE: split on "\n" only: str.splitlines would also split inside a line at \x0c,
    # \x1c-\x1e, \x85, \u2028 and \u2029, which source files may hold.
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    files: list[FileChange] = []
    current: _File | None = None
    started = False
    i = 0
    n = len(rows)
    while i < n:
        line = rows[i].removesuffix("\r")
        where = f"{source}:{i + 1}"
        if line.startswith("diff --git "):
            if current is not None:
                files.append(current.done(where))
            pair = _split_git_header(line[len("diff --git ") :], where)
            current = _File(*(pair or (None, None)), git=True)
            started = True
            i += 1
            continue
        if line.startswith("--- ") and i + 1 < n and rows[i + 1].startswith("+++ "):
            old = _marker_path(line, where)
            new = _marker_path(rows[i + 1].removesuffix("\r"), f"{source}:{i + 2}")
            if current is None or current.markers or current.hunks:
                if current is not None:
                    files.append(current.done(where))
                current = _File(old, new, git=False)
            else:
                current.old, current.new = old, new
            current.markers = True
            started = True
            i += 2
            continue
        if current is not None and line.startswith("@@"):
            i = _hunk(rows, i, current, source)
            continue
        if current is not None and current.git and not current.markers and not current.hunks:
            if line.startswith("rename from ") or line.startswith("copy from "):
                current.rename_from = unquote(line.split(" ", 2)[2], where)
                current.copy = line.startswith("copy ")
            elif line.startswith("rename to ") or line.startswith("copy to "):
                current.rename_to = unquote(line.split(" ", 2)[2], where)
            elif line.startswith("new file mode "):
                current.created = True
            elif line.startswith("deleted file mode "):
                current.deleted = True
            elif line.startswith("Binary files ") and line.endswith(" differ"):
                current.binary = True
                if current.old is None and current.new is None:
                    raise ChangeError(f"{where}: a binary file whose path cannot be told from {line!r}")
            elif line == "GIT binary patch":
                current.binary = True
                i += 1
                while i < n and not rows[i].startswith("diff --git "):
                    i += 1  # base85 literal/delta blocks: nothing to place in them
                continue
            elif not line.startswith(_EXTENDED):
                raise ChangeError(f"{where}: not a line of a unified diff: {line[:80]!r}")
            i += 1
            continue
        if line == "-- " and started:
            break  # an e-mail signature (git format-patch ends with its version)
        if not started or (current is not None and not current.git and line.startswith(("diff ", "Only in "))):
            i += 1  # a preamble (a commit message, an e-mail's headers), or diff(1)'s command lines
            continue
        raise ChangeError(f"{where}: not a line of a unified diff: {line[:80]!r}")
    if current is not None:
        files.append(current.done(f"{source}:{n}"))
    if text.strip() and not started:
        raise ChangeError(f"{source}: not a unified diff (no 'diff --git' or '---'/'+++' file header)")
    return Diff(source, tuple(files))


def _hunk(rows: list[str], i: int, f: _File, source: str) -> int:
    """Read the hunk starting at ``rows[i]``; the index after it."""
    header = rows[i].removesuffix("\r")
    m = _HUNK.match(header)
    if m is None:
        raise ChangeError(f"{source}:{i + 1}: not a hunk header: {header[:80]!r}")
    start = i + 1
    old_left = int(m.group(2)) if m.group(2) is not None else 1
    new_line = int(m.group(3))
    new_left = int(m.group(4)) if m.group(4) is not None else 1
    first = new_line
    i += 1
    while old_left > 0 or new_left > 0:
        if i >= len(rows):
            raise ChangeError(f"{source}:{i}: the diff ends inside a hunk ({old_left} old and {new_left} new lines missing)")
        line = rows[i].removesuffix("\r")
        tag, body = line[:1], line[1:]
        if tag == "+" and new_left > 0:
            f.added.add(new_line)
            f.lines.append((new_line, True, body))
            new_line += 1
            new_left -= 1
        elif tag == "-" and old_left > 0:
            old_left -= 1
        elif (tag == " " or line == "") and old_left > 0 and new_left > 0:
            # NOTE: an empty line is a context line whose space an editor or mailer trimmed.
            f.lines.append((new_line, False, body))
            new_line += 1
            old_left -= 1
            new_left -= 1
        elif tag == "\\":
            pass  # "\ No newline at end of file": about the line before
        else:
            raise ChangeError(
                f"{source}:{i + 1}: the hunk of line {start} is cut short or malformed: "
                f"{old_left} old and {new_left} new lines still expected, found {line[:80]!r}"
            )
        i += 1
    while i < len(rows) and rows[i].startswith("\\"):
        i += 1
    if new_line > first:
        f.hunks.append((first, new_line - 1))
    return i
