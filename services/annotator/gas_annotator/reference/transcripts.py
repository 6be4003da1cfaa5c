"""Every transcript of a bundle as numbers (memory-mapped), and which ones lie near a base.

Arrays (all contigs concatenated, per-contig slices in the manifest):

* `tx_num` int64 (T, TX_COLUMNS): the columns named below;
* `tx_exon` int32 (E, 2): exon starts and ends (1-based, closed), genomic order per transcript;
* `tx_off`/`tx_blob`: per transcript `Gene_Name|Gene_ID|transcript|Feature_ID|BioType<TAB>tags`;
* `txi_start` int32, `txi_off` int32, `txi_ids` int32: elementary intervals over
  [start - FLANK, end + FLANK] of every transcript; interval k holds the transcripts
  `txi_ids[txi_off[k]:txi_off[k + 1]]` (ids local to the contig's slice of `tx_num`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .index_builder import feature_text
from .model import FLANK, Transcript, merge

# tx_num columns
TX_START, TX_END, TX_STRAND, TX_CDS_LO, TX_CDS_HI, TX_EXON0, TX_NEXON, TX_FLAGS, TX_PHASE = \
    range(9)
TX_COLUMNS = 9

# TX_FLAGS bits
MANE_SELECT, MANE_PLUS_CLINICAL, CANONICAL, BASIC, INCOMPLETE = 1, 2, 4, 8, 16
_TAG_BITS = {"MANE_Select": MANE_SELECT, "MANE_Plus_Clinical": MANE_PLUS_CLINICAL,
             "Ensembl_canonical": CANONICAL, "canonical": CANONICAL, "basic": BASIC}


def first_phase(tx: Transcript) -> int:
    """Phase of the 5'-most CDS piece (0 for a complete start), -1 when not given."""
    if not tx.cds:
        return -1
    pairs = list(zip(tx.cds, tx.phases or [-1] * len(tx.cds), strict=False))
    pairs.sort(reverse=tx.strand == "-")
    return pairs[0][1]


def transcript_rows(models: list[Transcript], incomplete: set[str]
                    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """tx_num rows, tx_exon rows and texts of one contig's transcripts (exon offsets local)."""
    num = np.zeros((len(models), TX_COLUMNS), dtype=np.int64)
    exons: list[tuple[int, int]] = []
    texts = []
    for k, tx in enumerate(models):
        ex = merge(tx.exons)
        flags = INCOMPLETE if tx.transcript_id in incomplete else 0
        for t in tx.tags:
            flags |= _TAG_BITS.get(t, 0)
        lo = min((s for s, _ in tx.cds), default=0)
        hi = max((e for _, e in tx.cds), default=0)
        num[k] = (tx.start, tx.end, -1 if tx.strand == "-" else 1, lo, hi, len(exons),
                  len(ex), flags, first_phase(tx))
        exons.extend(ex)
        feat = feature_text(tx.gene_name, tx.gene_id, "transcript", tx.transcript_id, tx.biotype)
        level = f"level={tx.level}" if tx.level else ""
        texts.append(feat + "\t" + ",".join([*tx.tags, level] if level else tx.tags))
    ex_arr = np.asarray(exons, dtype=np.int32).reshape(-1, 2)
    return num, ex_arr, texts


def overlap_index(num: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elementary intervals of the transcripts' [start - FLANK, end + FLANK] spans."""
    lo = np.maximum(num[:, TX_START] - FLANK, 1)
    hi = num[:, TX_END] + FLANK + 1  # exclusive
    events = sorted([(int(a), 1, k) for k, a in enumerate(lo)]
                    + [(int(b), 0, k) for k, b in enumerate(hi)])
    starts: list[int] = [1]
    sets: list[tuple[int, ...]] = [()]
    active: set[int] = set()
    i = 0
    while i < len(events):
        pos = events[i][0]
        while i < len(events) and events[i][0] == pos:
            _, kind, k = events[i]
            if kind:
                active.add(k)
            else:
                active.discard(k)
            i += 1
        now = tuple(sorted(active))
        if now != sets[-1]:
            if starts[-1] == pos:
                starts.pop()
                sets.pop()
            starts.append(pos)
            sets.append(now)
    off = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=off[1:])
    ids = np.fromiter((k for s in sets for k in s), dtype=np.int32, count=int(off[-1]))
    return np.asarray(starts, dtype=np.int32), off, ids


def concat_index(parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Concatenate per-contig overlap indexes; offsets become global, slices returned."""
    starts, offs, ids, slices = [], [], [], []
    n_iv = n_ids = 0
    for s, o, i in parts:
        starts.append(s)
        offs.append(o[:-1] + n_ids)
        ids.append(i)
        slices.append((n_iv, n_iv + len(s)))
        n_iv += len(s)
        n_ids += len(i)
    offs.append(np.asarray([n_ids]))
    return (np.concatenate(starts) if starts else np.zeros(0, np.int32),
            np.concatenate(offs).astype(np.int64),
            np.concatenate(ids) if ids else np.zeros(0, np.int32), slices)
