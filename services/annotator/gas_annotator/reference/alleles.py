"""One allele of a VCF record in the form sources are stored and looked up in.

Both sides (source records at build time, input records when annotating) go through
`normalise`, so matching is exact per allele: shared trailing bases are removed, then
shared leading bases except the one padding base VCF keeps for indels (the position moves
with them). Shifting an indel to its leftmost place in a repeat needs the genome sequence,
which bundles without FASTA do not have; records already left-aligned (as dbSNP, ClinVar and
gnomAD ship them, and as `bcftools norm -f` writes) match as they are.

An allele pair is stored as a 16-bit code when REF and ALT are plain bases and together at
most 6 long (every SNV and short indel): 2 bits a base, after an offset for each (total
length, REF length). Anything longer is LONG and kept as text beside the columns.
"""

from __future__ import annotations

from functools import lru_cache

LONG = 0xFFFF
MAX_INLINE = 6
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
