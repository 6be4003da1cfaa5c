"""Variant classes (VC) and the first changed base, with hand-computed answers."""

import random

import pytest
from gas_annotator.engine.variant_class import allele_class, first_changed


@pytest.mark.parametrize(("ref", "alt", "expected"), [
    ("A", "G", "SNV"),
    ("a", "g", "SNV"),
    ("A", "AT", "insertion"),       # the usual padded insertion
    ("a", "aTT", "insertion"),
    ("A", "aT", "insertion"),       # padding base in another case: still the same base
    ("AT", "A", "deletion"),        # the usual padded deletion
    ("ATTG", "a", "deletion"),
    ("T", "AT", "insertion"),       # inserted before the base: trimmed from the end
    ("CAT", "CGT", "SNV"),          # shared bases on both sides
    ("CA", "TG", "MNV"),
    ("CA", "TGG", "complex"),
    ("A", "A", "SNV"),              # ALT equal to REF: keeps its shape
    ("A", "A.", "symbolic"),        # a breakend, though it starts with the REF base
    ("A", "A[2:10[", "symbolic"),
    ("AT", ".", "symbolic"),
    ("A", "<DEL>", "symbolic"),
    ("A", "*", "symbolic"),
    ("A", "AN", "insertion"),
])
def test_allele_class(ref: str, alt: str, expected: str) -> None:
    assert allele_class(ref, alt) == expected


def _by_trimming(ref: str, alt: str) -> str:
    """The class by its definition: trim shared bases at both ends, then look."""
    r, a = ref.upper(), alt.upper()
    while r and a and r[0] == a[0]:
        r, a = r[1:], a[1:]
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    if not r and not a:
        return "MNV" if len(ref) > 1 else "SNV"
    if not r:
        return "insertion"
    if not a:
        return "deletion"
    return ("SNV" if len(r) == 1 else "MNV") if len(r) == len(a) else "complex"


def test_padded_indels_agree_with_trimming() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        pad = rng.choice("ACGTacgt")
        body = "".join(rng.choice("ACGTacgt") for _ in range(rng.randint(1, 6)))
        ref, alt = (pad, pad + body) if rng.random() < 0.5 else (pad + body, pad)
        assert allele_class(ref, alt) == _by_trimming(ref, alt), (ref, alt)


@pytest.mark.parametrize(("pos", "ref", "alt", "expected"), [
    (100, "A", "G", 100),
    (100, "A", "AT", 101),    # after the padding base
    (100, "AT", "A", 101),
    (100, "CAT", "CGT", 101),
    (100, "CA", "TG", 100),
])
def test_first_changed(pos: int, ref: str, alt: str, expected: int) -> None:
    assert first_changed(pos, ref, alt) == expected
