"""The terms of an SNV in an intron near its ends, by table (placing.pyx looks them up).

They depend only on the SNV's distances to the intron's 5' (donor) and 3' (acceptor)
ends, in the transcript's direction (and on the intron's length, which these two give):
a table made once from consequence.intron_terms, so both paths share the rules.
"""

from __future__ import annotations

import numpy as np

from .consequence import intron_terms
from .so_terms import joined

DEPTH = 19  # intron bases from an end where a term can apply (17: VEP's polypyrimidine
# tract), plus one for 'deeper'


def _table() -> tuple[np.ndarray, list[tuple[str, str, int]]]:
    """(index in the term list by [bases from the 5' end (1: the intron's first base), from
    the 3' end], each clipped at DEPTH; the term lists ('a&b', impact, rank))."""
    index = np.zeros((DEPTH + 1, DEPTH + 1), np.int64)
    lists: list[tuple[str, str, int]] = []
    for d5 in range(1, DEPTH + 1):
        for d3 in range(1, DEPTH + 1):
            # an intron of d5 + d3 - 1 bases on the + strand (one of at least DEPTH bases
            # when either is clipped: the same terms as a longer one)
            a = 1000
            got = joined(intron_terms(True, a, a + d5 + d3 - 2, a + d5 - 1, a + d5 - 1))
            if got not in lists:
                lists.append(got)
            index[d5, d3] = lists.index(got)
    return index, lists


INDEX, TERM_LISTS = _table()
