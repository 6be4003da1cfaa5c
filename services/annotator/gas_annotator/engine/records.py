"""Records: consecutive VCF records on one contig, as the columns the annotator reads and
writes (vcf_columns.parse makes them; vcf_columns.write writes the lines back)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class Records:
    """pos, refs and alts as read; info and ids as they will be written (the input's
    until set). ids is None when no source adds IDs (the input's are written). ref_len
    and alt_len: the lengths of REF and ALT; ref_cp and alt_cp: the code point of a
    one-character REF or ALT (0 when longer or empty)."""

    pos: np.ndarray
    refs: list[str]
    alts: list[str]
    info: list[str]
    ids: list[str] | None
    ref_len: np.ndarray
    alt_len: np.ndarray
    ref_cp: np.ndarray
    alt_cp: np.ndarray

    def __len__(self) -> int:
        return len(self.refs)

    def part(self, a: int, b: int) -> Records:
        """Records a..b-1 (their info and ids are copies: see put_back)."""
        if a == 0 and b == len(self):
            return self
        return Records(self.pos[a:b], self.refs[a:b], self.alts[a:b], self.info[a:b],
                       None if self.ids is None else self.ids[a:b], self.ref_len[a:b],
                       self.alt_len[a:b], self.ref_cp[a:b], self.alt_cp[a:b])

    def put_back(self, a: int, part: Records) -> None:
        """Take the info and ids written to part (made by part(a, ...))."""
        self.info[a:a + len(part)] = part.info
        if self.ids is not None and part.ids is not None:
            self.ids[a:a + len(part)] = part.ids

    def set_info(self, ks: list[int], texts: list[str]) -> None:
        """info[ks[i]] = texts[i] (a C-level loop: this runs for most records)."""
        deque(map(self.info.__setitem__, ks, texts), maxlen=0)
