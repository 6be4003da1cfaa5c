"""The standard genetic code (and the vertebrate mitochondrial one), one- and three-letter."""

from __future__ import annotations

import numpy as np

from . import translation

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


def _as_array(table: str) -> np.ndarray:
    """A table's amino acids (ASCII) by codon index 16 * a + 4 * b + c (bases in _BASES
    order), then 'X' for codons with another character."""
    return np.frombuffer((table + "X").encode(), np.uint8)


_ARRAY_OF = {id(CODE): _as_array(_TABLE1), id(MITO_CODE): _as_array(_TABLE2)}


def translate(seq: str, code: dict[str, str] = CODE, to_stop: bool = False) -> str:
    """Protein of seq (whole codons only; codons with N give 'X'); with to_stop, up to and
    including the first stop ('*')."""
    return translation.translate(seq, _ARRAY_OF[id(code)], to_stop)


def three(protein: str) -> str:
    """Three-letter form: 'RH' -> 'ArgHis'."""
    return "".join(THREE.get(a, "Xaa") for a in protein)


_COMP = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(seq: str) -> str:
    """Reverse complement."""
    return seq.translate(_COMP)[::-1]
