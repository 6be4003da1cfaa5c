"""The annotation engine: stream a VCF and annotate it against a reference bundle."""

from ..reference.bundle import Reference
from .annotate import AnnotationResult, annotate_file, default_base_name
from .choose import Auto
from .errors import AnnotationError
from .limits import Limits
from .loader import load_reference

__all__ = ["AnnotationError", "AnnotationResult", "Auto", "Limits", "Reference", "annotate_file",
           "default_base_name", "load_reference"]
