"""Sources: where reports come from (files, standard input; later the SonarQube API and
scanners run in containers). Only this package does input I/O."""

from gatekeeper.sources.files import SourceError, expand_paths, load_report, read_document

__all__ = ["SourceError", "expand_paths", "load_report", "read_document"]
