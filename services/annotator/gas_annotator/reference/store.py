"""Where bundles live: GAS_REFERENCE_DIR (default ~/.local/share/gas/reference)."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
    base = base or reference_dir()
    out = []
    if base.is_dir():
        for d in sorted(base.iterdir()):
            mf = d / "manifest.json"
            if d.name.startswith(".") or not mf.is_file():
                continue
            try:
                m = json.loads(mf.read_text())
            except ValueError:
                m = {"name": d.name, "error": "unreadable manifest"}
            m["path"] = str(d)
            out.append(m)
    return out
