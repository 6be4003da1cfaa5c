"""The reference bundles installed in a folder, as their manifests describe them.

The annotator loads them; the web service only reads the manifests, to offer a re-run
with another installed reference.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (pydantic costs ~0.2 s at start-up; the annotator CLI needs none)
    from gas_common.settings import Settings

# A bundle is named by its folder: a plain name, never a path.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def list_bundles(base: Path) -> list[dict[str, Any]]:
    """Manifests of the bundles installed under `base` (path added), by folder name."""
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


def valid_name(name: str) -> bool:
    """Whether `name` can name an installed bundle (no path, no dot first)."""
    return bool(NAME.fullmatch(name))


def bundle_folder(settings: Settings, name: str) -> Path:
    """The folder of the installed bundle `name`; ValueError for a name that is a path."""
    if not valid_name(name):
        raise ValueError(f"{name[:40]!r} is not a reference name")
    return Path(settings.reference_dir).expanduser().resolve() / name


def installed(settings: Settings) -> dict[str, str]:
    """Installed bundles a job may ask for: folder name -> build ('' when unknown)."""
    base = Path(settings.reference_dir).expanduser()
    return {Path(m["path"]).name: str(m.get("build") or "") for m in list_bundles(base)
            if "error" not in m and valid_name(Path(m["path"]).name)}
