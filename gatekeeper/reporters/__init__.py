"""Reporters: one module per output format; each turns a ``Verdict`` into text. Pure.

``FORMATTERS`` maps every ``OutputFormat`` to its formatter class; the CLI and the tests
loop over it so that no format is forgotten. It holds ``"module:Class"`` paths and imports
a formatter's module on first use (as do the class names exported here), so importing one
reporter (the console) does not load them all: a small gate starts fast (bench/README.md).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from gatekeeper.verdict import Verdict

__all__ = [
    "FORMATTERS",
    "AnnotationsFormat",
    "ConsoleFormat",
    "Formatter",
    "HtmlFormat",
    "JsonFormat",
    "JunitFormat",
    "MarkdownFormat",
    "OutputFormat",
    "SarifFormat",
]


class Formatter(Protocol):
    """What every reporter is: a pure function from a verdict to text."""

    def format(self, verdict: Verdict) -> str: ...


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


_PATHS: dict[OutputFormat, str] = {
    OutputFormat.CONSOLE: "gatekeeper.reporters.console:ConsoleFormat",
    OutputFormat.SARIF: "gatekeeper.reporters.sarif:SarifFormat",
    OutputFormat.JSON: "gatekeeper.reporters.json_format:JsonFormat",
    OutputFormat.MARKDOWN: "gatekeeper.reporters.markdown:MarkdownFormat",
    OutputFormat.JUNIT: "gatekeeper.reporters.junit:JunitFormat",
    OutputFormat.ANNOTATIONS: "gatekeeper.reporters.annotations:AnnotationsFormat",
    OutputFormat.HTML: "gatekeeper.reporters.html:HtmlFormat",
}


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)


class _Registry(Mapping[OutputFormat, "type[Formatter]"]):
    """Every format's formatter class, its module imported on first use."""

    def __getitem__(self, key: OutputFormat) -> type[Formatter]:
        return _load(_PATHS[key])  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[OutputFormat]:
        return iter(_PATHS)

    def __len__(self) -> int:
        return len(_PATHS)


FORMATTERS: Mapping[OutputFormat, type[Formatter]] = _Registry()


def __getattr__(name: str) -> Any:
    """``from gatekeeper.reporters import SarifFormat`` imports that formatter only."""
    for path in _PATHS.values():
        if path.endswith(f":{name}"):
            return _load(path)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
