"""ANN text built column-wise: a batch's entries written in one pass, not per entry in Python.

A batch's entries are rows of a few pieces (allele, head, rank, HGVS.c, ...): text taken
from a table by index (pick), integers in decimal (text), or one fixed text. `records`
writes entry after entry, piece after piece, into one byte buffer (the compiled
entry_text module) and cuts it into one str per record. Each entry starts with
its separator: "," or, for a record's first entry, the record's lead ("VC=...;ANN="), and
the last one ends with the record's tail (";PICK=...").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypeAlias

import numpy as np

from . import entry_text

_PAD = bytes(entry_text.PAD)  # after every text given to entry_text


def _encode(text: str) -> bytes:
    # surrogateescape: bytes of the input that are not UTF-8 (read that way) come back
    # as they were; entry_text decodes the same way
    return text.encode("utf-8", "surrogateescape")


class Table:
    """Texts as one UTF-8 buffer (and padding) and their bounds, for pick."""

    __slots__ = ("blob", "offsets")

    def __init__(self, texts: Sequence[str]) -> None:
        self.blob, self.offsets = entry_text.table(texts)

    @classmethod
    def of_bytes(cls, blob: np.ndarray, offsets: np.ndarray) -> Table:
        """A table over text already in a buffer (ASCII or UTF-8): item i is
        blob[offsets[i]:offsets[i + 1]]."""
        table = cls.__new__(cls)
        table.blob = np.concatenate([np.asarray(blob, np.uint8), np.zeros(len(_PAD), np.uint8)])
        table.offsets = np.ascontiguousarray(offsets, np.int64)
        return table

    def to_list(self) -> list[str]:
        data, at = self.blob.tobytes(), self.offsets.tolist()
        return [data[a:b].decode("utf-8", "surrogateescape")
                for a, b in zip(at[:-1], at[1:], strict=True)]


class Pick(NamedTuple):
    table: Table
    at: np.ndarray


class Text(NamedTuple):
    values: np.ndarray
    absent: np.ndarray | None


Piece: TypeAlias = Pick | Text | str


def text(values: np.ndarray, absent: np.ndarray | None = None) -> Text:
    """Integers as decimal text (nothing where `absent`)."""
    return Text(np.ascontiguousarray(values, np.int64),
                None if absent is None else np.ascontiguousarray(absent, np.uint8))


def pick(strings: Sequence[str] | Table, index: np.ndarray) -> Pick:
    """strings[index]."""
    table = strings if isinstance(strings, Table) else Table(strings)
    return Pick(table, np.ascontiguousarray(index, np.int64))


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
    specs: list[tuple] = []
    for p in parts:
        if isinstance(p, str):
            specs.append((entry_text.TEXT, _encode(p) + _PAD))
        elif isinstance(p, Pick):
            specs.append((entry_text.PICK, p.at, p.table.blob, p.table.offsets))
        else:
            specs.append((entry_text.NUMBER, p.values, p.absent))
    return entry_text.records(np.ascontiguousarray(starts, np.int64), specs)
