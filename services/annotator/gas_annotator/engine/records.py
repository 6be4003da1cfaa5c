"""Records: consecutive VCF records on one contig, as the columns the annotator reads and
writes (vcf_columns.parse makes them; vcf_columns.write writes the lines back)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class Records:
    """pos, refs and alts as read; info and ids as they will be written (the input's
    until set). ids is None when no source adds IDs (the input's are written)."""

    pos: np.ndarray
    refs: list[str]
    alts: list[str]
    info: list[str]
    ids: list[str] | None

    def __len__(self) -> int:
        return len(self.refs)

    def set_info(self, ks: list[int], texts: list[str]) -> None:
        """info[ks[i]] = texts[i] (a C-level loop: this runs for most records)."""
        deque(map(self.info.__setitem__, ks, texts), maxlen=0)
