"""fast_path.place (compiled: placing.pyx) on one two-exon coding transcript, by hand.

Exons 100-199 and 300-399, CDS 150-349: 200 cDNA bases, c1 = 51 and c2 = 150 on either
strand. test_fast_path.py compares the whole fast path with consequence.py at random.
"""

from __future__ import annotations

import numpy as np
import pytest
from gas_annotator.engine import placing
from gas_annotator.engine.fast_path import (
    CDS,
    DOWNSTREAM,
    FAR,
    INTRON,
    SPLICE,
    UPSTREAM,
    UTR3,
    UTR5,
    ContigTables,
    place,
)
from gas_annotator.engine.splice_sites import DEPTH, INDEX
from gas_annotator.reference.transcripts import (
    TX_CDS_HI,
    TX_CDS_LO,
    TX_COLUMNS,
    TX_END,
    TX_EXON0,
    TX_NEXON,
    TX_START,
    TX_STRAND,
)


def _tables(strand: int) -> ContigTables:
    num = np.zeros((1, TX_COLUMNS), np.int64)
    num[0, [TX_START, TX_END, TX_STRAND, TX_CDS_LO, TX_CDS_HI, TX_EXON0, TX_NEXON]] = \
        [100, 399, strand, 150, 349, 0, 2]
    return ContigTables(num, np.array([[100, 199], [300, 399]], np.int64), 0, 1)


# position: (kind, rank, HGVS prefix (0 plain, 1 '-', 2 '*'), number, offset)
PLUS = {
    50: (UPSTREAM, 0, 1, 100, 0),  # c.-100: 50 bases before the 50-base 5' UTR
    120: (UTR5, 1, 1, 30, 0),  # c.-30
    160: (CDS, 1, 0, 11, 0),  # c.11
    205: (SPLICE + INDEX[6, DEPTH], 1, 0, 50, 6),  # c.50+6
    250: (INTRON, 1, 0, 51, -50),  # c.51-50: nearer the next exon
    380: (UTR3, 2, 2, 31, 0),  # c.*31
    450: (DOWNSTREAM, 0, 2, 101, 0),  # c.*101
    5500: (FAR, 0, 2, 5151, 0),
}
MINUS = {
    450: (UPSTREAM, 0, 1, 101, 0),  # c.-101
    380: (UTR5, 1, 1, 31, 0),  # cDNA 20: c.-31
    250: (INTRON, 1, 0, 50, 50),  # c.50+50: nearer exon 2, the 5' one on this strand
    120: (UTR3, 2, 2, 30, 0),  # cDNA 180: c.*30
    50: (DOWNSTREAM, 0, 2, 100, 0),
}


@pytest.mark.parametrize(("strand", "expected"), [(1, PLUS), (-1, MINUS)])
def test_pairs_by_hand(strand: int, expected: dict) -> None:
    p = np.array(list(expected), np.int64)
    got = place(_tables(strand), np.zeros(len(p), np.int64), p)
    found = {int(x): (int(k), int(r), int(pre), int(n), int(o)) for x, k, r, pre, n, o in zip(
        p, got["kind"], got["rank"], got["pre"], got["num"], got["off"], strict=True)}
    assert found == {x: tuple(int(v) for v in e) for x, e in expected.items()}


def test_bad_input_is_refused() -> None:
    tab = _tables(1)
    args = (tab.plus_u8, tab.start, tab.end, tab.nexon, tab.length, tab.c1, tab.c2,
            tab.coding_u8, tab.base, tab.es, tab.ee, tab.cum)
    from gas_annotator.engine.fast_path import _PLACING, _SPLICE_INDEX

    one = np.array([120], np.int64)
    with pytest.raises(IndexError):
        placing.place(np.array([1], np.int64), one, *args, _SPLICE_INDEX, _PLACING)
    with pytest.raises(ValueError, match="length"):
        placing.place(np.zeros(2, np.int64), one, *args, _SPLICE_INDEX, _PLACING)
    with pytest.raises(ValueError, match="constants"):
        placing.place(np.zeros(1, np.int64), one, *args, _SPLICE_INDEX, _PLACING[:-1])
