"""SNVs in the CDS or the 5' UTR of coding transcripts, a batch at once.

consequence._coding and _substitution give one (SNV, transcript) pair its protein effect
in Python, _utr5 its premature start codon test. Here the pairs whose codon lies whole in
the CDS of a transcript read with the standard genetic code (fast_path.place keeps them
away from exon edges: no splice terms) get the same codon, amino acids, term and HGVS.p,
and 5' UTR pairs the same ATG test, from numpy lookups in each transcript's cDNA, packed
once per batch in one buffer. What this does not handle stays with consequence.py:
stop_lost (the protein reads on into the 3' UTR), partial codons, N in the codon, the
mitochondrial code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import columns
from .codons import CODE, THREE
from .consequence import TxModel
from .transcript_ann import TranscriptAnnotator

# what a pair can get here, in this order (fast_path has one pair kind per term)
TERMS = ("missense_variant", "synonymous_variant", "stop_gained", "start_lost",
         "stop_retained_variant")
MISSENSE, SYNONYMOUS, STOP_GAINED, START_LOST, STOP_RETAINED = range(len(TERMS))
NOT_HERE = -1

_BASE = np.full(256, 4, np.uint8)  # the genome's bases (uppercase) ACGT -> 0-3, else 4
for _i, _b in enumerate("ACGT"):
    _BASE[ord(_b)] = _i
_AA = "ACDEFGHIKLMNPQRSTVWY*"
_STOP, _MET = _AA.index("*"), _AA.index("M")
# amino acid (index in _AA) of each codon by base codes: 16 * first + 4 * second + third
_AA_OF = np.array([_AA.index(CODE[a + b + c]) for a in "ACGT" for b in "ACGT" for c in "ACGT"],
                  np.int64)
# HGVS.p: the residue before; the end: the new residue, '=' (same residue), '?' (start
# lost); each with nothing last, for the entries without HGVS.p
_THREE = columns.Table([THREE[a] for a in _AA] + [""])
_ENDS = columns.Table([THREE[a] for a in _AA] + ["=", "?", ""])
_SAME, _UNKNOWN, _NO_END = len(_AA), len(_AA) + 1, len(_AA) + 2
# by whether the entry has HGVS.p: what opens the field, what goes between two numbers
# ('12/900'), what closes a field
_OPEN_P = columns.Table(["||", "|p."])
_OPEN_CDS = columns.Table(["|||", "|"])
_SLASH = columns.Table(["", "/"])
_BAR = columns.Table(["", "|"])


@dataclass
class Effects:
    """What a batch's CDS pairs get: term (NOT_HERE: consequence.py), and for the others
    the codon (0-based), the amino acids before and after, CDS and protein lengths."""

    term: np.ndarray
    codon: np.ndarray
    ref_aa: np.ndarray
    alt_aa: np.ndarray
    cds_len: np.ndarray
    aa_len: np.ndarray


class CodingSnvs:
    """Protein effects of SNVs inside coding sequences (one per annotator)."""

    def __init__(self, tx: TranscriptAnnotator) -> None:
        self.tx = tx

    def _packed(self, contig: str, rows: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[TxModel], np.ndarray]:
        """The cDNAs (base codes) of the rows' transcripts one after the other, then a 4
        (from the TranscriptAnnotator's cached models: no copy kept here); per row: where
        its cDNA starts and its length; the models, and each row's one among them."""
        uniq, u = np.unique(rows, return_inverse=True)
        models = [self.tx.model(row, contig) for row in uniq.tolist()]
        seqs = [m.seq() for m in models]
        lens = np.fromiter(map(len, seqs), np.int64, len(seqs))
        buf = _BASE[np.frombuffer(("".join(seqs) + "N").encode(), np.uint8)]
        return buf, (np.cumsum(lens) - lens)[u], lens[u], models, u

    def effects(self, contig: str, rows: np.ndarray, c: np.ndarray, c1: np.ndarray,
                c2: np.ndarray, plus: np.ndarray, ref: np.ndarray, alt: np.ndarray
                ) -> Effects:
        """Pairs (transcript row, SNV at cDNA base c) with c in the CDS (c1..c2); ref/alt:
        base codes (0-3: ACGT) on the + strand."""
        buf, start, length, models, u = self._packed(contig, rows)
        # the table here is the standard code; another (mitochondrial): consequence.py
        standard = np.array([m.code is CODE for m in models], bool)[u]
        aa_len = np.array([m.aa_length() for m in models], np.int64)[u]
        x = c - c1 + 1  # CDS base (TxModel.cds(): cDNA c1..c2)
        codon = (x - 1) // 3
        whole = 3 * codon + 3 <= np.minimum(c2, length) - c1 + 1
        first = np.where(whole, start + c1 - 1 + 3 * codon, len(buf) - 1)  # else the 4
        b = [buf[first + j * whole].astype(np.int64) for j in range(3)]
        ref_t, alt_t = _as_read(plus, ref), _as_read(plus, alt)
        at = (x - 1) % 3
        here = standard & whole & (b[0] < 4) & (b[1] < 4) & (b[2] < 4)
        here &= np.choose(at, b) == ref_t
        ref_i = np.where(here, 16 * b[0] + 4 * b[1] + b[2], 0)
        alt_i = ref_i + (alt_t - ref_t) * np.array([16, 4, 1])[at]
        ref_aa, alt_aa = _AA_OF[ref_i], _AA_OF[np.where(here, alt_i, 0)]
        # the order of consequence._substitution's tests
        term = np.where(ref_aa == alt_aa, np.where(ref_aa == _STOP, STOP_RETAINED, SYNONYMOUS),
                        np.where(alt_aa == _STOP, STOP_GAINED, MISSENSE))
        term[(ref_aa == _STOP) & (alt_aa != _STOP)] = NOT_HERE  # stop_lost: an extension
        start_codon = (codon == 0) & (ref_aa == _MET)
        term[start_codon] = np.where(alt_aa == _MET, NOT_HERE, START_LOST)[start_codon]
        term[~here] = NOT_HERE
        return Effects(term, codon, ref_aa, alt_aa, c2 - c1 + 1, aa_len)

    def utr5_gain(self, contig: str, rows: np.ndarray, c: np.ndarray, c1: np.ndarray,
                  plus: np.ndarray, ref: np.ndarray, alt: np.ndarray) -> np.ndarray:
        """Pairs (transcript row, SNV at cDNA base c) with c in the 5' UTR (before c1): 1
        where the SNV makes a new ATG (5_prime_UTR_premature_start_codon_gain_variant), 0
        where not, -1 where the cDNA does not have the REF base (consequence.py)."""
        buf, start, _, _, _ = self._packed(contig, rows)
        ref_t, alt_t = _as_read(plus, ref), _as_read(plus, alt)
        # consequence._utr5: ATGs in the UTR bases from 2 before to 2 after, before and after
        window = []
        for d in range(-2, 3):
            i = c - 1 + d  # 0-based in the cDNA
            inside = (i >= 0) & (i < c1 - 1)
            window.append(np.where(inside, buf[np.where(inside, start + i, len(buf) - 1)], 4))
        same = window[2] == ref_t
        before = _atgs(window)
        window[2] = alt_t
        return np.where(same, _atgs(window) > before, -1)


def _as_read(plus: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Base codes (0-3: ACGT) as the transcript reads them: complements on the - strand."""
    base = base.astype(np.int64)
    return np.where(plus, base, 3 - base)


def _atgs(window: list[np.ndarray]) -> np.ndarray:
    """How many ATGs the bases of each column of window hold (A, C, G, T: 0-3)."""
    return sum((window[k] == 0) & (window[k + 1] == 3) & (window[k + 2] == 2)
               for k in range(len(window) - 2))


def fields(e: Effects, x: np.ndarray, at: np.ndarray
           ) -> tuple[list[columns.Piece], list[columns.Piece]]:
    """The HGVS.p field and the CDS and AA fields of entries, with the '|' around them
    ('|p.Arg4Trp|' and '|12/900|4/299|'): of effect at[i] (CDS base x[i]) where at[i] >= 0,
    else empty ('||' and '|||')."""
    has = at >= 0
    none = ~has
    sel = np.where(has, at, 0)
    term, codon, ref_aa, alt_aa = e.term[sel], e.codon[sel], e.ref_aa[sel], e.alt_aa[sel]
    end = np.where(ref_aa == alt_aa, _SAME, np.where(term == START_LOST, _UNKNOWN, alt_aa))
    aa_pos = columns.text(codon + 1, none)
    bar, slash = columns.pick(_BAR, has), columns.pick(_SLASH, has)
    hgvs_p: list[columns.Piece] = [
        columns.pick(_OPEN_P, has), columns.pick(_THREE, np.where(has, ref_aa, len(_AA))),
        aa_pos, columns.pick(_ENDS, np.where(has, end, _NO_END)), bar]
    cds_aa: list[columns.Piece] = [
        columns.pick(_OPEN_CDS, has), columns.text(x, none), slash,
        columns.text(e.cds_len[sel], none), bar, aa_pos, slash,
        columns.text(e.aa_len[sel], none), bar]
    return hgvs_p, cds_aa
