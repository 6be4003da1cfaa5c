"""Which bundle annotates an input: the build the input is on, and the bundle of that build.

The build comes from the header (``##reference``/``##assembly`` values, ``##contig``
lengths and assemblies) and, when the header says nothing, from the REF alleles of the
first records: against the bundle's genome when it has one, else at its known sites (a
file on another build agrees at chance level).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..reference.bundle import Reference
from ..reference.contigs import build_from_lengths, build_from_text, canonical_contig
from ..reference.store import default_reference, list_bundles, reference_dir
from .errors import AnnotationError
from .header import Header
from .loader import load_reference
from .sources import sources_of

# REF agreement at known sites: how many hits make evidence, and what share must agree.
MIN_SITES = 5
FITS = 0.9  # a bundle of the input's build agrees at (nearly) every known site
MISFITS = 0.5  # another build agrees by chance (about a third of the time)
SAMPLE_RECORDS = 5_000
GENOME_SAMPLE = 1_000  # records checked against a bundle's genome (every one is a site)


@dataclass(frozen=True)
class Auto:
    """Pick the installed bundle whose build matches the input.

    default: the bundle used when the build cannot be told (None: GAS_REFERENCE);
    base: where installed bundles are (None: GAS_REFERENCE_DIR).
    """

    default: str | Path | None = None
    base: Path | None = None


@dataclass
class Detected:
    """The input's build (None: cannot be told) and the evidence, for messages."""

    build: str | None
    evidence: str = ""


def lift_over(target: str) -> str:
    """What to do with a file of a build no bundle has."""
    return f"lift it over to {target or 'GRCh38'}, e.g. with CrossMap or Picard LiftoverVcf"


def header_build(h: Header) -> Detected:
    """The build named by the header's reference texts and contig lengths, if exactly one."""
    found: dict[str, str] = {}
    for text in h.references:
        b = build_from_text(text)
        if b:
            found.setdefault(b, f"header {text}")
    by_length = build_from_lengths({canonical_contig(k): v for k, v in h.contig_lengths.items()})
    if by_length:
        found.setdefault(by_length, "##contig lengths")
    if len(found) == 1:
        build, evidence = found.popitem()
        return Detected(build, evidence)
    return Detected(None, "")


def sample_rows(lines: list[str]) -> list[tuple[str, int, str]]:
    """(contig, POS, REF) of the first data lines; malformed ones are left to the engine."""
    out = []
    for ln in lines[:SAMPLE_RECORDS]:
        f = ln.split("\t", 4)
        if len(f) >= 4 and f[1].isdigit() and len(f[1]) < 11:
            out.append((f[0], int(f[1]), f[3].upper()))
    return out


def ref_agreement(ref: Reference, rows: list[tuple[str, int, str]]) -> tuple[int, int, str]:
    """(sites compared, sites whose REF agrees, what the sites are) of rows: against the
    bundle's genome when it has one, else against its known variants."""
    if ref.genome is not None:
        return (*genome_agreement(ref, rows[:GENOME_SAMPLE]), "positions of its genome")
    return (*known_site_agreement(ref, rows), "known sites")


def genome_agreement(ref: Reference, rows: list[tuple[str, int, str]]) -> tuple[int, int]:
    """(records compared, records whose REF is the genome's bases); records past a contig's
    end or over Ns are no evidence either way."""
    genome = ref.genome
    assert genome is not None
    hits = agree = 0
    for contig, pos, ref_a in rows:
        c = ref.contig(contig)
        if c is None or not genome.has(c) or not ref_a.isalpha():
            continue
        bases = genome.fetch(c, pos, pos + len(ref_a) - 1)
        if len(bases) == len(ref_a) and "N" not in bases:
            hits += 1
            agree += bases == ref_a
    return hits, agree


def known_site_agreement(ref: Reference, rows: list[tuple[str, int, str]]) -> tuple[int, int]:
    """(known sites hit, sites whose REF agrees) of rows against the bundle's known variants."""
    hits = agree = 0
    by_contig: dict[str, list[tuple[int, str]]] = {}
    for contig, pos, ref_a in rows:
        c = ref.contig(contig)
        if c is not None:
            by_contig.setdefault(c, []).append((pos, ref_a))
    for c, items in by_contig.items():
        known = sources_of(ref).refs_at(c, [p for p, _ in items])
        for (_, ref_a), refs in zip(items, known, strict=True):
            if refs:
                hits += 1
                # REF may be longer or shorter than the known site's (indels): compare the
                # shared leading bases.
                agree += any(k[:len(ref_a)] == ref_a[:len(k)] for k in refs)
    return hits, agree


def _fits(hits: int, agree: int) -> bool:
    return hits >= MIN_SITES and agree >= FITS * hits


def _misfits(hits: int, agree: int) -> bool:
    return hits >= MIN_SITES and agree < MISFITS * hits


def _by_ref_alleles(refs: list[Reference], rows: list[tuple[str, int, str]]) -> Detected:
    scored = []
    for r in refs:
        hits, agree, what = ref_agreement(r, rows)
        if r.build and _fits(hits, agree):
            scored.append((agree / hits, hits, r, agree, what))
    if not scored:
        return Detected(None, "")
    _, hits, best, agree, what = max(scored, key=lambda s: s[:2])
    return Detected(best.build, f"REF agrees with {best.name} at {agree} of {hits} {what}")


def _check_fit(ref: Reference, h: Header, rows: list[tuple[str, int, str]]) -> Detected:
    """Raise when the input is evidently not on ref's build; else what was detected."""
    found = header_build(h)
    if found.build and ref.build and found.build != ref.build:
        raise AnnotationError(
            f"the input is on {found.build} ({found.evidence}) but reference {ref.name} is "
            f"{ref.build}: {lift_over(ref.build)}, or annotate it with a {found.build} "
            f"reference{_install_hint(found.build)}")
    if found.build is None:
        hits, agree, what = ref_agreement(ref, rows)
        if _misfits(hits, agree):
            raise AnnotationError(
                f"the input is not on {ref.build or 'the build of reference ' + ref.name}: its "
                f"REF allele agrees with reference {ref.name} at only {agree} of {hits} "
                f"{what}; {lift_over(ref.build)}, or annotate it with a reference of its build")
        if _fits(hits, agree):
            return Detected(ref.build or None, f"REF agrees at {agree} of {hits} {what}")
    return found


def _or_install(build: str) -> str:
    name = {"GRCh38": "grch38", "GRCh37": "grch37"}.get(build)
    return f", or run `gas reference install {name}`" if name else ""


def _install_hint(build: str) -> str:
    name = {"GRCh38": "grch38", "GRCh37": "grch37"}.get(build)
    return f" (gas reference install {name})" if name else ""


def _installed(base: Path | None) -> list[Reference]:
    out = []
    for m in list_bundles(base or reference_dir()):
        try:
            out.append(load_reference(Path(m["path"])))
        except AnnotationError:
            continue  # a damaged bundle is reported by `gas reference list --verify`
    return out


def choose_reference(requested: Reference | str | Path | Auto | None, h: Header,
                     lines: list[str]) -> tuple[Reference, Detected]:
    """The bundle for this input (and how its build was told); AnnotationError when none fits.

    requested: a bundle (or its name or folder) to use as told, or Auto / None to pick
    the installed bundle of the input's build.
    """
    rows = sample_rows(lines)
    if not isinstance(requested, Auto | None):
        ref = requested if isinstance(requested, Reference) else load_reference(requested)
        return ref, _check_fit(ref, h, rows)
    auto = requested or Auto()
    default = load_reference(auto.default or default_reference())
    found = header_build(h)
    candidates = [default] + [r for r in _installed(auto.base) if r.path != default.path]
    if found.build is None:
        found = _by_ref_alleles(candidates, rows)
    if found.build is None:
        return default, _check_fit(default, h, rows)
    matching = [r for r in candidates if r.build == found.build]
    if not matching:
        have = ", ".join(f"{r.name} ({r.build or 'no build'})" for r in candidates)
        raise AnnotationError(
            f"the input is on {found.build} ({found.evidence}) and no installed reference is "
            f"(installed: {have}): {lift_over(default.build)}{_or_install(found.build)}")
    return matching[0], found
