"""ANN entries per ALT x transcript, and the per-allele pick, for bundles with a genome."""

from __future__ import annotations

import numpy as np

from ..reference.bundle import Reference
from ..reference.transcripts import CANONICAL, MANE_SELECT, TX_EXON0, TX_FLAGS, TX_NEXON
from .consequence import Allele, TxModel, consequence, trim
from .so_terms import RANK, joined

_I32 = 2**31 - 1
MODEL_CACHE = 20_000  # TxModels kept (each holds its cDNA once used); cleared when full
REF_MISMATCH = "WARNING_REF_DOES_NOT_MATCH_GENOME"


class TranscriptAnnotator:
    """Finds the transcripts near a record and formats their ANN entries."""

    def __init__(self, ref: Reference) -> None:
        assert ref.genome is not None
        self.ref, self.genome = ref, ref.genome
        a = ref.arrays
        self.num, self.exon = a["tx_num"], a["tx_exon"]
        self.txi_start, self.txi_off, self.txi_ids = a["txi_start"], a["txi_off"], a["txi_ids"]
        self.tx_off, self.tx_blob = a["tx_off"], a["tx_blob"]
        self.models: dict[int, TxModel] = {}
        self.ref_mismatches = 0

    def contig_index(self, contig: str) -> tuple[np.ndarray, int, int] | None:
        """(interval starts, first interval, first transcript row) of a contig, or None."""
        info = self.ref.contigs.get(contig, {})
        if "tx_intervals" not in info or not self.genome.has(contig):
            return None
        a, b = info["tx_intervals"]
        return np.asarray(self.txi_start[a:b]), a, info["transcript_rows"][0]

    def intervals(self, index: tuple[np.ndarray, int, int], lo: np.ndarray, hi: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """For a batch: the overlap intervals holding each lo and each hi (-1: before all)."""
        starts = index[0]
        a = np.searchsorted(starts, np.minimum(lo, _I32).astype(np.int32), "right") - 1
        b = np.searchsorted(starts, np.minimum(hi, _I32).astype(np.int32), "right") - 1
        return a.astype(np.int64), b.astype(np.int64)

    def rows(self, index: tuple[np.ndarray, int, int], a: int, b: int) -> list[int]:
        """Rows of the transcripts in overlap intervals a..b (their span +-FLANK)."""
        _, first_iv, first_tx = index
        if b < 0:
            return []
        off = self.txi_off
        if a == b:
            s, e = int(off[first_iv + a]), int(off[first_iv + a + 1])
            if s == e:
                return []
            return [first_tx + k for k in self.txi_ids[s:e].tolist()]
        got: set[int] = set()
        for iv in range(max(a, 0), b + 1):
            got.update(self.txi_ids[off[first_iv + iv]:off[first_iv + iv + 1]].tolist())
        return sorted(first_tx + k for k in got)

    def model(self, row: int, contig: str) -> TxModel:
        m = self.models.get(row)
        if m is None:
            if len(self.models) >= MODEL_CACHE:
                self.models.clear()
            r = self.num[row].tolist()
            ex = self.exon[r[TX_EXON0]:r[TX_EXON0] + r[TX_NEXON]].tolist()
            text = bytes(self.tx_blob[self.tx_off[row]:self.tx_off[row + 1]]).decode()
            m = self.models[row] = TxModel(r, [tuple(x) for x in ex], text, self.genome, contig)
        return m

    def annotate(self, contig: str, rows: list[int], pos: int, ref: str, alts: list[str],
                 genome_ref: str | None = None) -> tuple[list[str], list[str], int] | None:
        """(ANN entries, pick per ALT, most severe term rank) from the transcripts in rows,
        or None when none is within reach; genome_ref: the genome's REF bases if known."""
        if genome_ref is None:
            genome_ref = self.genome.fetch(contig, pos, pos + len(ref) - 1)
        mismatch = genome_ref != ref.upper() and "N" not in genome_ref
        if mismatch:
            self.ref_mismatches += 1
        entries: list[tuple[int, str, str]] = []
        picks: list[str] = []
        top = len(RANK)
        for alt in alts:
            al = trim(pos, ref, alt)
            if mismatch and al.ref:  # describe the change against the genome's bases
                al = Allele(al.s, al.e, self.genome.fetch(contig, al.s, al.e), al.alt)
            best: tuple | None = None
            for row in rows:
                got = self.entry(contig, row, al, alt, mismatch)
                if got is None:
                    continue
                entries.append(got[:3])
                top = min(top, got[0])
                if best is None or got[3] < best[0]:
                    best = (got[3], got[1])
            picks.append(best[1] if best else ".")
        if not entries:
            return None
        entries.sort(key=lambda x: (x[0], x[1]))
        return [e for _, _, e in entries], picks, top

    def entry(self, contig: str, row: int, al: Allele, alt: str, mismatch: bool = False
              ) -> tuple[int, str, str, tuple] | None:
        """(term rank, Feature_ID, ANN entry, pick key) of allele al on transcript row, or
        None when it is out of reach."""
        m = self.model(row, contig)
        c = consequence(m, al)
        if c is None:
            return None
        terms, impact, rank = joined(c.terms)
        notes = (REF_MISMATCH, *c.notes) if mismatch else c.notes
        return (rank, m.feature_id, f"{alt}|{terms}|{impact}|{m.feature}|{c.rank}|{c.hgvs_c}|"
                f"{c.hgvs_p}|{c.cdna}|{c.cds}|{c.aa}|{c.distance}|{'&'.join(notes)}",
                (c.distance != "", *self.pick_key(row, m)))

    def pick_key(self, row: int, m: TxModel) -> tuple:
        """MANE Select, else Ensembl canonical, else the longest CDS (then longest, then ID).

        The caller puts transcripts the allele lies in before up/downstream ones.
        """
        flags = int(self.num[row, TX_FLAGS])
        cds_len = m.c2 - m.c1 + 1 if m.coding else -1
        return (not flags & MANE_SELECT, not flags & CANONICAL, -cds_len, -m.length,
                m.feature_id)
