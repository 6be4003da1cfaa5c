"""Read known variants (rsIDs) from a dbSNP-style VCF."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

from .bundle import KnownVariant
from .gtf import AnnotationSourceError, open_text


def read_known_vcf(path: Path, progress: Callable[[int], None] | None = None
                   ) -> Iterator[KnownVariant]:
    """One KnownVariant per ALT allele of every record that has an ID."""
    with open_text(path) as f:
        try:
            for n, line in enumerate(f, 1):
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\r\n").split("\t", 5)
                if len(cols) < 5:
                    raise AnnotationSourceError(f"{path.name} line {n}: not a VCF record")
                if cols[2] in (".", ""):
                    continue
                try:
                    pos = int(cols[1])
                except ValueError:
                    raise AnnotationSourceError(
                        f"{path.name} line {n}: POS {cols[1]!r} is not an integer") from None
                if progress and n % 500_000 == 0:
                    progress(n)
                for alt in cols[4].split(","):
                    yield KnownVariant(cols[0], pos, cols[3], alt, cols[2])
        except (EOFError, gzip.BadGzipFile) as e:
            raise AnnotationSourceError(f"{path.name}: damaged gzip file ({e})") from e
