"""Per-transcript consequence terms: most severe first, with the SnpEff/VEP impact."""

from __future__ import annotations

# (term, impact), most severe first (VEP's order; SnpEff's conservative/disruptive names).
CONSEQUENCES = [
    ("splice_acceptor_variant", "HIGH"),
    ("splice_donor_variant", "HIGH"),
    ("stop_gained", "HIGH"),
    ("frameshift_variant", "HIGH"),
    ("stop_lost", "HIGH"),
    ("start_lost", "HIGH"),
    ("disruptive_inframe_insertion", "MODERATE"),
    ("disruptive_inframe_deletion", "MODERATE"),
    ("conservative_inframe_insertion", "MODERATE"),
    ("conservative_inframe_deletion", "MODERATE"),
    ("missense_variant", "MODERATE"),
    ("splice_region_variant", "LOW"),
    ("start_retained_variant", "LOW"),
    ("stop_retained_variant", "LOW"),
    ("synonymous_variant", "LOW"),
    ("coding_sequence_variant", "MODIFIER"),
    ("5_prime_UTR_premature_start_codon_gain_variant", "LOW"),
    ("5_prime_UTR_variant", "MODIFIER"),
    ("3_prime_UTR_variant", "MODIFIER"),
    ("non_coding_transcript_exon_variant", "MODIFIER"),
    ("intron_variant", "MODIFIER"),
    ("upstream_gene_variant", "MODIFIER"),
    ("downstream_gene_variant", "MODIFIER"),
    ("intergenic_region", "MODIFIER"),
]
RANK = {t: i for i, (t, _) in enumerate(CONSEQUENCES)}
IMPACT = dict(CONSEQUENCES)
TERM_NAMES = [t for t, _ in CONSEQUENCES]


def joined(terms: set[str]) -> tuple[str, str, int]:
    """('a&b' most severe first, impact of the most severe, its rank)."""
    order = sorted(terms, key=RANK.__getitem__)
    return "&".join(order), IMPACT[order[0]], RANK[order[0]]
