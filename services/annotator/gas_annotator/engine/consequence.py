"""One transcript's consequence for one allele: SO terms, HGVS.c/p, positions (SnpEff ANN).

Coordinates: genomic positions are 1-based closed. An allele is (s, e, ref, alt) after
trimming the bases REF and ALT share; an insertion between bases s-1 and s has e = s-1 and
ref ''. Conventions follow SnpEff 5.1, the oracle of bench/bench_consequences.py: an indel
is first moved to its 3'-most place in the transcript (HGVS), and an insertion then counts
as touching base s only (so one at an exon/intron junction on the + strand touches intron
base +1, one between intron bases -9/-8 touches -8). cDNA positions count exon bases from
the transcript's 5' end; `c1`/`c2` are the cDNA positions of the first and last coding
base (stop codon included).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..reference.genome import Genome
from ..reference.model import FLANK
from ..reference.transcripts import (
    INCOMPLETE,
    TX_CDS_HI,
    TX_CDS_LO,
    TX_END,
    TX_FLAGS,
    TX_PHASE,
    TX_START,
    TX_STRAND,
)
from .codons import CODE, MITO_CODE, revcomp, three, translate

SPLICE_INTRON_MIN = 13  # VEP: introns of 12 bases or fewer are frameshift introns, no splice terms


@dataclass(slots=True)
class Allele:
    """A trimmed allele: changed reference bases s..e (e = s-1 for an insertion)."""

    s: int
    e: int
    ref: str  # reference bases s..e (from the genome when it has them)
    alt: str

    @property
    def is_ins(self) -> bool:
        return self.e < self.s


def trim(pos: int, ref: str, alt: str) -> Allele:
    """Drop the bases REF and ALT share at the start (VCF padding), then at the end."""
    r, a = ref.upper(), alt.upper()
    k = 0
    while k < len(r) and k < len(a) and r[k] == a[k]:
        k += 1
    if k == len(r) == len(a):  # ALT equal to REF: keep it as written (no change)
        return Allele(pos, pos + len(r) - 1, r, a)
    r, a = r[k:], a[k:]
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    return Allele(pos + k, pos + k + len(r) - 1, r, a)


class TxModel:
    """A transcript ready for consequence calls (built lazily, cached by the caller)."""

    def __init__(self, row: list[int], exons: list[tuple[int, int]], text: str,
                 genome: Genome, contig: str) -> None:
        self.start, self.end = row[TX_START], row[TX_END]
        self.plus = row[TX_STRAND] > 0
        feature, _, tags = text.partition("\t")
        self.feature = feature
        self.tags = tags
        self.feature_id = feature.split("|")[3]
        self.genome, self.contig = genome, contig
        self.gexons = exons  # genomic order
        self.gstarts = [s for s, _ in exons]
        self.exons = exons if self.plus else exons[::-1]  # transcription order
        self.n = len(exons)
        self.cstart = []  # cDNA position of each exon's first base (transcription order)
        c = 1
        for s, e in self.exons:
            self.cstart.append(c)
            c += e - s + 1
        self.length = c - 1
        self.code = MITO_CODE if contig == "MT" else CODE
        self.coding = row[TX_CDS_LO] > 0
        self.warnings: list[str] = []
        if row[TX_FLAGS] & INCOMPLETE:
            self.warnings.append("WARNING_TRANSCRIPT_INCOMPLETE")
        self.frame = max(row[TX_PHASE], 0)
        self.c1 = self.c2 = 0
        if self.coding:
            first, last = ((row[TX_CDS_LO], row[TX_CDS_HI]) if self.plus
                           else (row[TX_CDS_HI], row[TX_CDS_LO]))
            self.c1, self.c2 = self.cdna(first), self.cdna(last)
            if not self.c1 or not self.c2:
                self.coding = False
            # An incomplete 5' end (phase 1 or 2): c.1 is the first base of the first whole
            # codon, as SnpEff numbers it; the bases before it count as 5' UTR.
            self.c1 += self.frame
            self.frame = 0
        self._seq: str | None = None
        self._protein: str | None = None
        if self.coding:
            self.seq()  # the CDS checks, so that every entry carries the same warnings
        self.notes = tuple(self.warnings)

    # -- sequence -------------------------------------------------------------------
    def seq(self) -> str:
        """The spliced transcript (cDNA) sequence, 5' to 3'."""
        if self._seq is None:
            parts = [self.genome.fetch(self.contig, s, e) for s, e in self.gexons]
            joined = "".join(parts)
            self._seq = joined if self.plus else revcomp(joined)
            self._check_cds()
        return self._seq

    def _check_cds(self) -> None:
        assert self._seq is not None
        if not self.coding:
            return
        cds = self._seq[self.c1 - 1 + self.frame:self.c2]
        if self.frame or len(cds) % 3:
            if "WARNING_TRANSCRIPT_INCOMPLETE" not in self.warnings:
                self.warnings.append("WARNING_TRANSCRIPT_INCOMPLETE")
        if self.frame == 0 and self.code.get(cds[:3]) != "M" and cds[:3] not in ("CTG", "TTG"):
            self.warnings.append("WARNING_TRANSCRIPT_NO_START_CODON")
        if self.code.get(cds[-3:]) != "*":
            self.warnings.append("WARNING_TRANSCRIPT_NO_STOP_CODON")

    def cds(self) -> str:
        """Coding sequence from the first whole codon to the stop codon."""
        return self.seq()[self.c1 - 1 + self.frame:self.c2]

    def protein(self) -> str:
        """Reference protein (with the final '*' when the CDS ends in a stop)."""
        if self._protein is None:
            self._protein = translate(self.cds(), self.code)
        return self._protein

    def aa_length(self) -> int:
        p = self.protein()
        return len(p) - 1 if p.endswith("*") else len(p)

    # -- coordinates ------------------------------------------------------------------
    def exon_index(self, g: int) -> int:
        """Transcription-order index of the exon holding g, or -1."""
        i = bisect.bisect_right(self.gstarts, g) - 1
        if i < 0 or g > self.gexons[i][1]:
            return -1
        return i if self.plus else self.n - 1 - i

    def cdna(self, g: int) -> int:
        """cDNA position of an exonic base (0 when g is not in an exon)."""
        k = self.exon_index(g)
        if k < 0:
            return 0
        s, e = self.exons[k]
        return self.cstart[k] + (g - s if self.plus else e - g)

    def locate(self, g: int) -> tuple[int, int]:
        """(cDNA position, offset) of any base: an intronic base is measured from the
        nearest exon base (+ after an exon's end, - before an exon's start, HGVS style);
        outside the transcript the cDNA position runs past 1 or the length."""
        c = self.cdna(g)
        if c:
            return c, 0
        if g < self.start or g > self.end:
            before = (g < self.start) == self.plus  # 5' of the transcript
            d = self.start - g if g < self.start else g - self.end
            return (1 - d, 0) if before else (self.length + d, 0)
        i = bisect.bisect_right(self.gstarts, g) - 1  # exon i ends before g, i+1 starts after
        (_, left_end), (right_start, _) = self.gexons[i], self.gexons[i + 1]
        d_left, d_right = g - left_end, right_start - g
        if self.plus:
            return (self.cdna(left_end), d_left) if d_left <= d_right else \
                (self.cdna(right_start), -d_right)
        # minus: the exon at right_start is the 5' one
        return (self.cdna(right_start), d_right) if d_right <= d_left else \
            (self.cdna(left_end), -d_left)

    def pos_text(self, g: int) -> str:
        """HGVS position of base g (c. numbering for coding transcripts, else n.)."""
        c, off = self.locate(g)
        if self.coding:
            if c < self.c1:
                base = f"-{self.c1 - c}"
            elif c > self.c2:
                base = f"*{c - self.c2}"
            else:
                base = str(c - self.c1 + 1)
        else:
            base = str(c) if c >= 1 else f"-{1 - c}"
            if c > self.length:
                base = f"*{c - self.length}"
        if off:
            base += f"+{off}" if off > 0 else str(off)
        return base


@dataclass(slots=True)
class Consequence:
    """The ANN fields one transcript gives one allele."""

    terms: set[str]
    rank: str = ""
    hgvs_c: str = ""
    hgvs_p: str = ""
    cdna: str = ""
    cds: str = ""
    aa: str = ""
    distance: str = ""
    notes: tuple[str, ...] = ()


def consequence(tx: TxModel, al: Allele) -> Consequence | None:
    """What al does to tx; None when al is more than FLANK bases away.

    As SnpEff does, an indel is first moved to its 3'-most place in the transcript, and an
    insertion between bases s-1 and s counts as touching base s only.
    """
    shifted = False
    if al.ref == "" or al.alt == "":
        al, shifted = shift3(tx, al)
    s, e = al.s, max(al.e, al.s)
    notes = (*tx.notes, "INFO_REALIGN_3_PRIME") if shifted else tx.notes
    if e < tx.start or s > tx.end:
        d = tx.start - e if e < tx.start else s - tx.end
        if d > FLANK:
            return None
        upstream = (e < tx.start) == tx.plus
        term = "upstream_gene_variant" if upstream else "downstream_gene_variant"
        return Consequence({term}, hgvs_c=_hgvs_c(tx, al), distance=str(d), notes=notes)
    terms: set[str] = set()
    intron_rank = ""
    gex = tx.gexons
    # exons from the one starting at or before s (less one) to the last starting by e + 1
    lo = max(bisect.bisect_right(tx.gstarts, s) - 2, 0)
    hi = bisect.bisect_right(tx.gstarts, e + 4)
    for i in range(lo, min(hi, tx.n - 1)):  # genomic intron ends a..b; donor at the 5' end
        a, b = gex[i][1] + 1, gex[i + 1][0] - 1
        if e < a - 3 or s > b + 3:
            continue
        terms.update(intron_terms(tx.plus, a, b, s, e))
        # the rank of the first intron the allele lies in (or, for a short one, is inside)
        inside = a <= s and e <= b if b - a + 1 < SPLICE_INTRON_MIN else e >= a and s <= b
        if inside and not intron_rank:
            k = i + 1 if tx.plus else tx.n - 1 - i
            intron_rank = f"{k}/{tx.n - 1}"
    # exons touched (transcription order)
    touched = [i if tx.plus else tx.n - 1 - i for i in range(lo, min(hi, tx.n))
               if gex[i][1] >= s and gex[i][0] <= e]
    touched.sort()
    out = Consequence(terms, notes=notes)
    if touched:
        out.rank = f"{min(touched) + 1}/{tx.n}"
    elif intron_rank:
        out.rank = intron_rank
    out.hgvs_c = _hgvs_c(tx, al)
    if touched:
        _exonic(tx, al, out, touched)
    return out


def intron_terms(plus: bool, a: int, b: int, s: int, e: int) -> set[str]:
    """The terms of bases s..e (genomic, within 3 bases of it) for the intron a..b."""
    terms: set[str] = set()
    if b - a + 1 < SPLICE_INTRON_MIN:  # no splice terms; an allele inside is intronic
        if a <= s and e <= b:
            terms.add("intron_variant")
        return terms
    at_a = "splice_donor_variant" if plus else "splice_acceptor_variant"
    at_b = "splice_acceptor_variant" if plus else "splice_donor_variant"
    # (inline overlap tests: e >= lo and s <= hi)
    if e >= a and s <= a + 1:  # SnpEff also says intron_variant for these
        terms.update((at_a, "intron_variant"))
    if e >= b - 1 and s <= b:
        terms.update((at_b, "intron_variant"))
    if e >= a + 2 and s <= b - 2:
        terms.add("intron_variant")
    terms.update(_splice_sub_terms(plus, a, b, s, e))
    return terms


def _splice_sub_terms(plus: bool, a: int, b: int, s: int, e: int) -> list[str]:
    """The splice-region terms of bases s..e near the intron a..b (genomic), as VEP defines
    them: splice_donor_5th_base_variant (intron base +5), splice_donor_region_variant
    (+3..+6, unless +5 is hit), splice_polypyrimidine_tract_variant (-17..-3), and
    splice_region_variant (exon bases 1-3 and intron bases 3-8 from either end, unless one
    of the two donor terms applies)."""
    def hit(lo: int, hi: int) -> bool:
        return e >= lo and s <= hi

    if plus:  # donor at a (intron base +1), acceptor at b (-1)
        fifth, region, ppt = hit(a + 4, a + 4), hit(a + 2, a + 5), hit(b - 16, b - 2)
    else:
        fifth, region, ppt = hit(b - 4, b - 4), hit(b - 5, b - 2), hit(a + 2, a + 16)
    out = []
    if fifth:
        out.append("splice_donor_5th_base_variant")
    elif region:
        out.append("splice_donor_region_variant")
    if ppt:
        out.append("splice_polypyrimidine_tract_variant")
    if not (fifth or region) and (hit(a - 3, a - 1) or hit(a + 2, a + 7) or hit(b - 7, b - 2)
                                  or hit(b + 1, b + 3)):
        out.append("splice_region_variant")
    return out


def shift3(tx: TxModel, al: Allele) -> tuple[Allele, bool]:
    """An insertion or deletion moved to its 3'-most place (in the transcript's direction)
    on the genome, across exon/intron borders as HGVS does (c.1704+1del, not c.1704del),
    within the transcript and its flanks."""
    lo, hi = max(1, tx.start - FLANK), tx.end + FLANK
    s, e = al.s, al.e
    seq = al.ref or al.alt
    g = tx.genome
    pad = 64 + len(seq)
    shifted = False
    while True:  # a window around the change, widened when a shift reaches its edge
        wlo, whi = max(lo, s - pad), min(hi, e + pad)
        win = g.fetch(tx.contig, wlo, whi)
        end = wlo + len(win) - 1  # whi, or the contig's last base
        if tx.plus:
            while e + 1 <= end and win[e + 1 - wlo] == seq[0]:
                seq = seq[1:] + seq[0]
                s, e, shifted = s + 1, e + 1, True
            more = e + 1 > end and end == whi < hi
        else:
            while s - 1 >= wlo and win[s - 1 - wlo] == seq[-1]:
                seq = seq[-1] + seq[:-1]
                s, e, shifted = s - 1, e - 1, True
            more = s - 1 < wlo and wlo > lo
        if not more:
            break
        pad *= 8
    if not shifted:
        return al, False
    return (Allele(s, e, seq, "") if al.ref else Allele(s, e, "", seq)), True


def _exonic(tx: TxModel, al: Allele, out: Consequence, touched: list[int]) -> None:
    """Terms and positions for the exonic part of al (touched: exons it meets)."""
    ex_s, ex_e = sorted(tx.exons[touched[0]])
    ref_t = al.ref if tx.plus else revcomp(al.ref)
    alt_t = al.alt if tx.plus else revcomp(al.alt)
    if al.is_ins:
        # between genomic s-1 and s: after cDNA c5 (plus: before s; minus: after s); the
        # region is the one of base s (cs)
        cs = tx.cdna(al.s)
        c5 = cs - (1 if tx.plus else 0)
        out.cdna = f"{c5 + 1}/{tx.length}"
        if not tx.coding:
            out.terms.add("non_coding_transcript_exon_variant")
        elif cs < tx.c1:
            _utr5(tx, c5 + 1, c5, ref_t, alt_t, out)
        elif cs > tx.c2:
            out.terms.add("3_prime_UTR_variant")
        else:
            _coding(tx, c5 + 1, c5, ref_t, alt_t, out)
        return
    whole = len(touched) == 1 and ex_s <= al.s and al.e <= ex_e
    if not whole:  # clip to the exons: cDNA span of the exonic part
        clipped = [tx.cdna(g) for k in touched for g in
                   (max(al.s, min(tx.exons[k])), min(al.e, max(tx.exons[k])))]
        c5, c3 = min(clipped), max(clipped)
    else:
        c5, c3 = tx.cdna(al.s if tx.plus else al.e), tx.cdna(al.e if tx.plus else al.s)
    out.cdna = f"{c5}/{tx.length}"
    if not tx.coding:
        out.terms.add("non_coding_transcript_exon_variant")
        return
    if not whole:
        if not al.alt and tx.c1 <= c5 and c3 <= tx.c2 and len(touched) == 1:
            # a deletion over an exon edge: SnpEff predicts the protein from the exonic part
            _coding(tx, c5, c3, tx.seq()[c5 - 1:c3], "", out)
        else:
            _region_terms(tx, c5, c3, out)
        return
    if c3 < tx.c1:
        _utr5(tx, c5, c3, ref_t, alt_t, out)
    elif c5 > tx.c2:
        out.terms.add("3_prime_UTR_variant")
    elif c5 >= tx.c1 and c3 <= tx.c2:
        _coding(tx, c5, c3, ref_t, alt_t, out)
    else:
        _region_terms(tx, c5, c3, out)
        cds = tx.cds()
        whole_codons = not len(cds) % 3 and tx.protein().endswith("*")
        if not al.alt and whole_codons and c5 >= tx.c1:
            _over_cds_end(tx, c5, c3, out)
            return
        if not al.alt and c3 <= tx.c2:
            _over_cds_start(tx, c5, c3, out)
            return
        if c5 < tx.c1 + 3 <= c3 + 2 and c3 >= tx.c1:
            out.terms.add("start_lost")
            out.hgvs_p = "p.Met1?"
        if c5 <= tx.c2 < c3:
            out.terms.add("stop_lost")


def _over_cds_start(tx: TxModel, c5: int, c3: int, out: Consequence) -> None:
    """A deletion from the 5' UTR into the CDS (c.-1_4del). As SnpEff: frameshift or
    in-frame by the deleted length (in-frame ones start at the CDS's first codon:
    conservative) and start_lost (p.Met1?), unless UTR bases before it make the start codon
    again in the same frame (c.-1_1del after an A: p.Met1=, start_retained_variant only).
    A CDS that does not begin with a start codon (incomplete 5' end) gets the frame term."""
    seq, cds = tx.seq(), tx.cds()
    d = c3 - tx.c1 + 1  # CDS bases deleted
    out.terms.discard("coding_sequence_variant")
    out.cds, out.aa = f"1/{len(cds)}", f"1/{tx.aa_length()}"
    q = c5 - 1 - d  # 0-based: where the start codon begins now, the rest keeping its frame
    start = tx.code.get(cds[:3]) == "M"
    if start and d < 3 and q >= 0 and seq[q:c5 - 1] + seq[c3:c3 + 3 - d] == cds[:3]:
        out.terms.add("start_retained_variant")
        out.hgvs_p = "p.Met1="
        return
    n = c3 - c5 + 1
    out.terms.add("frameshift_variant" if n % 3 else "conservative_inframe_deletion")
    if start:
        out.terms.add("start_lost")
        out.hgvs_p = "p.Met1?"


def _over_cds_end(tx: TxModel, c5: int, c3: int, out: Consequence) -> None:
    """A deletion from inside the CDS into the 3' UTR (c.137_*1del): frameshift or in-frame
    by the deleted length, as SnpEff, and the protein read on into what is left of the 3'
    UTR (stop_retained_variant when it is the same, else stop_lost and an extension)."""
    cds, protein = tx.cds(), tx.protein()
    x5 = c5 - tx.c1 + 1
    k0 = (x5 - 1) // 3
    out.terms.discard("coding_sequence_variant")
    out.cds, out.aa = f"{x5}/{len(cds)}", f"{k0 + 1}/{tx.aa_length()}"
    new = cds[:x5 - 1] + tx.seq()[c3:]
    alt = protein[:k0] + translate(new[3 * k0:], tx.code, to_stop=True)
    if len(alt) > len(protein) or not alt.endswith("*"):  # the stop codon went: longer
        out.terms.add("stop_lost")
    if (c3 - c5 + 1) % 3:
        _frameshift(tx, k0, protein, new, out, new[3 * k0:3 * k0 + 3], (x5, len(cds)), "")
        return
    # SnpEff's codon test: the codons it touches keep their 5' part only: conservative
    i = k0
    while i < len(protein) and i < len(alt) and protein[i] == alt[i]:
        i += 1
    if alt == protein:
        out.terms.update(("conservative_inframe_deletion", "stop_retained_variant"))
        out.hgvs_p = f"p.Ter{len(protein)}="
    elif i < len(alt) and protein[i] == "*":  # (stop_lost: longer)
        out.terms.add("conservative_inframe_deletion")
        out.hgvs_p = _extension(i, alt)
    else:
        _inframe(protein, k0, protein[k0:], alt[k0:], c5 - c3 - 1, True, out)


def _region_terms(tx: TxModel, c5: int, c3: int, out: Consequence) -> None:
    """UTR/CDS terms for a change over cDNA c5..c3 whose protein effect is not predicted."""
    if c5 < tx.c1:
        out.terms.add("5_prime_UTR_variant")
    if c3 > tx.c2:
        out.terms.add("3_prime_UTR_variant")
    if c5 <= tx.c2 and c3 >= tx.c1:
        out.terms.add("coding_sequence_variant")


def _utr5(tx: TxModel, c5: int, c3: int, ref_t: str, alt_t: str, out: Consequence) -> None:
    """5' UTR, and a new ATG in the 5' UTR (premature start codon)."""
    out.terms.add("5_prime_UTR_variant")
    seq, utr_end = tx.seq(), tx.c1 - 1  # 0-based end of the 5' UTR
    lo = max(0, c5 - 3)
    before = seq[lo:min(c3 + 2, utr_end)]
    after = seq[lo:c5 - 1] + alt_t + seq[c3:min(c3 + 2, utr_end)]
    if len(ref_t) == len(alt_t) and after.count("ATG") > before.count("ATG"):  # as SnpEff
        out.terms.add("5_prime_UTR_premature_start_codon_gain_variant")


def _coding(tx: TxModel, c5: int, c3: int, ref_t: str, alt_t: str, out: Consequence) -> None:
    """Protein effect of a change inside the CDS (cDNA c5..c3; c3 = c5-1 for an insertion)."""
    cds = tx.cds()
    x5, x3 = c5 - tx.c1 + 1 - tx.frame, c3 - tx.c1 + 1 - tx.frame  # 1-based in cds
    if x3 < x5 == len(cds) + 1 and tx.protein().endswith("*"):
        # an insertion right after the stop codon (a - strand one counts at the stop's last
        # base) changes no codon
        out.terms.add("3_prime_UTR_variant")
        return
    out.cds = f"{c5 - tx.c1 + 1}/{tx.c2 - tx.c1 + 1}"
    if x5 < 1 or 3 * ((max(x3, x5) - 1) // 3) + 3 > len(cds):  # in a partial codon
        out.terms.add("coding_sequence_variant")
        return
    protein = tx.protein()
    k0 = (x5 - 1) // 3
    out.aa = f"{k0 + 1}/{tx.aa_length()}"
    code = tx.code
    diff = len(alt_t) - len(ref_t)
    if diff == 0:  # SNV or MNV: only the codons it touches change
        k1 = (x3 - 1) // 3
        ref_cod = cds[3 * k0:3 * k1 + 3]
        alt_cod = ref_cod[:x5 - 1 - 3 * k0] + alt_t + ref_cod[x3 - 3 * k0:]
        ref_aa, alt_aa = translate(ref_cod, code), translate(alt_cod, code)
        _substitution(tx, k0, ref_aa, alt_aa, cds, x5, alt_t, x3, out)
        return
    new = cds[:x5 - 1] + alt_t + cds[x3:]
    lo, hi = _placements(cds, x5, x3, alt_t) if not (ref_t and alt_t) else (x5 - 1, x5 - 1)
    # VEP: an in-frame change inside the start codon (here: in one of its equivalent places)
    # that leaves the ATG in place keeps the start
    inside_start = lo <= 2 and (hi >= 1 or bool(ref_t))
    if inside_start and diff % 3 == 0 and new[:3] == cds[:3] and code.get(cds[:3]) == "M":
        out.terms.add("start_retained_variant")
    if diff % 3:
        # the new codons holding a changed base (inserted bases, or the deletion's junction)
        last = max(k0, (x5 + len(alt_t) - 2) // 3)
        # the CDS bases it touches (an insertion: the one after it, as SnpEff counts)
        touched = (x5, x3 if ref_t else x5)
        _frameshift(tx, k0, protein, new, out, new[3 * k0:3 * last + 3], touched)
        return
    # Only the codons the change touches are compared (k0..k1, and what they become):
    # a premature stop elsewhere in the transcript does not matter here.
    k1 = (max(x3, x5) - 1) // 3
    ref_cod = cds[3 * k0:3 * k1 + 3]
    alt_cod = ref_cod[:x5 - 1 - 3 * k0] + alt_t + ref_cod[x3 - 3 * k0:]
    # SnpEff's rule (SO's definition read by position): conservative when the change, at
    # its 3'-most place (shift3), starts between two codons, or when the codons it touches
    # become the same codons with whole ones added or removed at their 3' end (an indel
    # that could move 3' in the spliced CDS but not on the genome, at an exon edge).
    # Another equivalent place in a repeat does not count: c.1298_1300del in GCG CCG CAG
    # (p.Pro433del) starts within a codon, disruptive. An insertion starts before CDS base
    # x5; SnpEff 5.1 tests the base before it on the - strand, so it calls one after a
    # codon's first base conservative there: GAS does not follow that.
    conservative = (x5 - 1) % 3 == 0 or (
        alt_cod.startswith(ref_cod) if not ref_t else
        not alt_t and ref_cod.startswith(alt_cod))
    _inframe(protein, k0, protein[k0:k1 + 1], translate(alt_cod, code), diff, conservative, out)


def _substitution(tx: TxModel, k0: int, ref_aa: str, alt_aa: str, cds: str, x5: int,
                  alt_t: str, x3: int, out: Consequence) -> None:
    t = out.terms
    if k0 == 0 and ref_aa[0] == "M" and alt_aa[0] != "M":
        t.add("start_lost")
        out.hgvs_p = "p.Met1?"
        return
    if k0 == 0 and ref_aa[0] == "M" and len(ref_aa) == 1 and ref_aa == alt_aa:
        t.add("start_retained_variant")
        out.hgvs_p = "p.Met1="
        return
    i = 0
    while i < len(ref_aa) and ref_aa[i] == alt_aa[i]:
        i += 1
    if i == len(ref_aa):
        n = k0 + 1
        if ref_aa[-1] == "*":
            t.add("stop_retained_variant")
            out.hgvs_p = f"p.Ter{k0 + len(ref_aa)}="
        else:
            t.add("synonymous_variant")
            out.hgvs_p = f"p.{three(ref_aa[0])}{n}="
        return
    j = len(ref_aa)
    while j > i + 1 and ref_aa[j - 1] == alt_aa[j - 1]:
        j -= 1
    n = k0 + i + 1
    if "*" in ref_aa[i:j] and "*" not in alt_aa[i:j]:
        t.add("stop_lost")
        new = cds[:x5 - 1] + alt_t + cds[x3:]
        ext = translate(new[3 * (n - 1):] + tx.seq()[tx.c2:], tx.code, to_stop=True)
        more = f"Ter{len(ext) - 1}" if ext.endswith("*") else "Ter?"
        out.hgvs_p = f"p.Ter{n}{three(ext[0])}ext{more}"
        return
    if "*" in alt_aa[i:j]:
        t.add("stop_gained")
        stop = alt_aa.index("*", i)
        if stop == i:
            out.hgvs_p = f"p.{three(ref_aa[i])}{n}Ter"
            return
    elif j - i == 1:
        t.add("missense_variant")
        out.hgvs_p = f"p.{three(ref_aa[i])}{n}{three(alt_aa[i])}"
        return
    else:
        t.add("missense_variant")
    out.hgvs_p = (f"p.{three(ref_aa[i])}{n}_{three(ref_aa[j - 1])}{k0 + j}"
                  f"delins{three(alt_aa[i:j])}")


def _placements(cds: str, x5: int, x3: int, ins: str) -> tuple[int, int]:
    """The equivalent places of an indel in its repeat, as 0-based CDS offsets: where an
    insertion (ins before base x5) can go, or where a deletion (bases x5..x3) can start."""
    n, out = len(cds), []
    for step in (-1, 1):
        if ins:
            p, seq = x5 - 1, ins
            while 0 < p if step < 0 else p < n:
                if step < 0 and cds[p - 1] == seq[-1]:
                    p, seq = p - 1, seq[-1] + seq[:-1]
                elif step > 0 and cds[p] == seq[0]:
                    p, seq = p + 1, seq[1:] + seq[0]
                else:
                    break
        else:
            p, b = x5 - 1, x3
            while (0 < p and cds[p - 1] == cds[b - 1]) if step < 0 else \
                    (b < n and cds[p] == cds[b]):
                p, b = p + step, b + step
        out.append(p)
    return out[0], out[1]


def _frameshift(tx: TxModel, k0: int, protein: str, new: str, out: Consequence,
                changed: str, touched: tuple[int, int], tail: str | None = None) -> None:
    """changed: the new codons holding a changed base; touched: the first and last CDS base
    (1-based) the change touches; new is read on into tail (by default the 3' UTR)."""
    out.terms.add("frameshift_variant")
    tail = tx.seq()[tx.c2:] if tail is None else tail
    alt = protein[:k0] + translate(new[3 * k0:] + tail, tx.code, to_stop=True)
    i = k0
    while i < len(protein) and i < len(alt) and protein[i] == alt[i]:
        i += 1
    if i == 0 and protein[0] == "M":
        out.terms.add("start_lost")
        out.hgvs_p = "p.Met1?"
        return
    if i >= len(protein) or i >= len(alt):
        n = len(protein)
        if alt == protein and protein.endswith("*") and touched[1] > 3 * n - 3:
            # the stop codon lost bases but the next ones (3' UTR) make a stop again
            out.terms.add("stop_retained_variant")
            out.hgvs_p = f"p.Ter{n}="
        elif i < n and protein[i] == "*" and touched[1] > 3 * i:
            out.terms.add("stop_lost")  # the new frame runs off the transcript's end
        return
    if protein[i] == "*":  # the stop codon itself is shifted: an extension
        if touched[0] <= 3 * i + 3 and touched[1] > 3 * i:  # SO: a stop codon base changes
            out.terms.add("stop_lost")
        out.hgvs_p = _extension(i, alt)
        return
    if "*" in translate(changed, tx.code):  # a stop among the changed codons (VEP, SnpEff)
        out.terms.add("stop_gained")
    if alt[i] == "*":  # the new frame stops at once: HGVS writes it as the nonsense change
        out.hgvs_p = f"p.{three(protein[i])}{i + 1}Ter"
        return
    more = f"Ter{len(alt) - i}" if alt.endswith("*") else "Ter?"
    out.hgvs_p = f"p.{three(protein[i])}{i + 1}{three(alt[i])}fs{more}"


def _extension(i: int, alt: str) -> str:
    """HGVS.p of a protein alt whose residue i (0-based) replaces the stop codon."""
    more = f"Ter{len(alt) - i - 1}" if alt.endswith("*") else "Ter?"
    return f"p.Ter{i + 1}{three(alt[i])}ext{more}"


def _inframe(protein: str, k0: int, r: str, a: str, diff: int, conservative: bool,
             out: Consequence) -> None:
    """An in-frame indel: residues r (from k0, 0-based) become a."""
    t = out.terms
    kind = "conservative" if conservative else "disruptive"
    t.add(f"{kind}_inframe_{'insertion' if diff > 0 else 'deletion'}")
    if "*" in a and "*" not in r:
        t.add("stop_gained")
        a = a[:a.index("*") + 1]
    elif "*" in r and "*" not in a:
        t.add("stop_lost")
    p = 0  # shared leading residues (moves the change 3', as HGVS wants)
    while p < len(r) and p < len(a) and r[p] == a[p]:
        p += 1
    q = 0
    while q < len(r) - p and q < len(a) - p and r[-1 - q] == a[-1 - q]:
        q += 1
    i = k0 + p
    r, a = r[p:len(r) - q], a[p:len(a) - q]
    if i == 0 and protein[0] == "M" and (not a or a[0] != "M"):
        t.add("start_lost")
        out.hgvs_p = "p.Met1?"
    elif not r and not a:
        out.hgvs_p = "p.="
    elif not a:
        out.hgvs_p = f"p.{_aa_range(protein, i, i + len(r))}del"
    elif not r:
        n = len(a)
        if i - n >= 0 and protein[i - n:i] == a:
            out.hgvs_p = f"p.{_aa_range(protein, i - n, i)}dup"
        elif i >= len(protein):  # after the last residue of a protein without a stop codon
            out.hgvs_p = ""
        else:
            out.hgvs_p = f"p.{three(protein[i - 1])}{i}_{three(protein[i])}{i + 1}ins{three(a)}"
    elif len(r) == 1 and len(a) == 1:
        out.hgvs_p = f"p.{three(r)}{i + 1}{three(a)}"
    else:
        out.hgvs_p = f"p.{_aa_range(protein, i, i + len(r))}delins{three(a)}"


def _aa_range(prot: str, a: int, b: int) -> str:
    """'Lys2' or 'Lys2_Met3' for the 0-based half-open residue range a..b."""
    if b - a == 1:
        return f"{three(prot[a])}{a + 1}"
    return f"{three(prot[a])}{a + 1}_{three(prot[b - 1])}{b}"


def _hgvs_c(tx: TxModel, al: Allele) -> str:
    """HGVS.c (or n.) of an allele already moved 3' (shift3)."""
    pre = "c." if tx.coding else "n."
    s, e = al.s, al.e
    if len(al.ref) == 1 and len(al.alt) == 1:
        r, a = (al.ref, al.alt) if tx.plus else (revcomp(al.ref), revcomp(al.alt))
        return f"{pre}{tx.pos_text(s)}{r}>{a}"
    if al.ref and al.alt:
        first, last = (s, e) if tx.plus else (e, s)
        span = tx.pos_text(first) if s == e else f"{tx.pos_text(first)}_{tx.pos_text(last)}"
        return f"{pre}{span}delins{al.alt if tx.plus else revcomp(al.alt)}"
    if al.ref:  # deletion of s..e
        first, last = (s, e) if tx.plus else (e, s)
        span = tx.pos_text(first) if s == e else f"{tx.pos_text(first)}_{tx.pos_text(last)}"
        return f"{pre}{span}del"
    seq, n = al.alt, len(al.alt)
    # a duplication when the inserted bases repeat the ones just 5' of the insertion
    dup_lo, dup_hi = (s - n, s - 1) if tx.plus else (s, s + n - 1)
    if tx.genome.fetch(tx.contig, dup_lo, dup_hi) == seq:
        first, last = (dup_lo, dup_hi) if tx.plus else (dup_hi, dup_lo)
        span = tx.pos_text(first) if n == 1 else f"{tx.pos_text(first)}_{tx.pos_text(last)}"
        return f"{pre}{span}dup"
    left, right = (s - 1, s) if tx.plus else (s, s - 1)
    return f"{pre}{tx.pos_text(left)}_{tx.pos_text(right)}ins{seq if tx.plus else revcomp(seq)}"
