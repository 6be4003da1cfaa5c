"""load_reference: find a bundle by name or path, load it once per process."""

from __future__ import annotations

import threading
from pathlib import Path

from ..reference.bundle import BundleError, Reference
from ..reference.store import default_reference, reference_dir
from .errors import AnnotationError

_cache: dict[Path, tuple[int, Reference]] = {}  # path -> (manifest mtime_ns, bundle)
_lock = threading.Lock()


def _resolve(name_or_path: str | Path | None) -> Path:
    value = str(name_or_path) if name_or_path is not None else default_reference()
    if isinstance(name_or_path, Path) or "/" in value or value.startswith((".", "~")):
        return Path(value).expanduser().resolve()
    named = reference_dir() / value
    # An installed bundle wins over a same-named folder in the working directory.
    if not (named / "manifest.json").is_file() and (Path(value) / "manifest.json").is_file():
        return Path(value).resolve()
    return named.resolve()


def load_reference(name_or_path: str | Path | None = None) -> Reference:
    """A bundle by name (under GAS_REFERENCE_DIR) or folder path; None means GAS_REFERENCE."""
    path = _resolve(name_or_path)
    manifest = path / "manifest.json"
    with _lock:
        try:
            stamp = manifest.stat().st_mtime_ns
        except OSError:
            stamp = -1
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]  # a reinstalled bundle has a new manifest and is loaded again
        if stamp < 0:
            name = path.name
            hint = name if name in ("grch38", "grch37") else "grch38"
            raise AnnotationError(
                f"reference '{name}' is not installed (looked in {path}); run "
                f"`gas reference install {hint}` or pass --reference with a bundle folder")
        try:
            ref = Reference(path)
        except BundleError as e:
            raise AnnotationError(str(e)) from None
        _cache[path] = (stamp, ref)
        return ref
