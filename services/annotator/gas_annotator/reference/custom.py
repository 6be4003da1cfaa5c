"""`gas reference build`: a bundle from a user's GTF/GFF3, an optional FASTA and sources."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .bundle import sha256_file, write_bundle
from .checks import check_models
from .contigs import BUILD_LENGTHS, canonical_contig
from .genome import fetcher, pack_fasta
from .gtf import AnnotationSourceError, read_models
from .sources import SourceSpec, compile_source


def build_custom(annotation: Path, fmt: str, dest: Path, name: str, build: str = "",
                 sources: list[SourceSpec] | None = None,
                 say: Callable[[str], None] | None = None,
                 fasta: Path | None = None) -> Path:
    """Read the annotation (fmt 'gtf' or 'gff3') and FASTA, compile the sources into dest."""
    say = say or (lambda _m: None)
    sources = sources or []
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"two sources are named the same ({', '.join(names)})")
    say(f"reading {annotation.name}")
    models, lengths = read_models(annotation, fmt, lambda n: say(f"  {n:,} lines"))
    say(f"{len(models):,} transcripts")
    # A standard build name gives contig lengths, used to detect inputs of another build.
    standard = next((b for b in BUILD_LENGTHS if b.lower() == build.lower()), None)
    if standard:
        build = standard
        lengths = {**BUILD_LENGTHS[standard], **lengths}
    files: dict[str, dict] = {"annotation": {"file": annotation.name, "format": fmt,
                                             "sha256": sha256_file(annotation)}}
    for s in sources:
        files[f"source {s.name}"] = {"file": s.path.name, "fields": s.fields,
                                     "sha256": sha256_file(s.path)}
    meta: dict = {
        "name": name, "build": build, "version": files["annotation"]["sha256"][:12],
        "source": files,
        "coordinate_convention": {
            "annotation": f"{fmt.upper()}: 1-based closed (as the format defines); a GTF CDS "
                          "excludes the stop codon, which is added back from stop_codon rows",
            "sources": "VCF POS, 1-based",
        },
    }
    if fasta is None:
        say("no FASTA: this bundle gives location terms only (no HGVS, no protein change)")
        return write_bundle(dest, models, [_compiler(s, say) for s in sources], meta, lengths,
                            say)
    say(f"reading {fasta.name}")
    sequence = pack_fasta(fasta, say)
    fetch = fetcher(sequence)  # source indels are left-aligned against it
    compilers = [_compiler(s, say, fetch) for s in sources]
    files["genome"] = {"file": fasta.name, "sha256": sha256_file(fasta)}
    for m in models:  # check_models compares canonical names
        m.contig = canonical_contig(m.contig)
    report = check_models(models, {c: n for c, (_, _, n) in sequence.items()})
    for line in report.problems:
        say(f"problem: {line}")
    meta["problems"] = {"counts": dict(report.counts), "details": report.problems}
    if not report.kept:
        raise AnnotationSourceError(
            f"no transcript of {annotation.name} fits {fasta.name} "
            f"({'; '.join(f'{k}: {v}' for k, v in report.counts.items()) or 'no transcripts'})")
    say(f"{len(report.kept):,} transcripts with sequence ({sum(report.counts.values()):,} "
        "problems)")
    return write_bundle(dest, models, compilers, meta, lengths, say, sequence, report.kept,
                        report.incomplete)


def _compiler(spec: SourceSpec, say: Callable[[str], None],
              fetch: Callable[[str, int, int], str] | None = None) -> Callable[[Path], dict]:
    return lambda folder: compile_source(spec, folder, say, fetch=fetch)
