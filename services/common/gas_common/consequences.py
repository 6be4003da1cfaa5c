"""Sequence Ontology consequence terms, most severe first, with their impact.

The order and impacts follow Ensembl VEP's consequence table, with the terms
SnpEff uses where VEP has none. The results tables rank consequences with it and
the web service checks a consequence filter against it.
"""

from __future__ import annotations

import functools

IMPACTS = ("HIGH", "MODERATE", "LOW", "MODIFIER")

TERMS: tuple[tuple[str, str], ...] = (
    ("chromosome_number_variation", "HIGH"),
    ("exon_loss_variant", "HIGH"),
    ("transcript_ablation", "HIGH"),
    ("splice_acceptor_variant", "HIGH"),
    ("splice_donor_variant", "HIGH"),
    ("stop_gained", "HIGH"),
    ("frameshift_variant", "HIGH"),
    ("stop_lost", "HIGH"),
    ("start_lost", "HIGH"),
    ("transcript_amplification", "HIGH"),
    ("feature_elongation", "HIGH"),
    ("feature_truncation", "HIGH"),
    ("rare_amino_acid_variant", "HIGH"),
    ("gene_fusion", "HIGH"),
    ("inframe_insertion", "MODERATE"),
    ("disruptive_inframe_insertion", "MODERATE"),
    ("conservative_inframe_insertion", "MODERATE"),
    ("inframe_deletion", "MODERATE"),
    ("disruptive_inframe_deletion", "MODERATE"),
    ("conservative_inframe_deletion", "MODERATE"),
    ("missense_variant", "MODERATE"),
    ("protein_altering_variant", "MODERATE"),
    ("5_prime_UTR_truncation", "MODERATE"),
    ("3_prime_UTR_truncation", "MODERATE"),
    ("splice_donor_5th_base_variant", "LOW"),
    ("splice_region_variant", "LOW"),
    ("splice_donor_region_variant", "LOW"),
    ("splice_polypyrimidine_tract_variant", "LOW"),
    ("incomplete_terminal_codon_variant", "LOW"),
    ("initiator_codon_variant", "LOW"),
    ("start_retained_variant", "LOW"),
    ("stop_retained_variant", "LOW"),
    ("synonymous_variant", "LOW"),
    ("5_prime_UTR_premature_start_codon_gain_variant", "LOW"),
    ("coding_sequence_variant", "MODIFIER"),
    ("mature_miRNA_variant", "MODIFIER"),
    ("5_prime_UTR_variant", "MODIFIER"),
    ("3_prime_UTR_variant", "MODIFIER"),
    ("non_coding_transcript_exon_variant", "MODIFIER"),
    ("exon_variant", "MODIFIER"),
    ("intron_variant", "MODIFIER"),
    ("NMD_transcript_variant", "MODIFIER"),
    ("non_coding_transcript_variant", "MODIFIER"),
    ("coding_transcript_variant", "MODIFIER"),
    ("upstream_gene_variant", "MODIFIER"),
    ("downstream_gene_variant", "MODIFIER"),
    ("TFBS_ablation", "MODIFIER"),
    ("TFBS_amplification", "MODIFIER"),
    ("TF_binding_site_variant", "MODIFIER"),
    ("regulatory_region_ablation", "MODIFIER"),
    ("regulatory_region_amplification", "MODIFIER"),
    ("regulatory_region_variant", "MODIFIER"),
    ("gene_variant", "MODIFIER"),
    ("transcript_variant", "MODIFIER"),
    ("intragenic_variant", "MODIFIER"),
    ("intergenic_variant", "MODIFIER"),
    ("intergenic_region", "MODIFIER"),
    ("sequence_feature", "MODIFIER"),
    ("sequence_variant", "MODIFIER"),
)

RANK = {term: i for i, (term, _) in enumerate(TERMS)}
IMPACT_OF = dict(TERMS)
UNKNOWN_RANK = len(TERMS)  # a term not listed here sorts after every known one
INTERGENIC = frozenset({"intergenic_region", "intergenic_variant"})
# Terms that change or may change a protein: what "coding only" keeps.
CODING = frozenset(t for t, impact in TERMS if impact in ("HIGH", "MODERATE")) | {
    "synonymous_variant", "stop_retained_variant", "start_retained_variant",
    "incomplete_terminal_codon_variant", "initiator_codon_variant", "coding_sequence_variant",
}


def rank(term: str) -> int:
    """Severity rank of one term (0 = most severe)."""
    return RANK.get(term, UNKNOWN_RANK)


@functools.lru_cache(maxsize=4096)
def most_severe(terms: str) -> str:
    """The most severe of `&`-joined terms (SnpEff's Annotation field)."""
    return min(terms.split("&"), key=rank) if terms else ""
