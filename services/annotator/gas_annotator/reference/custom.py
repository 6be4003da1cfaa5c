"""`gas reference build`: a bundle from a user's GTF/GFF3 and an optional known-variant VCF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .bundle import KnownVariant, sha256_file, write_bundle
from .contigs import BUILD_LENGTHS
from .gtf import read_models
from .known_vcf import read_known_vcf


def build_custom(annotation: Path, fmt: str, dest: Path, name: str, build: str = "",
                 known: Path | None = None, say: Callable[[str], None] | None = None) -> Path:
    """Read the annotation (fmt 'gtf' or 'gff3') and known VCF, write the bundle to dest."""
    say = say or (lambda _m: None)
    say(f"reading {annotation.name}")
    models, lengths = read_models(annotation, fmt, lambda n: say(f"  {n:,} lines"))
    say(f"{len(models):,} transcripts")
    # A standard build name gives contig lengths, used to detect inputs of another build.
    standard = next((b for b in BUILD_LENGTHS if b.lower() == build.lower()), None)
    if standard:
        build = standard
        lengths = {**BUILD_LENGTHS[standard], **lengths}
    variants: list[KnownVariant] = []
    if known is not None:
        say(f"reading known variants from {known.name}")
        variants = list(read_known_vcf(known, lambda n: say(f"  {n:,} lines")))
        say(f"{len(variants):,} known alleles")
    sources = {"annotation": {"file": annotation.name, "format": fmt,
                              "sha256": sha256_file(annotation)}}
    if known is not None:
        sources["known_variants"] = {"file": known.name, "sha256": sha256_file(known)}
    meta = {
        "name": name, "build": build, "version": sources["annotation"]["sha256"][:12],
        "source": sources,
        "coordinate_convention": {
            "annotation": f"{fmt.upper()}: 1-based closed (as the format defines); a GTF CDS "
                          "excludes the stop codon, which is added back from stop_codon rows",
            "known_variants": "VCF POS, 1-based",
        },
    }
    return write_bundle(dest, models, variants, meta, lengths, say)
