"""A batch's pure insertions and deletions, moved 3' on each strand, with numpy.

What consequence.shift3 does per allele inside an intron or a flank, for many records at
once (the fast path, fast_path.py): each record's REF is checked against the genome, the
VCF padding trimmed, and the inserted or deleted bases rolled 3' on the + strand and on
the - strand within ROLL bases.

The roll: with G the genome from the first base after the change (in the strand's
direction) and A the moved bases followed by G, the change moves m bases where m is the
run A[j] == G[j] from j = 0 (for a deletion A is simply the genome from its first base);
the moved bases are then A[m:m + size]. Most indels move a few bases: the run is
measured over 4 bases first, then further where it reaches that (TRIES).

Records that are not that simple are left out (fast_path.py gives them to consequence.py):
REF or ALT not plain ASCII letters, REF not the genome's, not a pure insertion or
deletion, an N or the contig's end within ROLL bases, a roll of ROLL bases or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..reference.genome import Genome
from .columns import Table
from .variant_class import code_points

MAX_INDEL = 24  # REF + ALT letters of the indels tried here
ROLL = 200  # bases an indel may move 3' here (further: consequence.py)
TRIES = (4, 32, ROLL)  # bases a roll is measured over, until it stops within them
SPAN = 1 << 22  # a batch's records spread over more bases: their windows read one by one
DEL, DUP, INS = range(3)  # HGVS kind
_PAD = ROLL + 2 * MAX_INDEL  # bases read each side of POS (more than a roll can reach)
_COMPLEMENT = np.arange(256, dtype=np.uint8)  # as codons.revcomp (letters only here)
_COMPLEMENT[list(b"ACGT")] = list(b"TGCA")


@dataclass
class Shapes:
    """The records (index k in the input) that are simple indels, and per record and
    strand, at [record * 2 + (1 on the - strand)], the change after its 3' shift: lowest
    and highest base it involves, s..e (e = s for an insertion), HGVS kind and first and
    last base, whether it moved, and the inserted text in the strand's direction (only
    for kind INS; '' for the others)."""

    k: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    s: np.ndarray
    e: np.ndarray
    kind: np.ndarray
    first: np.ndarray
    last: np.ndarray
    shifted: np.ndarray
    text: Table


def shapes(genome: Genome, contig: str, pos: np.ndarray, refs: list[str], alts: list[str]
           ) -> Shapes:
    """The shapes of records pos/refs/alts (REF + ALT at most MAX_INDEL letters)."""
    n = len(pos)
    size_of, letters = _letters(refs + alts)
    n_ref, n_alt, ref, alt = size_of[:n], size_of[n:], letters[:n], letters[n:]
    bases = _Bases(genome, contig, pos)
    col = np.arange(letters.shape[1])
    # letters only (uppercase from here), REF as the genome has it
    good = ((n_ref > 0) & (n_alt > 0) & (n_ref + n_alt <= MAX_INDEL)
            & _all((ref == bases.at(np.arange(n), pos, 1, col)), n_ref))
    ins = n_alt > n_ref
    size = np.abs(n_alt - n_ref)
    # trimmed, a pure indel: the shorter one is the longer one's first p letters and last
    # short - p, p as long as it goes
    short, long = np.where(ins[:, None], ref, alt), np.where(ins[:, None], alt, ref)
    n_short = np.minimum(n_ref, n_alt)
    p = _run((short == long) & (col < n_short[:, None]))
    at_end = short == _pick(long, np.minimum(col + size[:, None], col[-1]))
    good &= (n_ref != n_alt) & ((at_end | (col < p[:, None]) | (col >= n_short[:, None]))
                                .all(axis=1))
    s0 = pos + p
    e0 = np.where(ins, s0 - 1, s0 + size - 1)
    # a window of ROLL bases each side with no N, inside the contig
    good &= (s0 - ROLL >= 2) & bases.clean(s0 - ROLL, np.maximum(e0, s0) + ROLL)
    k = np.flatnonzero(good)
    s0, e0, size, ins = s0[k], e0[k], size[k], ins[k]
    col = np.arange(max(size.max(initial=1), 1))
    seq = _pick(long[k], np.minimum(p[k, None] + col, letters.shape[1] - 1))
    seq[col >= size[:, None]] = 0
    # both strands at once: rows 0..m-1 the + strand (from the base after the change),
    # rows m..2m-1 the - strand (from the base before it, backwards)
    m = len(k)
    plus = np.arange(2 * m) < m
    back = _pick(seq, np.maximum(size[:, None] - 1 - col, 0))
    back[col >= size[:, None]] = 0
    roll = _Roll(bases, np.r_[k, k], np.r_[e0 + 1, s0 - 1], np.where(plus, 1, -1),
                 np.r_[seq, back], np.r_[size, size])
    # the + strand cannot reach the window's end: a deletion stops a base earlier there
    fits = roll.moved < np.where(plus & np.r_[ins, ins], ROLL, ROLL - 1)
    keep = fits[:m] & fits[m:]
    k, both = k[keep], np.r_[keep, keep]
    s0, e0, size, ins = (np.r_[x, x][both] for x in (s0, e0, size, ins))
    plus = plus[both]
    moved, dup, moved_seq = roll.moved[both], roll.dup[both], roll.moved_seq[both]
    step = np.where(plus, 1, -1)
    s, e = s0 + step * moved, e0 + step * moved
    dup &= ins
    kind = np.where(ins, np.where(dup, DUP, INS), DEL)
    # a deletion of s..e; an insertion between s - 1 and s, a dup of the bases before it
    # (+) or after it (-); lo/hi include the bases before the shift too (shift3 stays in
    # the element they start in)
    lo = np.where(ins, np.where(plus, np.minimum(s - size, s0 - 1), s - 1), np.minimum(s, s0))
    hi = np.where(ins, np.where(plus, s, np.maximum(s + size - 1, s0)), np.maximum(e, e0))
    first = np.where(ins, np.where(plus, s - np.where(dup, size, 1), s + dup * (size - 1)),
                     np.where(plus, s, e))
    last = np.where(ins, np.where(plus, s - dup, s - ~dup), np.where(plus, e, s))
    text = np.where(plus[:, None], moved_seq, _COMPLEMENT[moved_seq])
    n_text = np.where(kind == INS, size, 0)
    return Shapes(k, _by_record(lo), _by_record(hi), _by_record(s),
                  _by_record(np.where(ins, s, e)), _by_record(kind), _by_record(first),
                  _by_record(last), _by_record(moved > 0),
                  _strings(_by_record(text), _by_record(n_text)))


class _Roll:
    """Bases seq[:size] of records k (deleted ones, or inserted before base `after`)
    moved a base at a time in direction step, as far as the next bases repeat them:
    by how much, to what (moved_seq, padded with 0), and whether the size bases before
    them are the same (for an insertion, a dup)."""

    def __init__(self, bases: _Bases, k: np.ndarray, after: np.ndarray, step: np.ndarray,
                 seq: np.ndarray, size: np.ndarray) -> None:
        self.bases, self.k, self.after, self.step = bases, k, after, step
        self.seq, self.size = seq, size
        moved = np.zeros(len(k), np.int64)
        more = np.arange(len(k))
        for limit in TRIES:
            moved[more] = self.run(more, limit)
            more = more[moved[more] == limit]
        self.moved = moved
        # A[moved + y]: the moved bases after the roll; G[moved - size + y]: the size bases
        # before them (where moved + y >= size, the same bases)
        y = np.arange(seq.shape[1])
        a = moved[:, None] + y
        before = bases.at(k, after + step * (moved - size), step, y)
        self.moved_seq = np.where(a < size[:, None], _pick(seq, np.minimum(a, y[-1])), before)
        self.moved_seq[y >= size[:, None]] = 0
        self.dup = _all(before == self.moved_seq, size)

    def run(self, i: np.ndarray, limit: int) -> np.ndarray:
        """How far (up to limit) the genome repeats seq[:size] in rows i."""
        j = np.arange(limit)
        size = self.size[i, None]
        k, after, step = self.k[i], self.after[i], self.step[i]
        g = self.bases.at(k, after, step, j)
        a = np.where(j < size, self.seq[i][:, np.minimum(j, self.seq.shape[1] - 1)],
                     self.bases.at(k, after - step * size[:, 0], step, j))
        return _run(a == g)


class _Bases:
    """The genome's bases near some positions of a contig, as bytes (0 outside it): one
    stretch, or pieces around each position when they are spread out."""

    def __init__(self, genome: Genome, contig: str, pos: np.ndarray) -> None:
        lo, hi = (int(pos.min()), int(pos.max())) if len(pos) else (1, 0)
        piece = np.zeros(len(pos), np.int64)
        if not len(pos):
            spans = []
        elif hi - lo < SPAN:
            spans = [(max(lo - _PAD, 1), hi + _PAD)]
        else:
            spans = [(max(p - _PAD, 1), p + _PAD) for p in pos.tolist()]
            piece = np.arange(len(pos), dtype=np.int64)
        texts = [genome.fetch_bytes(contig, a, b) for a, b in spans]
        # each piece after _PAD zeros (and the last one before _PAD): reads past a piece
        # give 0
        lengths = np.array([len(t) for t in texts], np.int64)
        starts = np.cumsum(lengths + _PAD) - lengths
        zeros = np.zeros(_PAD, np.uint8)
        self.bytes = np.concatenate([x for t in texts for x in (zeros, t)] + [zeros])
        self.offset = (starts - np.array([a for a, _ in spans], np.int64))[piece]
        self.bad = np.flatnonzero((self.bytes == ord("N")) | (self.bytes == 0))

    def at(self, k: np.ndarray, where: np.ndarray, step: np.ndarray | int, j: np.ndarray
           ) -> np.ndarray:
        """Bases where[i] + step[i] * j[i, ...] of record k[i] (positions within _PAD of
        its POS)."""
        step = np.asarray(step)
        return self.bytes[(where + self.offset[k])[:, None] + step.reshape(-1, 1) * j]

    def clean(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether bases a[i]..b[i] of record i are all A, C, G or T."""
        return (np.searchsorted(self.bad, a + self.offset, "left")
                == np.searchsorted(self.bad, b + self.offset, "right"))


def _letters(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Length and letters of each string, one row a string as wide as the longest (at
    most MAX_INDEL): A-Z (uppercase), 0 after the end; a string longer than MAX_INDEL or
    with another character gets length 0."""
    n = np.fromiter(map(len, strings), np.int64, len(strings))
    upper = code_points("".join(strings)) & ~32  # a-z -> A-Z
    letter = (upper >= ord("A")) & (upper <= ord("Z"))
    others = np.zeros(len(upper) + 1, np.int64)  # characters that are not, up to each
    np.cumsum(~letter, out=others[1:])
    end = np.cumsum(n)
    n = np.where((others[end] == others[end - n]) & (n <= MAX_INDEL), n, 0)
    text = np.append(np.where(letter, upper, 0).astype(np.uint8), np.uint8(0))
    col = np.arange(max(n.max(initial=1), 1))
    return n, text[np.where(col < n[:, None], (end - n)[:, None] + col, -1)]


def _by_record(x: np.ndarray) -> np.ndarray:
    """Rows of the + strand then of the - strand -> record * 2 + (1 on the - strand)."""
    return x.reshape(2, -1, *x.shape[1:]).swapaxes(0, 1).reshape(-1, *x.shape[1:])


def _strings(letters: np.ndarray, n: np.ndarray) -> Table:
    """Texts of the first n[i] letters of each row."""
    offsets = np.zeros(len(n) + 1, np.int64)
    np.cumsum(n, out=offsets[1:])
    return Table.of_bytes(letters[np.arange(letters.shape[1]) < n[:, None]], offsets)


def _pick(rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """rows[i, at[i, j]]."""
    return rows.reshape(-1)[(np.arange(len(rows)) * rows.shape[1])[:, None] + at]


def _run(same: np.ndarray) -> np.ndarray:
    """Length of each row's leading run of True."""
    return np.where(same.all(axis=1), same.shape[1], same.argmin(axis=1))


def _all(same: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Whether the first n[i] values of each row are True."""
    return np.all(same | (np.arange(same.shape[1]) >= n[:, None]), axis=1)
