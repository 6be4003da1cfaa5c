"""The per-transcript consequence terms this engine gives.

Their order (most severe first) and impacts are gas_common.consequences', the one
table the results tables and the web service use too.
"""

from __future__ import annotations

from gas_common.consequences import IMPACT_OF, RANK, TERMS

TERM_NAMES = [term for term, _ in TERMS]  # by rank: TERM_NAMES[RANK[t]] == t


def joined(terms: set[str]) -> tuple[str, str, int]:
    """('a&b' most severe first, impact of the most severe, its rank)."""
    order = sorted(terms, key=RANK.__getitem__)
    return "&".join(order), IMPACT_OF[order[0]], RANK[order[0]]
