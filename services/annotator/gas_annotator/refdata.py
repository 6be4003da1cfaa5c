"""The reference bundle this service annotates with, and its readiness check."""

from __future__ import annotations

from pathlib import Path

from gas_common.bundles import bundle_folder
from gas_common.settings import Settings


def reference_path(settings: Settings) -> Path:
    """GAS_REFERENCE as a bundle folder: a path as given, or a name under GAS_REFERENCE_DIR."""
    value = settings.reference
    as_path = Path(value).expanduser()
    if as_path.is_dir() or "/" in value or value.startswith("."):
        return as_path.resolve()
    return (Path(settings.reference_dir).expanduser() / value).resolve()


def reference_choice(settings: Settings, requested: str | None = None) -> tuple[str, str | None]:
    """(default bundle folder, folder of installed bundles to pick from or None), for a job.

    A job that asks for an installed bundle by name (a re-run) gets that bundle as told.
    """
    if requested:
        return str(bundle_folder(settings, requested)), None
    auto = str(Path(settings.reference_dir).expanduser()) if settings.reference_auto else None
    return str(reference_path(settings)), auto


def check_reference(settings: Settings) -> None:
    """A readiness check: the bundle loads (memory-mapped and cached, so cheap after once)."""
    from gas_annotator.engine import load_reference

    load_reference(reference_path(settings))


check_reference.__name__ = "reference"
