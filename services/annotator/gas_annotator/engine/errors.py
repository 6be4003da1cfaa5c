"""The one exception the engine raises for bad input."""

from __future__ import annotations

from pathlib import Path


class AnnotationError(Exception):
    """Bad input or missing reference; str(e) is one line a person can read."""

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(" ".join(str(message).split()))
        self.log_path = log_path
