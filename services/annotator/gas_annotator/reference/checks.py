"""Does a GTF/GFF3 fit its FASTA? One line per problem, and the transcripts that are usable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .model import Transcript, merge


@dataclass
class ModelReport:
    """Transcripts kept for per-transcript annotation, and what was wrong with the rest."""

    kept: list[Transcript] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)  # transcript IDs with a CDS problem
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, text: str) -> None:
        """Count one problem; keep its sentence (the first 200 of each kind)."""
        self.counts[kind] += 1
        if self.counts[kind] <= 200:
            self.problems.append(text)


def _cds_pieces(tx: Transcript) -> list[tuple[int, int, int]]:
    """(start, end, phase) of the CDS rows in transcription order (stop_codon rows too)."""
    rows = sorted(zip(tx.cds, tx.phases or [-1] * len(tx.cds), strict=False),
                  reverse=tx.strand == "-")
    return [(s, e, p) for (s, e), p in rows]


def _phase_problem(tx: Transcript) -> str | None:
    pieces = _cds_pieces(tx)
    if not pieces:
        return None
    p0 = max(pieces[0][2], 0)
    done = -p0  # coding bases before this piece, counted from the first whole codon
    for s, e, p in pieces:
        want = (3 - done % 3) % 3
        if p >= 0 and p != want and (s, e) != pieces[0][:2]:
            return f"CDS {s}-{e} has phase {p}, expected {want}"
        done += e - s + 1
    return None


def check_models(models: list[Transcript], lengths: dict[str, int]) -> ModelReport:
    """Check every transcript against the FASTA's contigs (lengths by canonical name)."""
    rep = ModelReport()
    missing: Counter = Counter()
    for tx in models:
        tid = tx.transcript_id
        if tx.contig not in lengths:
            missing[tx.contig] += 1
            continue
        if not tx.exons:
            rep.add("no exons", f"transcript {tid}: no exons; left out of per-transcript "
                                "annotation")
            continue
        if tx.end > lengths[tx.contig]:
            rep.add("beyond contig", f"transcript {tid}: ends at {tx.end}, past the end of "
                                     f"{tx.contig} ({lengths[tx.contig]} bases); left out")
            continue
        exons = merge(tx.exons)
        if tx.cds:
            outside = [(s, e) for s, e in tx.cds
                       if not any(a <= s and e <= b for a, b in exons)]
            why = (f"CDS {outside[0][0]}-{outside[0][1]} is not inside an exon" if outside
                   else _phase_problem(tx))
            if why:
                rep.add("bad CDS", f"transcript {tid}: {why}; annotated as incomplete")
                rep.incomplete.add(tid)
        rep.kept.append(tx)
    for contig, n in missing.items():
        rep.add("contig not in FASTA", f"contig {contig}: not in the FASTA; its {n} "
                                       "transcripts get location terms only")
    return rep
