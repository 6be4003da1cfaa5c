"""One allele of a VCF record in the form sources are stored and looked up in.

Both sides (source records at build time, input records when annotating) go through
`normalise`, so matching is exact per allele: shared trailing bases are removed, then
shared leading bases except the one padding base VCF keeps for indels (the position moves
with them). With the genome sequence (a bundle built with FASTA), `left_align` also shifts
an indel to its leftmost place in a repeat, as `bcftools norm -f` and vt do; bundles
without FASTA cannot, and match records already left-aligned (as dbSNP, ClinVar and gnomAD
ship them) as they are.

An allele pair is stored as a 16-bit code when REF and ALT are plain bases and together at
most 6 long (every SNV and short indel): 2 bits a base, after an offset for each (total
length, REF length). Anything longer is LONG and kept as text beside the columns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

LONG = 0xFFFF
MAX_INLINE = 6
MAX_SHIFT = 1000  # an indel left-aligned further than this in a repeat stays where it is
_BASE = {"A": 0, "C": 1, "G": 2, "T": 3}
_LETTER = "ACGT"
# First code of each total length n (2..6); inside it, (REF length - 1) * 4**n + bases.
_OFFSET = {2: 0}
for _n in range(3, MAX_INLINE + 1):
    _OFFSET[_n] = _OFFSET[_n - 1] + (_n - 2) * 4 ** (_n - 1)


def normalise(pos: int, ref: str, alt: str) -> tuple[int, str, str] | None:
    """(POS, REF, ALT) trimmed as described above, upper case; None for symbolic alleles."""
    ref, alt = ref.upper(), alt.upper()
    if not alt or not ref or alt in (".", "*") or not alt.isalpha() or not ref.isalpha():
        return None
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def left_align(pos: int, ref: str, alt: str, fetch: Callable[[int, int], str]
               ) -> tuple[int, str, str] | None:
    """`normalise`, with an indel moved to its leftmost equivalent place (Tan et al. 2015).

    fetch(start, end) gives the genome's bases start..end (1-based, closed). An allele whose
    REF disagrees with the genome is only trimmed: the genome cannot say how it shifts. So is
    one that would move more than MAX_SHIFT bases (both sides give the same answer, and a
    source is written in bounded memory).
    """
    norm = normalise(pos, ref, alt)
    if norm is None:
        return None
    pos, ref, alt = norm
    if len(ref) == len(alt) or ref[-1] != alt[-1]:
        return norm  # a substitution, or an indel that cannot move left
    window, start = "", pos  # genome bases start..pos-1, fetched 64 at a time
    if fetch(pos, pos + len(ref) - 1).upper() != ref:
        return norm
    while True:
        while ref and alt and ref[-1] == alt[-1]:
            ref, alt = ref[:-1], alt[:-1]
        if ref and alt:
            break
        if pos == 1 or norm[0] - pos >= MAX_SHIFT:
            return norm  # the contig's first base, or too far
        if start == pos:
            start = max(1, pos - 64)
            window = fetch(start, pos - 1).upper() + window
        base = window[pos - start - 1]
        if base not in "ACGT":
            return norm  # no shifting through N runs
        ref, alt, pos = base + ref, base + alt, pos - 1
    return normalise(pos, ref, alt)


@lru_cache(maxsize=100_000)  # a pure function of few distinct short pairs
def code(ref: str, alt: str) -> int:
    """The 16-bit code of a normalised allele pair (LONG when it does not fit)."""
    n = len(ref) + len(alt)
    if n > MAX_INLINE or any(b not in _BASE for b in ref + alt):
        return LONG
    v = 0
    for b in ref + alt:
        v = v * 4 + _BASE[b]
    return _OFFSET[n] + (len(ref) - 1) * 4 ** n + v


def decode(c: int) -> tuple[str, str]:
    """(REF, ALT) of an inline code."""
    n = max(k for k, off in _OFFSET.items() if off <= c)
    split, v = divmod(c - _OFFSET[n], 4 ** n)
    bases = "".join(_LETTER[(v >> (2 * (n - 1 - i))) & 3] for i in range(n))
    return bases[:split + 1], bases[split + 1:]
