"""Reporters: one module per output format; each turns a ``Verdict`` into text. Pure.

``OUTPUTS`` is the one list of outputs: for every ``OutputFormat``, its reporter class (a
``"module:Class"`` path) and, for a report written to a file, its ``--NAME FILE`` option's
help text. The CLI makes one option per ``FILE_OUTPUTS`` entry, in this order, and builds
every reporter with ``reporter_for``; the tests loop over it so that no format is forgotten.

A reporter's module is imported on first use (``reporter_for``, ``FORMATTERS[fmt]`` and the
class names exported here alike), so importing one reporter (the console) does not load them
all: a small gate starts fast (bench/README.md).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from gatekeeper.reporters.interface import Reporter, StreamReporter, TextReporter

__all__ = [
    "FILE_OUTPUTS",
    "FORMATTERS",
    "OUTPUTS",
    "AnnotationsFormat",
    "ConsoleFormat",
    "HtmlFormat",
    "JsonFormat",
    "JunitFormat",
    "MarkdownFormat",
    "OutputFormat",
    "OutputSpec",
    "Reporter",
    "SarifFormat",
    "StreamReporter",
    "TextReporter",
    "reporter_for",
]


class OutputFormat(str, enum.Enum):
    """Every output gatekeeper can write."""

    CONSOLE = "console"
    SARIF = "sarif"
    JSON = "json"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    ANNOTATIONS = "annotations"
    HTML = "html"

    def __str__(self) -> str:
        return self.value


class OutputSpec(NamedTuple):  # NOTE: not a dataclass: 0.5 ms less of every start-up
    """One output gatekeeper can write, and how the CLI offers it."""

    format: OutputFormat
    """The output's name (``--NAME`` of a file output, a key of ``$GITHUB_OUTPUT`` paths)."""
    reporter: str
    """The reporter class, as ``"module:Class"`` (imported on first use)."""
    help: str | None = None
    """The help text of the ``--NAME FILE`` option writing it, or ``None``: not a file output
    (the console summary and the annotations go to the terminal)."""

    @property
    def name(self) -> str:
        return self.format.value

    @property
    def is_file(self) -> bool:
        """Written to a file given by a ``--NAME FILE`` option."""
        return self.help is not None

    def reporter_class(self) -> type[Reporter]:
        """The reporter class, its module imported now."""
        return _load(self.reporter)  # type: ignore[no-any-return]


OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec(OutputFormat.CONSOLE, "gatekeeper.reporters.console:ConsoleFormat"),
    OutputSpec(
        OutputFormat.SARIF,
        "gatekeeper.reporters.sarif:SarifFormat",
        "Write SARIF 2.1.0 with every finding and its verdict.",
    ),
    OutputSpec(
        OutputFormat.JSON,
        "gatekeeper.reporters.json_format:JsonFormat",
        "Write every finding and the verdict as JSON (docs/json-output.md).",
    ),
    OutputSpec(
        OutputFormat.MARKDOWN,
        "gatekeeper.reporters.markdown:MarkdownFormat",
        "Write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY, a PR comment).",
    ),
    OutputSpec(
        OutputFormat.JUNIT,
        "gatekeeper.reporters.junit:JunitFormat",
        "Write JUnit XML for Jenkins and GitLab test views.",
    ),
    OutputSpec(OutputFormat.ANNOTATIONS, "gatekeeper.reporters.annotations:AnnotationsFormat"),
    OutputSpec(
        OutputFormat.HTML,
        "gatekeeper.reporters.html:HtmlFormat",
        "Write a self-contained HTML report.",
    ),
)
"""Every output, one per ``OutputFormat``, in the enum's order."""

FILE_OUTPUTS: tuple[OutputSpec, ...] = tuple(spec for spec in OUTPUTS if spec.is_file)
"""The outputs written to a file by a ``--NAME FILE`` option, in the order of the options."""

_BY_FORMAT: dict[OutputFormat, OutputSpec] = {spec.format: spec for spec in OUTPUTS}


def reporter_for(fmt: OutputFormat | str, root: str | None = None) -> Reporter:
    """A reporter of ``fmt`` with its default settings; ``root`` is the checkout root that
    paths are made relative to (``$GITHUB_WORKSPACE``; reporters without paths ignore it)."""
    return _BY_FORMAT[OutputFormat(fmt)].reporter_class()(root=root)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)


class _Registry(Mapping[OutputFormat, "type[Reporter]"]):
    """Every format's reporter class, its module imported on first use."""

    def __getitem__(self, key: OutputFormat) -> type[Reporter]:
        return _BY_FORMAT[key].reporter_class()

    def __iter__(self) -> Iterator[OutputFormat]:
        return iter(_BY_FORMAT)

    def __len__(self) -> int:
        return len(_BY_FORMAT)


FORMATTERS: Mapping[OutputFormat, type[Reporter]] = _Registry()
"""``OUTPUTS`` as a mapping from format to reporter class (for ``click.Choice`` and tests)."""


def __getattr__(name: str) -> Any:
    """``from gatekeeper.reporters import SarifFormat`` imports that reporter only."""
    for spec in OUTPUTS:
        if spec.reporter.endswith(f":{name}"):
            return _load(spec.reporter)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
