"""The right build every time: the input's build is told, and the bundle of that build used.

Two bundles from the same generated GTF, labelled GRCh38 and GRCh37, whose known variants
sit at the same five positions with different REF bases (as two builds' sequences differ).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gas_annotator.engine import AnnotationError, Auto, annotate_file
from gas_annotator.reference.custom import build_custom
from gas_annotator.reference.sources import SourceSpec

POSITIONS = (1060, 1061, 1062, 1063, 1064, 2050)


def _known(path: Path, base: str) -> Path:
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"chr1\t{p}\trs{p}\t{base}\tA\t.\t.\t." for p in POSITIONS]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, gtf_path: Path) -> Path:
    """A bundle folder holding b38 (GRCh38, REF C at the known sites) and b37 (GRCh37, REF G)."""
    base = tmp_path_factory.mktemp("installed")
    for name, build, ref in (("b38", "GRCh38", "C"), ("b37", "GRCh37", "G")):
        known = SourceSpec("dbsnp", _known(base / f"{name}.vcf", ref), ["ID"])
        build_custom(gtf_path, "gtf", base / name, name, build, [known])
    return base


def _annotate(tmp_path: Path, text: str, reference: object) -> dict:
    src = tmp_path / "in.vcf"
    src.write_text(text)
    return annotate_file(src, tmp_path / "out", reference).summary  # type: ignore[arg-type]


def _records(base: str) -> list[str]:
    return [f"chr1 {p} . {base} T . . ." for p in POSITIONS]


@pytest.mark.parametrize(("header", "bundle", "build", "evidence"), [
    ("##reference=GRCh37\n", "b37", "GRCh37", "header GRCh37"),
    ("##reference=file:///ref/human_g1k_v37.fasta\n", "b37", "GRCh37", "human_g1k_v37"),
    ("##contig=<ID=chr1,length=249250621>\n##contig=<ID=chr2,length=243199373>\n", "b37",
     "GRCh37", "##contig lengths"),
    ("##contig=<ID=chr1,length=248956422>\n", "b38", "GRCh38", "##contig lengths"),
    ("##reference=hg38.fa\n", "b38", "GRCh38", "hg38"),
])
def test_auto_picks_the_bundle_of_the_header_build(vcf, tmp_path, installed, header, bundle,
                                                   build, evidence) -> None:
    s = _annotate(tmp_path, vcf("chr1 1060 . C T . . .", header=header),
                  Auto(installed / "b38", installed))
    assert s["reference"]["name"] == bundle and s["reference"]["build"] == build
    assert s["input"]["build"] == build and evidence in s["input"]["build_evidence"]
    assert s["annotated"] == 1 and s["unannotated"] == {}


def test_auto_tells_the_build_from_ref_alleles_at_known_sites(vcf, tmp_path, installed) -> None:
    # no build in the header: the REF bases agree with b37's known sites only
    s = _annotate(tmp_path, vcf(*_records("G")), Auto(installed / "b38", installed))
    assert s["reference"]["name"] == "b37"
    assert s["input"]["build_evidence"] == "REF agrees with b37 at 6 of 6 known sites"
    assert s["known_ids"] == 0  # the ALT (T) is not the known one (A)
    s = _annotate(tmp_path, vcf(*[r.replace(" T ", " A ") for r in _records("C")]),
                  Auto(installed / "b37", installed))
    assert s["reference"]["name"] == "b38" and s["known_ids"] == 6


def test_without_evidence_the_default_bundle_is_used(vcf, tmp_path, installed) -> None:
    s = _annotate(tmp_path, vcf("chr1 1060 . C T . . ."), Auto(installed / "b37", installed))
    assert s["reference"]["name"] == "b37" and s["input"]["build"] is None


@pytest.mark.parametrize("header", [
    "##reference=file:///data/human_b36_both.fasta\n",
    "##contig=<ID=1,length=247249719>\n##contig=<ID=2,length=242951149>\n",
])
def test_a_build_no_bundle_has_fails_with_what_to_do(vcf, tmp_path, installed, header) -> None:
    with pytest.raises(AnnotationError) as e:
        _annotate(tmp_path, vcf("1 1060 . C T . . .", header=header),
                  Auto(installed / "b38", installed))
    msg = str(e.value)
    assert msg.startswith("the input is on NCBI36 (")
    assert "no installed reference is" in msg and "b38 (GRCh38), b37 (GRCh37)" in msg
    assert "lift it over to GRCh38, e.g. with CrossMap or Picard LiftoverVcf" in msg
    assert "\n" not in msg
    assert not (tmp_path / "out" / "in.annot.vcf").exists()
    assert f"ERROR: {msg}" in (tmp_path / "out" / "in.vcf.count.log").read_text()


def test_a_bundle_given_of_another_build_fails(vcf, tmp_path, installed) -> None:
    with pytest.raises(AnnotationError, match=r"^the input is on GRCh37 \(header GRCh37\) but "
                       r"reference b38 is GRCh38: lift it over to GRCh38, e.g. with CrossMap"):
        _annotate(tmp_path, vcf("chr1 1060 . C T . . .", header="##reference=GRCh37\n"),
                  installed / "b38")


def test_a_bundle_given_whose_ref_alleles_disagree_fails(vcf, tmp_path, installed) -> None:
    with pytest.raises(AnnotationError, match="agrees with reference b38 at only 0 of 6 known "
                       "sites; lift it over to GRCh38"):
        _annotate(tmp_path, vcf(*_records("G")), installed / "b38")
    # the same records agree with b37's sites: annotated
    assert _annotate(tmp_path, vcf(*_records("G")), installed / "b37")["annotated"] == 6


def test_nothing_annotated_is_a_failure_not_a_success(vcf, tmp_path, installed) -> None:
    with pytest.raises(AnnotationError, match=r"^none of the 2 records could be annotated "
                       r"\(unknown contig: 2\): reference b38 \(GRCh38\) has no contig scaffold"):
        _annotate(tmp_path, vcf("scaffold_9 5 . A C . . .", "scaffold_9 6 . A C . . ."),
                  installed / "b38")
    # a header-only file is not a failure (there was nothing to annotate)
    assert _annotate(tmp_path, vcf(), installed / "b38")["total"] == 0


def test_contig_aliases_still_match_after_the_choice(vcf, tmp_path, installed) -> None:
    s = _annotate(tmp_path, vcf("1 1060 . C T . . .", "chrM 3308 . A G . . .",
                                "MT 3309 . A G . . .", header="##reference=GRCh37\n"),
                  Auto(installed / "b38", installed))
    assert s["reference"]["name"] == "b37" and s["annotated"] == 3


def _genome_bundle(base: Path, name: str, build: str, seq: str) -> Path:
    """A bundle with a genome (chr1 = seq) and one transcript, no annotation source."""
    (base / f"{name}.fa").write_text(">chr1\n" + "\n".join(
        seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    (base / f"{name}.gff3").write_text(
        "##gff-version 3\n"
        "chr1\tt\tgene\t101\t400\t.\t+\t.\tID=gene:G1;Name=GENE1\n"
        "chr1\tt\tmRNA\t101\t400\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;"
        "biotype=protein_coding\n"
        "chr1\tt\texon\t101\t400\t.\t+\t.\tParent=transcript:T1\n")
    return build_custom(base / f"{name}.gff3", "gff3", base / name, name, build, None, None,
                        base / f"{name}.fa")


@pytest.fixture(scope="module")
def genome_bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """g38 (GRCh38) and g37 (GRCh37): two genomes that differ at every base, no known sites."""
    import random

    rnd = random.Random(3)
    g38 = "".join(rnd.choice("ACGT") for _ in range(3_000))
    g37 = g38.translate(str.maketrans("ACGT", "CATG"))
    base = tmp_path_factory.mktemp("genomes")
    _genome_bundle(base, "g38", "GRCh38", g38)
    _genome_bundle(base, "g37", "GRCh37", g37)
    return base, g38, g37


def _on(seq: str, positions: range) -> list[str]:
    return [f"chr1 {p} . {seq[p - 1]} {'A' if seq[p - 1] != 'A' else 'C'} . . ."
            for p in positions]


def test_auto_tells_the_build_from_the_bundles_genome(vcf, tmp_path, genome_bundles) -> None:
    # the header is silent and neither bundle has known sites: every REF is checked against
    # each bundle's genome, and only the bundle of the file's build agrees
    base, g38, g37 = genome_bundles
    s = _annotate(tmp_path, vcf(*_on(g37, range(200, 230))), Auto(base / "g38", base))
    assert s["reference"]["name"] == "g37" and s["input"]["build"] == "GRCh37"
    assert s["input"]["build_evidence"] == "REF agrees with g37 at 30 of 30 positions of its genome"
    s = _annotate(tmp_path, vcf(*_on(g38, range(200, 230))), Auto(base / "g37", base))
    assert s["reference"]["name"] == "g38" and s["ref_mismatches"] == 0


def test_a_genome_bundle_given_whose_bases_disagree_fails(vcf, tmp_path, genome_bundles) -> None:
    base, g38, _ = genome_bundles
    with pytest.raises(AnnotationError, match="agrees with reference g37 at only 0 of 30 "
                       "positions of its genome; lift it over to GRCh37"):
        _annotate(tmp_path, vcf(*_on(g38, range(200, 230))), base / "g37")
