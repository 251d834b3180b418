"""Reporters: one module per output format; each turns a ``Verdict`` into text. Pure.

``FORMATTERS`` maps every ``OutputFormat`` to its formatter class; the CLI and the tests
loop over it so that no format is forgotten. Formatter modules import only the model at
load time (``sarif_om``, ``xml``, ``html`` are imported when a report is made), so this
registry costs nothing at startup.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol

from gatekeeper.reporters.annotations import AnnotationsFormat
from gatekeeper.reporters.console import ConsoleFormat
from gatekeeper.reporters.html import HtmlFormat
from gatekeeper.reporters.json_format import JsonFormat
from gatekeeper.reporters.junit import JunitFormat
from gatekeeper.reporters.markdown import MarkdownFormat
from gatekeeper.reporters.sarif import SarifFormat
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


FORMATTERS: Mapping[OutputFormat, type[Formatter]] = {
    OutputFormat.CONSOLE: ConsoleFormat,
    OutputFormat.SARIF: SarifFormat,
    OutputFormat.JSON: JsonFormat,
    OutputFormat.MARKDOWN: MarkdownFormat,
    OutputFormat.JUNIT: JunitFormat,
    OutputFormat.ANNOTATIONS: AnnotationsFormat,
    OutputFormat.HTML: HtmlFormat,
}
