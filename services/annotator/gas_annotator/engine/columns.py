"""ANN text built column-wise with Arrow's string kernels (C++), not per entry in Python.

A batch's entries are rows of a few columns (allele, head, rank, HGVS.c, ...); one
`binary_join_element_wise` writes them all. Each entry starts with its separator: ","
or, for a record's first entry, the record's lead ("VC=...;ANN="), and the last one
ends with the record's tail (";PICK=..."). A record's text is then one slice of the
joined buffer, so the per-record strings are cut out without another copy.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Piece: TypeAlias = pa.Array | str


def text(values: np.ndarray, absent: np.ndarray | None = None) -> pa.Array:
    """Integers as decimal text (null, i.e. nothing, where `absent`)."""
    return pc.cast(pa.array(values, mask=absent), pa.string())


def pick(strings: list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """strings[index] as an Arrow array."""
    table = strings if isinstance(strings, pa.Array) else pa.array(strings, pa.string())
    return table.take(pa.array(index))


def concat(*pieces: Piece) -> pa.Array:
    """Element-wise concatenation; a null piece counts as empty text."""
    return pc.binary_join_element_wise(*pieces, "", null_handling="skip")


def records(starts: np.ndarray, leads: list[str], tails: list[str] | None,
            *pieces: Piece) -> list[str]:
    """One text per record from its entries (the pieces, grouped: entries of record g are
    starts[g]..starts[g + 1] - 1): leads[g] + entry + "," + entry ... + tails[g]."""
    n = int(starts[-1])
    first = np.zeros(n, np.int64)  # 0: "," ; g + 1: leads[g]
    first[starts[:-1]] = np.arange(1, len(starts), dtype=np.int64)
    parts: list[Piece] = [pick([","] + leads, first), *pieces]
    if tails is not None:
        last = np.zeros(n, np.int64)  # 0: nothing ; g + 1: tails[g]
        last[starts[1:] - 1] = np.arange(1, len(starts), dtype=np.int64)
        parts.append(pick([""] + tails, last))
    joined = concat(*parts)
    _, offsets, data = joined.buffers()
    cuts = np.frombuffer(offsets, np.int32)[joined.offset + starts]
    return pa.StringArray.from_buffers(len(starts) - 1, pa.py_buffer(cuts), data).to_pylist()

