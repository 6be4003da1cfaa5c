"""The genome sequence in a bundle: 2 bits a base plus a list of N runs, memory-mapped.

Why 2-bit and not bgzip+fai: a consequence needs a few dozen bases at a time at random
places; a 2-bit slice is a numpy view and a table lookup (about 2 us for 100 bases), while
a bgzip read inflates a 64 KB block (about 150 us) and needs pysam or pyfaidx. The 2-bit
form is also smaller on disk than bgzip for DNA (1/4 byte a base; bgzip ~0.27-0.3).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .contigs import canonical_contig

# A=0 C=1 G=2 T=3; every other letter is stored as A and listed in the N runs.
_CODE = np.zeros(256, dtype=np.uint8)
for _b, _v in zip(b"ACGT", range(4), strict=True):
    _CODE[_b] = _v
    _CODE[_b + 32] = _v  # lowercase (soft-masked) bases are plain bases here
_IS_BASE = np.zeros(256, dtype=bool)
_IS_BASE[list(b"ACGTacgt")] = True
# packed byte -> its four bases as text (first base in the high bits), the four bytes
# held as one uint32: a lookup is then a plain take, ten times faster than rows of a
# (256, 4) table
_UNPACK = np.array([[b"ACGT"[(v >> s) & 3] for s in (6, 4, 2, 0)] for v in range(256)],
                   dtype=np.uint8).view(np.uint32).reshape(256)


def read_fasta(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, sequence) per record of a FASTA file: plain, gzip or bgzip."""
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    name: str | None = None
    chunks: list[bytes] = []
    with opener(path, "rb") as f:
        for line in f:
            if line.startswith(b">"):
                if name is not None:
                    yield name, b"".join(chunks)
                name = line[1:].split()[0].decode() if line[1:].split() else ""
                chunks = []
            elif name is not None:
                chunks.append(line.strip())
    if name is not None:
        yield name, b"".join(chunks)


def pack(seq: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(2-bit packed bytes, N runs as [start, end) pairs, 0-based) of one sequence."""
    raw = np.frombuffer(seq, dtype=np.uint8)
    codes = _CODE[raw]
    pad = (-len(codes)) % 4
    if pad:
        codes = np.concatenate([codes, np.zeros(pad, np.uint8)])
    q = codes.reshape(-1, 4)
    packed = (q[:, 0] << 6) | (q[:, 1] << 4) | (q[:, 2] << 2) | q[:, 3]
    other = ~_IS_BASE[raw]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], other.view(np.int8), [0]])))
    return packed.astype(np.uint8), edges.reshape(-1, 2).astype(np.int64)


def pack_fasta(path: Path, say: Callable[[str], None]) -> dict[str, tuple[np.ndarray, np.ndarray,
                                                                         int]]:
    """Every record of a FASTA file, packed, by canonical contig name (with its length)."""
    out = {}
    for name, seq in read_fasta(path):
        packed, nruns = pack(seq)
        out[canonical_contig(name)] = (packed, nruns, len(seq))
        say(f"  sequence {name}: {len(seq):,} bases, {len(nruns):,} N runs")
    return out


class Genome:
    """Reads bases out of a bundle's packed sequence (memory-mapped)."""

    def __init__(self, packed: np.ndarray, nruns: np.ndarray, contigs: dict[str, dict]) -> None:
        self.packed, self.nruns = packed, nruns
        # contig -> (byte offset, length, first N run, end N run)
        self.where = {c: tuple(info["sequence"]) for c, info in contigs.items()
                      if info.get("sequence")}

    def has(self, contig: str) -> bool:
        """True when the bundle holds this contig's sequence."""
        return contig in self.where

    def bases_at(self, contig: str, positions: np.ndarray) -> str:
        """The base at each 1-based position, one character each (uppercase; N past the end
        or in an N run)."""
        off, length, na, nb = self.where[contig]
        p = np.clip(positions, 1, max(length, 1)) - 1
        codes = (self.packed[off + (p >> 2)] >> (6 - 2 * (p & 3)).astype(np.uint8)) & 3
        out = np.frombuffer(b"ACGT", np.uint8)[codes]
        bad = (positions < 1) | (positions > length)
        if nb > na:
            runs = self.nruns[na:nb]
            k = np.searchsorted(runs[:, 1], p, "right")
            inside = k < len(runs)
            bad |= inside & (runs[np.minimum(k, len(runs) - 1), 0] <= p)
        out[bad] = ord("N")
        return out.tobytes().decode()

    def fetch(self, contig: str, start: int, end: int) -> str:
        """Bases start..end (1-based, closed), uppercase; '' outside the contig."""
        return self.fetch_bytes(contig, start, end).tobytes().decode()

    def fetch_bytes(self, contig: str, start: int, end: int) -> np.ndarray:
        """fetch's bases as ASCII codes (uint8), without making a str."""
        off, length, na, nb = self.where[contig]
        start, end = max(start, 1), min(end, length)
        if end < start:
            return np.zeros(0, np.uint8)
        a, b = start - 1, end  # 0-based half-open
        first, last = a >> 2, (b + 3) >> 2
        text = _UNPACK.take(self.packed[off + first:off + last]).view(np.uint8)
        s = a - (first << 2)
        seq = text[s:s + (b - a)]
        if nb > na:
            runs = self.nruns[na:nb]
            k = int(np.searchsorted(runs[:, 1], a, "right"))
            if k < len(runs) and runs[k, 0] < b:
                seq = seq.copy()
                while k < len(runs) and runs[k, 0] < b:
                    seq[max(runs[k, 0] - a, 0):max(min(runs[k, 1], b) - a, 0)] = ord("N")
                    k += 1
        return seq


def fetcher(sequence: dict[str, tuple[np.ndarray, np.ndarray, int]]
            ) -> Callable[[str, int, int], str]:
    """fetch(contig, start, end) over packed records (as `pack_fasta` gives them): ''
    for a contig the FASTA lacks."""
    genomes = {c: Genome(p, n, {c: {"sequence": [0, length, 0, len(n)]}})
               for c, (p, n, length) in sequence.items()}

    def fetch(contig: str, start: int, end: int) -> str:
        g = genomes.get(contig)
        return g.fetch(contig, start, end) if g is not None else ""

    return fetch
