"""Detect an input built on another assembly than the reference (header and contig lengths)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..reference.bundle import Reference
from ..reference.contigs import build_from_lengths, build_from_text, canonical_contig
from .header import Header
from .summary import Stats

RCRS_LENGTH = 16569


@dataclass
class BuildCheck:
    """Contigs not to annotate, and what to tell the user."""

    all_blocked: bool = False
    blocked: set[str] = field(default_factory=set)  # bundle contig names
    warnings: list[str] = field(default_factory=list)
    declared: str | None = None

    def is_blocked(self, contig: str) -> bool:
        """True when records on this (bundle) contig must not be annotated."""
        return self.all_blocked or contig in self.blocked


def check_build(h: Header, ref: Reference) -> BuildCheck:
    """Compare the header's ##reference/##contig information with the bundle."""
    bc = BuildCheck()
    builds = {b for b in (build_from_text(t) for t in h.references) if b}
    canon_lengths = {canonical_contig(k): v for k, v in h.contig_lengths.items()}
    by_length = build_from_lengths(canon_lengths)
    if by_length:
        builds.add(by_length)
    for name, length in h.contig_lengths.items():
        c = ref.contig(name)
        want = ref.length(c) if c else None
        if c and want and want != length:
            bc.blocked.add(c)
            bc.warnings.append(f"build mismatch: contig {name} has length {length} in the file "
                               f"header but {want} in reference {ref.name} ({ref.build})")
    mt = ref.contig("MT")
    mt_length = ref.length(mt) if mt else None
    if any("rcrs" in t.lower() for t in h.references) and mt_length and mt_length != RCRS_LENGTH:
        # e.g. UCSC hg19, whose chrM is the older Yoruba sequence (16,571 bp)
        bc.blocked.add("MT")
        bc.warnings.append(f"build mismatch: the file's mitochondrial sequence is rCRS "
                           f"({RCRS_LENGTH} bp) but reference {ref.name} has a {mt_length} bp "
                           "MT; MT records were not annotated")
    if len(builds) == 1 and ref.build:
        bc.declared = builds.pop()
        if bc.declared != ref.build:
            bc.all_blocked = True
            fix = {"GRCh37": "gas reference install grch37", "GRCh38":
                   "gas reference install grch38"}.get(bc.declared,
                                                       f"gas reference build ... --build "
                                                       f"{bc.declared}")
            bc.warnings.append(
                f"build mismatch: the file header says {bc.declared} "
                f"({', '.join(sorted(set(h.references))) or 'contig lengths'}) but the "
                f"reference is {ref.name} ({ref.build}); records were not annotated. Lift the "
                f"file over to {ref.build}, or annotate it with a {bc.declared} reference "
                f"({fix}, then --reference)")
    return bc


# Reasons that say the reference does not fit the file (as opposed to alleles, such as
# symbolic ones, that no bundle annotates).
NOT_FITTING = ("build mismatch", "unknown contig",
               "position beyond the end of the contig (build mismatch?)")


def not_fitting(stats: Stats) -> bool:
    """True when some records were refused because the reference does not fit them."""
    return any(stats.unannotated.get(r) for r in NOT_FITTING)


def nothing_annotated(stats: Stats, ref: Reference) -> str:
    """The failure reason of a run that annotated none of its records."""
    reasons = ", ".join(f"{why}: {n}" for why, n in stats.unannotated.most_common())
    why = next((w for w in stats.warnings if w.startswith("build mismatch")), None)
    if why is None and stats.unknown_contigs:
        names = ", ".join(list(stats.unknown_contigs)[:5])
        why = (f"reference {ref.name} ({ref.build or 'no build'}) has no contig {names}; "
               "is the file of another organism or build?")
    return (f"none of the {stats.total} records could be annotated ({reasons or 'no ALT allele'})"
            + (f": {why}" if why else ""))
