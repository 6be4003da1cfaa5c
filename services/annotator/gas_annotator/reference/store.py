"""Where bundles live: GAS_REFERENCE_DIR (default ~/.local/share/gas/reference)."""

from __future__ import annotations

import os
from pathlib import Path

from gas_common import bundles

DEFAULT_REFERENCE = "grch38"


def reference_dir() -> Path:
    """The folder holding one sub-folder per installed bundle."""
    env = os.environ.get("GAS_REFERENCE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local/share/gas/reference"


def default_reference() -> str:
    """GAS_REFERENCE, default 'grch38'."""
    return os.environ.get("GAS_REFERENCE") or DEFAULT_REFERENCE


def list_bundles(base: Path | None = None) -> list[dict]:
    """Manifests of the installed bundles (path added)."""
    return bundles.list_bundles(base or reference_dir())
