"""Reference bundles: building, installing, storing and loading annotation data."""

from .bundle import BundleError, KnownVariant, Reference, write_bundle
from .model import Transcript

__all__ = ["BundleError", "KnownVariant", "Reference", "Transcript", "write_bundle"]
