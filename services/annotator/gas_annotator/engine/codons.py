"""The standard genetic code (and the vertebrate mitochondrial one), one- and three-letter."""

from __future__ import annotations

_BASES = "TCAG"
# Amino acids of the 64 codons in TCAG order (NCBI translation table 1); '*' is a stop.
_TABLE1 = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
# Table 2 (vertebrate mitochondrial): AGA/AGG stop, ATA Met, TGA Trp.
_TABLE2 = "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSS**VVVVAAAADDEEGGGG"

THREE = {"A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu",
         "G": "Gly", "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe",
         "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter",
         "X": "Xaa", "U": "Sec"}


def _code(table: str) -> dict[str, str]:
    codons = [a + b + c for a in _BASES for b in _BASES for c in _BASES]
    return dict(zip(codons, table, strict=True))


CODE = _code(_TABLE1)
MITO_CODE = _code(_TABLE2)


def translate(seq: str, code: dict[str, str] = CODE, to_stop: bool = False) -> str:
    """Protein of seq (whole codons only; codons with N give 'X')."""
    get = code.get
    if not to_stop:
        return "".join([get(seq[i:i + 3], "X") for i in range(0, len(seq) - 2, 3)])
    out = []
    for a in range(0, len(seq) - 2, 150):  # 50 codons at a time: most frames stop early
        part = "".join([get(seq[i:i + 3], "X") for i in range(a, min(a + 150, len(seq) - 2), 3)])
        if "*" in part:
            out.append(part[:part.index("*") + 1])
            break
        out.append(part)
    return "".join(out)


def three(protein: str) -> str:
    """Three-letter form: 'RH' -> 'ArgHis'."""
    return "".join(THREE.get(a, "Xaa") for a in protein)


_COMP = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(seq: str) -> str:
    """Reverse complement."""
    return seq.translate(_COMP)[::-1]
