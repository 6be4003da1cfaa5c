"""Variant class (VC) of an allele, transitions/transversions, and the span it touches."""

from __future__ import annotations

import numpy as np

BASES = frozenset("ACGTNacgtn")
_TRANSITIONS = {"AG", "GA", "CT", "TC"}
# REF+ALT (any case) -> True for a transition, False for a transversion.
TITV = {a + b: (a.upper() + b.upper()) in _TRANSITIONS
        for a in "ACGTacgt" for b in "ACGTacgt" if a.upper() != b.upper()}


def code_points(text: str) -> np.ndarray:
    """The code point of each character (a batch's REF or ALT letters, joined)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)


def unannotatable(alt: str) -> str | None:
    """Why an ALT allele gets no ANN entry, or None when it can be annotated."""
    if alt == "*":
        return "spanning deletion allele (*)"
    if alt in (".", ""):
        return "no ALT allele"
    if alt[0] == "<" or "[" in alt or "]" in alt or alt[0] == "." or alt[-1] == ".":
        return "symbolic or breakend allele"
    return None


def allele_class(ref: str, alt: str) -> str:
    """SNV, MNV, insertion, deletion, complex or symbolic."""
    # the usual VCF indel: one padding base, then what is inserted or deleted
    if len(ref) == 1 and alt[:1] == ref and len(alt) > 1 and alt.isalpha() and ref.isalpha():
        return "insertion"
    if len(alt) == 1 and ref[:1] == alt and len(ref) > 1 and ref.isalpha() and alt.isalpha():
        return "deletion"
    if unannotatable(alt):
        return "symbolic"
    r, a = ref.upper(), alt.upper()
    k = 0
    while k < len(r) and k < len(a) and r[k] == a[k]:
        k += 1
    r, a = r[k:], a[k:]
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    if not r and not a:
        return "MNV" if len(ref) > 1 else "SNV"  # ALT equal to REF: not a change; keep shape
    if not r:
        return "insertion"
    if not a:
        return "deletion"
    if len(r) == len(a):
        return "SNV" if len(r) == 1 else "MNV"
    return "complex"


def allele_span(pos: int, ref: str, alt: str) -> tuple[int, int]:
    """Reference bases an allele changes (an insertion touches both flanking bases)."""
    r, a = ref.upper(), alt.upper()
    k = 0
    while k < len(r) and k < len(a) and r[k] == a[k]:
        k += 1
    if k == len(r):  # pure insertion after base pos+k-1
        return pos + k - 1, pos + k
    return pos + k, pos + len(r) - 1


def first_changed(pos: int, ref: str, alt: str) -> int:
    """Position of the first base an allele changes (after any shared padding bases)."""
    k = 0
    n = min(len(ref), len(alt)) - (len(ref) == len(alt))  # an SNV/MNV changes its last base
    while k < n and ref[k].upper() == alt[k].upper():
        k += 1
    return pos + k
