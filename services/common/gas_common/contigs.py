"""Contig naming shared by the annotator and the web: 1/chr1, MT/M/chrM."""

from __future__ import annotations


def canonical_contig(name: str) -> str:
    """The name a bundle stores a contig under: no 'chr' prefix, mitochondrion as 'MT'."""
    n = name[3:] if name[:3].lower() == "chr" else name
    if n in ("M", "MT", "m", "mt", "Mt"):
        return "MT"
    return n
