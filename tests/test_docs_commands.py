"""Every command in README.md and the documentation site (docs/**/*.md) runs as written, and gives
what the docs show.

The conventions of the documentation (docs/README-conventions are these, nowhere else):

- A ```` ```sh ```` block is run line by line from a copy of the repository's ``fixtures/`` and
  ``policies/`` (backslash continuations joined). A command ending in ``# exit N`` must exit
  ``N``; any other must exit 0. ``export NAME=value`` lines set the environment of the lines
  after them.
- A block whose first line is ``# template: why`` shows a command to adapt (a server, an image,
  a scanner that is not here). It is not run; the reason must be given.
- A plain ```` ``` ```` block that starts with ``$ gatekeeper ...`` is a transcript: the command
  runs, and every line shown after it must appear in its output (stdout, then stderr), in
  order; a ``...`` line stands for lines left out.
- A plain block right after a ```` ```sh ```` block shows the output of that block's last
  command, with the same rule.
Dates and times are compared as dates and times, not as the day the docs were written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
"""README.md and every page of the documentation site (mkdocs.yml: docs_dir)."""
BIN = Path(sys.executable).parent
KEY = "docs-example-key-0123456789abcdef"
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
_EXIT = re.compile(r"#.*\bexit (\d)\s*$")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z?)?")


@dataclass
class Example:
    """One runnable block of the docs."""

    where: str
    commands: list[tuple[str, int | None]] = field(default_factory=list)
    """Each command with the exit code it must give (``None``: a transcript's, not checked)."""
    shown: list[str] = field(default_factory=list)
    """The output shown for the last command (empty: none shown)."""


def _commands(body: str) -> list[tuple[str, int]]:
    joined = re.sub(r"\\\n\s*", " ", body)
    out = []
    for line in joined.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        code = _EXIT.search(text)
        out.append((text, int(code.group(1)) if code else 0))
    return out


def examples() -> list[object]:
    found: list[object] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        blocks = list(_FENCE.finditer(text))
        for i, m in enumerate(blocks):
            lang, body = m.group(1), m.group(2)
            where = f"{doc.relative_to(ROOT).as_posix()}:{text[: m.start()].count(chr(10)) + 1}"
            if doc == ROOT / "README.md" and i == 0:
                continue  # the two set-up commands: .ci/run and ../shared/tools/fresh-clone-check run them
            if lang == "sh":
                first = body.lstrip().splitlines()[0] if body.strip() else ""
                if first.startswith("# template:"):
                    assert first.split(":", 1)[1].strip(), f"{where}: a template says why it is not run"
                    continue
                example = Example(where, _commands(body))
                after = blocks[i + 1] if i + 1 < len(blocks) else None
                if after and after.group(1) == "" and text[m.end() : after.start()].strip() == "":
                    example.shown = after.group(2).splitlines()
                found.append(pytest.param(example, id=where))
            elif lang == "" and body.startswith("$ "):
                lines = body.splitlines()
                command = lines[0][2:]
                code = _EXIT.search(command)
                found.append(pytest.param(Example(where, [(command, int(code.group(1)) if code else None)], lines[1:]), id=where))
    return found


def _normalise(line: str) -> str:
    return _TIME.sub("<time>", line.rstrip())


def _appears_in_order(shown: list[str], output: str) -> str | None:
    """``None`` when every shown line is in ``output`` in order, else the first one missing."""
    lines = [_normalise(x) for x in output.splitlines()]
    at = 0
    for want in shown:
        if want.strip() in ("", "..."):
            continue
        want = _normalise(want)
        while at < len(lines) and lines[at] != want:
            at += 1
        if at == len(lines):
            return want
        at += 1
    return None


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for folder in ("fixtures", "policies"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.mark.parametrize("example", examples())
def test_the_docs_commands_run_as_written(example: Example, workspace: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GATEKEEPER_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", GATEKEEPER_APPROVAL_KEY=KEY, NO_COLOR="1", COLUMNS="200")
    output = ""
    for command, code in example.commands:
        if command.startswith("export "):
            name, _, value = command[len("export ") :].partition("=")
            env[name] = shlex.split(value)[0] if value else ""
            continue
        assert command.startswith("gatekeeper "), f"{example.where}: not a gatekeeper command: mark the block as a template"
        done = subprocess.run(["bash", "-c", command], cwd=workspace, env=env, capture_output=True, text=True, timeout=120)
        output = done.stdout + done.stderr
        if code is not None:
            assert done.returncode == code, f"{example.where}: {command}\nexit {done.returncode}, the docs say {code}:\n{output[-3000:]}"
    if example.shown:
        missing = _appears_in_order(example.shown, output)
        assert missing is None, f"{example.where}: the docs show {missing!r}, the command printed:\n{output[-4000:]}"


def test_the_docs_have_runnable_examples() -> None:
    assert len(examples()) >= 10
