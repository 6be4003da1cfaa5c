"""Reference bundles: building, installing, storing and loading annotation data."""

from .bundle import BundleError, Reference, write_bundle
from .model import Transcript

__all__ = ["BundleError", "Reference", "Transcript", "write_bundle"]
