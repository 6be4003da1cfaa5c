"""Transcript models and the labelled segments (SO terms) each one paints on the genome."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

# Sequence Ontology terms, most severe first: where segments overlap, the lower code wins.
TERMS = [
    "splice_acceptor_variant",
    "splice_donor_variant",
    "splice_region_variant",
    "coding_sequence_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "intergenic_region",
]
IMPACTS = ["HIGH", "HIGH", "LOW"] + ["MODIFIER"] * 8
(ACCEPTOR, DONOR, SPLICE_REGION, CDS, UTR5, UTR3, NC_EXON, INTRON, UPSTREAM, DOWNSTREAM,
 INTERGENIC) = range(len(TERMS))
SEVERITY = {t: i for i, t in enumerate(TERMS)}

FLANK = 5000  # upstream/downstream window, bases


@dataclass
class Transcript:
    """One transcript (or a gene's union of isoforms), 1-based closed coordinates."""

    contig: str
    start: int
    end: int
    strand: str
    gene_id: str
    gene_name: str
    transcript_id: str
    biotype: str
    exons: list[tuple[int, int]] = field(default_factory=list)
    cds: list[tuple[int, int]] = field(default_factory=list)
    # Given explicitly by table sources; derived from exons and CDS when None.
    utr5: list[tuple[int, int]] | None = None
    utr3: list[tuple[int, int]] | None = None
    precedence: tuple = ()
    tags: tuple[str, ...] = ()  # Ensembl_canonical, MANE_Select, basic, ... as the file gives
    level: str = ""  # GENCODE level (1-3) when given
    phases: list[int] = field(default_factory=list)  # GFF phase of each cds entry (-1: none)


Segment = tuple[int, int, int, int, str]  # start, end (closed), term code, anchor (-1), rank


def merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of closed intervals (adjacent ones joined)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + 1:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(exons: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """Parts of exons inside [lo, hi]."""
    return [(max(s, lo), min(e, hi)) for s, e in exons if e >= lo and s <= hi]


def segments(tx: Transcript) -> list[Segment]:
    """Every labelled stretch of one transcript, overlaps allowed (resolved by severity)."""
    exons = merge(tx.exons) or [(tx.start, tx.end)]
    n = len(exons)
    plus = tx.strand != "-"
    starts = [s for s, _ in exons]

    def exon_no(i: int) -> int:  # genomic index -> number in transcription order
        return i + 1 if plus else n - i

    def exon_rank(pos: int) -> str:
        i = bisect.bisect_right(starts, pos) - 1
        return f"{exon_no(max(i, 0))}/{n}"

    out: list[Segment] = []
    up, down = (UPSTREAM, DOWNSTREAM) if plus else (DOWNSTREAM, UPSTREAM)
    out.append((max(1, tx.start - FLANK), tx.start - 1, up, tx.start, ""))
    out.append((tx.end + 1, tx.end + FLANK, down, tx.end, ""))

    coding = bool(tx.cds)
    if tx.utr5 is not None or tx.utr3 is not None or not coding:
        for i, (s, e) in enumerate(exons):
            out.append((s, e, NC_EXON, -1, f"{exon_no(i)}/{n}"))
    for s, e in merge(tx.cds):
        for ps, pe in _subtract(exons, s, e):
            out.append((ps, pe, CDS, -1, exon_rank(ps)))
    if coding:
        if tx.utr5 is not None or tx.utr3 is not None:
            utr5, utr3 = merge(tx.utr5 or []), merge(tx.utr3 or [])
        else:
            lo = min(s for s, _ in tx.cds)
            hi = max(e for _, e in tx.cds)
            left, right = _subtract(exons, tx.start, lo - 1), _subtract(exons, hi + 1, tx.end)
            utr5, utr3 = (left, right) if plus else (right, left)
        out.extend((s, e, UTR5, -1, exon_rank(s)) for s, e in utr5)
        out.extend((s, e, UTR3, -1, exon_rank(s)) for s, e in utr3)

    for i in range(n - 1):
        a, b = exons[i][1], exons[i + 1][0]  # last base of exon i, first of exon i+1
        if b - a < 2:
            continue
        intron = f"{i + 1 if plus else n - 1 - i}/{n - 1}"
        five, three = (DONOR, ACCEPTOR) if plus else (ACCEPTOR, DONOR)
        out.append((a + 1, b - 1, INTRON, -1, intron))
        out.append((a + 3, min(a + 8, b - 1), SPLICE_REGION, -1, intron))
        out.append((max(b - 8, a + 1), b - 3, SPLICE_REGION, -1, intron))
        out.append((max(a - 2, exons[i][0]), a, SPLICE_REGION, -1, f"{exon_no(i)}/{n}"))
        out.append((b, min(b + 2, exons[i + 1][1]), SPLICE_REGION, -1, f"{exon_no(i + 1)}/{n}"))
        out.append((a + 1, min(a + 2, b - 1), five, -1, intron))
        out.append((max(b - 2, a + 1), b - 1, three, -1, intron))
    return [s for s in out if s[1] >= s[0]]
