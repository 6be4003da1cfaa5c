"""`gas annotate` and `gas reference ...`, offered to the `gas` command through the
`gas.commands` entry points in pyproject.toml."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command("annotate")
@click.argument("input_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the outputs (default: next to the input).")
@click.option("--reference", "reference", default=None, metavar="NAME|PATH",
              help="Installed bundle name or bundle folder (default: the installed bundle of the "
              "input's build, else $GAS_REFERENCE or grch38).")
def annotate(input_file: Path, outdir: Path | None, reference: str | None) -> None:
    """Annotate a VCF file (plain, gzip or bgzip) on this machine; no service needed."""
    from gas_annotator.engine import AnnotationError, annotate_file

    out = outdir or input_file.resolve().parent
    t0 = time.monotonic()
    last = [t0]

    def progress(n: int) -> None:
        if sys.stderr.isatty() and time.monotonic() - last[0] > 1:
            last[0] = time.monotonic()
            click.echo(f"\r{n:,} variants", err=True, nl=False)

    try:
        result = annotate_file(input_file, out, reference, progress=progress)
    except AnnotationError as e:
        if e.log_path:
            _say(f"log: {e.log_path}")
        raise click.ClickException(str(e)) from None
    dt = time.monotonic() - t0
    s = result.summary
    if sys.stderr.isatty():
        click.echo("\r", err=True, nl=False)
    click.echo(f"annotated: {result.annot_path}")
    click.echo(f"log:       {result.log_path}")
    click.echo(f"summary:   {result.summary_path}")
    unann = sum(s["unannotated"].values())
    click.echo(f"{s['total']:,} variants in {dt:.1f} s: {s['annotated']:,} annotated, "
               f"{s['known_ids']:,} known IDs ({100 * s['known_id_rate']:.1f}%), "
               f"{unann:,} not annotated; reference {s['reference']['name']} "
               f"({s['reference']['build'] or 'unknown build'})")
    if s["pathogenic"] or s["with_af"]:
        click.echo(f"ClinVar pathogenic or likely pathogenic: {s['pathogenic']:,}; rare (AF < "
                   f"1%): {s['rare']:,} of {s['with_af']:,} with an AF")
    for w in s["warnings"]:
        click.echo(f"warning: {w}", err=True)


@click.group("reference")
def reference() -> None:
    """Install, build and list annotation reference bundles."""


@reference.command("install")
@click.argument("which", type=click.Choice(["grch38", "grch37"]))
@click.option("--dir", "base", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Bundle folder (default: $GAS_REFERENCE_DIR or ~/.local/share/gas/reference).")
def install(which: str, base: Path | None) -> None:
    """Download and install the ready-made GRCh38 or GRCh37 bundle."""
    from gas_annotator.reference.install import InstallError, install_ready_made
    from gas_annotator.reference.store import reference_dir

    t0 = time.monotonic()
    try:
        path = install_ready_made(which, base or reference_dir(), _say)
    except InstallError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"installed {which} in {path} ({time.monotonic() - t0:.0f} s)")


@reference.command("build")
@click.option("--gtf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gff3", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "sources", multiple=True, metavar="NAME=FILE.vcf.gz:FIELD[,FIELD]",
              help="An annotation source (repeatable): its FIELDs are added as INFO "
              "GAS_<NAME>_<FIELD> where position and allele match; FIELD ID fills the ID "
              "column (e.g. dbsnp=dbsnp.vcf.gz:ID, clinvar=clinvar.vcf.gz:CLNSIG,CLNDN).")
@click.option("--fasta", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Genome FASTA (plain, gzip or bgzip): per-transcript consequences, HGVS.")
@click.option("--name", required=True, help="Bundle name (its folder name).")
@click.option("--build", "build", default="", help="Assembly name, e.g. GRCh38.")
@click.option("--dir", "base", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Bundle folder (default: $GAS_REFERENCE_DIR or ~/.local/share/gas/reference).")
def build(gtf: Path | None, gff3: Path | None, fasta: Path | None, sources: tuple[str, ...],
          name: str, build: str, base: Path | None) -> None:
    """Build a bundle from a GENCODE/Ensembl GTF or GFF3 (plain or gzip) and a FASTA.

    Problems (a contig missing from the FASTA, a CDS with a bad phase, a transcript
    without exons) are reported one per line; the exit is non-zero only when no
    transcript is usable.
    """
    from gas_annotator.reference.custom import build_custom
    from gas_annotator.reference.gtf import AnnotationSourceError
    from gas_annotator.reference.sources import SourceSpec
    from gas_annotator.reference.store import reference_dir

    if bool(gtf) == bool(gff3):
        raise click.UsageError("give exactly one of --gtf or --gff3")
    if not name or "/" in name or name.startswith("."):
        raise click.UsageError("--name must be a plain folder name")
    annotation, fmt = (gtf, "gtf") if gtf else (gff3, "gff3")
    assert annotation is not None
    try:
        specs = [SourceSpec.parse(s) for s in sources]
        for spec in specs:
            if not spec.path.is_file():
                raise click.UsageError(f"--source {spec.name}: no file {spec.path}")
        path = build_custom(annotation, fmt, (base or reference_dir()) / name, name, build,
                            specs, _say, fasta)
    except (AnnotationSourceError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"built {name} in {path}")


@reference.command("list")
@click.option("--dir", "base", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--verify", is_flag=True, help="Check every file's checksum.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as JSON.")
def list_(base: Path | None, verify: bool, as_json: bool) -> None:
    """List installed bundles."""
    from gas_annotator.reference.bundle import READS_VERSIONS, BundleError, Reference
    from gas_annotator.reference.store import default_reference, list_bundles, reference_dir

    where = base or reference_dir()
    bundles = list_bundles(where)
    if as_json:
        click.echo(json.dumps(bundles, indent=2))
        return
    if not bundles:
        click.echo(f"no bundles in {where}; run `gas reference install grch38`")
        return
    for m in bundles:
        state = ""
        if m.get("format_version") not in READS_VERSIONS:
            # Left by an older GAS: `make reference` reinstalls bundles marked so.
            state = (f"  STALE: format {m.get('format_version')}, this GAS reads "
                     f"{' and '.join(map(str, READS_VERSIONS))}; run `gas reference install "
                     f"{m.get('name')}` or build it again")
        elif verify:
            try:
                bad = Reference(Path(m["path"])).verify()
                state = "  OK" if not bad else f"  DAMAGED: {', '.join(bad)}"
            except BundleError as e:
                state = f"  DAMAGED: {e}"
        mark = "*" if Path(m["path"]).name == default_reference() else " "
        counts = m.get("counts", {})
        click.echo(f"{mark} {m.get('name')}  build={m.get('build') or '?'}  "
                   f"version={m.get('version')}  transcripts={counts.get('transcripts')}  "
                   f"known={counts.get('known')}  {m['path']}{state}")


if __name__ == "__main__":
    cmd = sys.argv.pop(1) if len(sys.argv) > 1 else ""
    {"annotate": annotate, "reference": reference}.get(cmd, reference)()
