"""Fixtures for the engine tests: a generated GTF/GFF3, bundles built from them, a VCF runner.

The gene layout (1-based, closed), hand-drawn so that every expected answer can be checked
by eye:

chr1  GENEA  + strand, TXA1 protein_coding (canonical): exons 1001-1100, 2001-2200, 3001-3300;
             CDS 1051-1100, 2001-2200, 3001-3100 + stop codon 3101-3103.
             TXA2 retained_intron: exons 1001-1100, 3001-3300 (never more severe than TXA1).
chr1  GENEB  - strand, TXB1 protein_coding: exons 22001-22400 (exon 1), 21001-21100 (2),
             20001-20300 (3); CDS 22001-22100, 21001-21100, 20201-20300 + stop 20198-20200.
chr1  GENEC  + strand, TXC1 lncRNA: exons 40001-40100, 40501-40600.
chr2  GENEE  + strand lncRNA exon 1001-2000; GENEF - strand miRNA exon 1501-2500 (overlap).
chrM  MT-ND1 + strand, one coding exon 3307-4262.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from gas_annotator.engine import AnnotationResult, annotate_file
from gas_annotator.reference.custom import build_custom
from gas_annotator.reference.sources import SourceSpec


def _gtf_line(contig: str, kind: str, s: int, e: int, strand: str, gene: str, gid: str,
              tid: str | None, ttype: str = "", extra: str = "") -> str:
    attrs = f'gene_id "{gid}"; gene_name "{gene}";'
    if tid:
        attrs += f' transcript_id "{tid}";'
    if ttype:
        attrs += f' transcript_type "{ttype}";'
    return f"{contig}\ttest\t{kind}\t{s}\t{e}\t.\t{strand}\t.\t{attrs}{extra}\n"


def make_gtf() -> str:
    """The test annotation as GENCODE-style GTF text."""
    L = _gtf_line
    out = [
        "##description: generated for the GAS engine tests\n",
        L("chr1", "gene", 1001, 3300, "+", "GENEA", "ENSG_A", None),
        L("chr1", "transcript", 1001, 3300, "+", "GENEA", "ENSG_A", "TXA1", "protein_coding",
          ' tag "Ensembl_canonical";'),
    ]
    for s, e in [(1001, 1100), (2001, 2200), (3001, 3300)]:
        out.append(L("chr1", "exon", s, e, "+", "GENEA", "ENSG_A", "TXA1"))
    for s, e in [(1051, 1100), (2001, 2200), (3001, 3100)]:
        out.append(L("chr1", "CDS", s, e, "+", "GENEA", "ENSG_A", "TXA1"))
    out.append(L("chr1", "stop_codon", 3101, 3103, "+", "GENEA", "ENSG_A", "TXA1"))
    out.append(L("chr1", "UTR", 1001, 1050, "+", "GENEA", "ENSG_A", "TXA1"))
    out.append(L("chr1", "transcript", 1001, 3300, "+", "GENEA", "ENSG_A", "TXA2",
                 "retained_intron"))
    for s, e in [(1001, 1100), (3001, 3300)]:
        out.append(L("chr1", "exon", s, e, "+", "GENEA", "ENSG_A", "TXA2"))
    out.append(L("chr1", "transcript", 20001, 22400, "-", "GENEB", "ENSG_B", "TXB1",
                 "protein_coding"))
    for s, e in [(22001, 22400), (21001, 21100), (20001, 20300)]:
        out.append(L("chr1", "exon", s, e, "-", "GENEB", "ENSG_B", "TXB1"))
    for s, e in [(22001, 22100), (21001, 21100), (20201, 20300)]:
        out.append(L("chr1", "CDS", s, e, "-", "GENEB", "ENSG_B", "TXB1"))
    out.append(L("chr1", "stop_codon", 20198, 20200, "-", "GENEB", "ENSG_B", "TXB1"))
    out.append(L("chr1", "transcript", 40001, 40600, "+", "GENEC", "ENSG_C", "TXC1", "lncRNA"))
    for s, e in [(40001, 40100), (40501, 40600)]:
        out.append(L("chr1", "exon", s, e, "+", "GENEC", "ENSG_C", "TXC1"))
    out.append(L("chr2", "transcript", 1001, 2000, "+", "GENEE", "ENSG_E", "TXE1", "lncRNA"))
    out.append(L("chr2", "exon", 1001, 2000, "+", "GENEE", "ENSG_E", "TXE1"))
    out.append(L("chr2", "transcript", 1501, 2500, "-", "GENEF", "ENSG_F", "TXF1", "miRNA"))
    out.append(L("chr2", "exon", 1501, 2500, "-", "GENEF", "ENSG_F", "TXF1"))
    out.append(L("chrM", "transcript", 3307, 4262, "+", "MT-ND1", "ENSG_ND1", "TXND1",
                 "protein_coding"))
    out.append(L("chrM", "exon", 3307, 4262, "+", "MT-ND1", "ENSG_ND1", "TXND1"))
    out.append(L("chrM", "CDS", 3307, 4262, "+", "MT-ND1", "ENSG_ND1", "TXND1"))
    return "".join(out)


KNOWN_VCF = """##fileformat=VCFv4.2
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
chr1\t1060\trs100\tC\tT\t.\t.\t.
chr1\t2100\trs200\tC\tG,A\t.\t.\t.
chr1\t2100\trs201\tC\tT\t.\t.\t.
chr1\t1098\trs300\tACGTAC\tA\t.\t.\t.
"""


@pytest.fixture(scope="session")
def ref_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the test bundles."""
    return tmp_path_factory.mktemp("reference")


@pytest.fixture(scope="session")
def gtf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated GTF, gzip-compressed as GENCODE ships it."""
    p = tmp_path_factory.mktemp("gtf") / "test.gtf.gz"
    with gzip.open(p, "wt") as f:
        f.write(make_gtf())
    return p


@pytest.fixture(scope="session")
def bundle(ref_dir: Path, gtf_path: Path) -> Path:
    """A GRCh38-labelled bundle from the generated GTF plus known variants."""
    known = gtf_path.parent / "known.vcf"
    known.write_text(KNOWN_VCF)
    return build_custom(gtf_path, "gtf", ref_dir / "test38", "test38", "GRCh38",
                        [SourceSpec("dbsnp", known, ["ID"])])


@dataclass
class Run:
    """One annotate_file call and its parsed output."""

    result: AnnotationResult
    header: list[str]
    records: list[list[str]]

    def info(self, i: int) -> dict[str, str]:
        """INFO of record i as a dict."""
        out = {}
        for kv in self.records[i][7].split(";"):
            k, _, v = kv.partition("=")
            out[k] = v
        return out

    def ann(self, i: int) -> list[list[str]]:
        """ANN entries of record i, each split into its 16 fields."""
        value = self.info(i).get("ANN")
        return [e.split("|") for e in value.split(",")] if value else []


def make_vcf(*records: str, header: str = "") -> str:
    """A small VCF 4.2 text: records given as tab-separated strings (spaces become tabs)."""
    head = "##fileformat=VCFv4.2\n" + header + \
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    return head + "".join("\t".join(r.split()) + "\n" for r in records)


@pytest.fixture
def vcf() -> Callable[..., str]:
    """make_vcf, as a fixture."""
    return make_vcf


@pytest.fixture
def run(tmp_path: Path, bundle: Path) -> Callable[..., Run]:
    """Write text (or bytes) as an input file, annotate it, parse the output."""

    def _run(text: str | bytes, name: str = "in.vcf", reference: Path | None = None,
             **kw: object) -> Run:
        src = tmp_path / name
        src.write_bytes(text.encode() if isinstance(text, str) else text)
        result = annotate_file(src, tmp_path / "out", reference or bundle, **kw)  # type: ignore[arg-type]
        lines = result.annot_path.read_text().splitlines()
        header = [ln for ln in lines if ln.startswith("#")]
        records = [ln.split("\t") for ln in lines if not ln.startswith("#")]
        return Run(result, header, records)

    return _run
