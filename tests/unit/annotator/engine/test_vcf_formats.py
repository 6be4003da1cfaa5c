"""Input flavours (v3.3, multi-sample, MT, gzip/bgzip), output validity, IDs, summary, log."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from gas_annotator.engine import annotate_file, default_base_name
from gas_annotator.reference.bundle import GIVES_WITH_SEQUENCE

V33 = """##fileformat=VCFv3.3
##INFO=DP,1,Integer,"Total Depth"
##INFO=AA,1,String,"Ancestral Allele"
##FORMAT=GT,1,String,"Genotype"
##FORMAT=DP,1,Integer,"Read Depth"
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA1\tNA2\tNA3
1\t1060\t.\tC\tT\t-1\t0\tAA=c;DP=12\tGT:DP\t0/0:1\t0/1:5\t./.:0
MT\t3308\t.\tA\tG\t30\t0\tDP=7\tGT:DP\t1/1:3\t0/0:2\t1/1:2
"""


def test_vcf33_header_and_records_become_vcf42(run) -> None:
    r = run(V33)
    assert r.header[0] == "##fileformat=VCFv4.2"
    assert '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total Depth">' in r.header
    assert '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">' in r.header
    rec = r.records[0]
    assert rec[5:7] == [".", "PASS"]  # v3.3 QUAL -1 = missing, FILTER 0 = PASS
    assert r.info(0)["ANN"].startswith("T|coding_sequence_variant|MODIFIER|GENEA")
    assert rec[8:] == ["GT:DP", "0/0:1", "0/1:5", "./.:0"]
    assert r.ann(1)[0][3] == "MT-ND1"
    assert r.result.summary["input"] == {"name": "in.vcf", "fileformat": "VCFv3.3",
                                         "samples": 3, "build": None, "build_evidence": None}
    assert r.result.summary["by_chromosome"] == {"1": 1, "MT": 1}


def test_output_is_a_consistent_vcf42(vcf, run) -> None:
    text = vcf("chr1 1060 rs9 C A 50 PASS DP=3", "chr1 1500 . A G,T . q10 .",
               "chrX 5 . A <DEL> . . SVTYPE=DEL", "chr2 1700 . A * . . .",
               header='##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
    r = run(text)
    assert r.header[0] == "##fileformat=VCFv4.2"
    assert r.header[-1].split("\t") == ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER",
                                        "INFO"]
    declared = {h.split("ID=")[1].split(",")[0] for h in r.header if h.startswith("##INFO=<")}
    assert {"VC", "ANN", "DP"} <= declared
    ann_header = next(h for h in r.header if h.startswith("##INFO=<ID=ANN"))
    assert "Allele | Annotation | Annotation_Impact | Gene_Name" in ann_header
    assert any(h.startswith("##GAS_reference=<Name=test38,Build=GRCh38") for h in r.header)
    assert [rec[:2] for rec in r.records] == [["chr1", "1060"], ["chr1", "1500"], ["chrX", "5"],
                                            ["chr2", "1700"]]
    for i, rec in enumerate(r.records):
        assert len(rec) == 8
        for key in r.info(i):
            assert key in declared or key == "SVTYPE"
        for entry in r.ann(i):
            assert len(entry) == 16


def test_existing_ann_and_vc_are_replaced(vcf, run) -> None:
    text = vcf("chr1 1060 . C A . . VC=old;ANN=A|x|y;DP=2",
               header='##INFO=<ID=ANN,Number=.,Type=String,Description="old">\n'
                      '##INFO=<ID=VC,Number=1,Type=String,Description="old">\n')
    r = run(text)
    assert sum(h.startswith("##INFO=<ID=ANN") for h in r.header) == 1
    assert "old" not in "".join(h for h in r.header if h.startswith("##INFO"))
    info = r.records[0][7]
    assert info.startswith("DP=2;VC=SNV;ANN=A|coding_sequence_variant")
    assert info.count("ANN=") == 1


def test_gzip_and_bgzip_inputs(vcf, run, tmp_path) -> None:
    text = vcf("chr1 1060 . C A . . .", "chr1 20600 . A G . . .").encode()
    plain = run(text).records
    assert run(gzip.compress(text), name="x.vcf.gz").records == plain
    # bgzip = a series of gzip members
    half = text.index(b"chr1\t20600")
    members = gzip.compress(text[:half]) + gzip.compress(text[half:]) + gzip.compress(b"")
    r = run(members, name="y.vcf.bgz")
    assert r.records == plain
    assert r.result.annot_path.name == "y.annot.vcf"


def test_known_ids_need_position_and_allele(vcf, run) -> None:
    r = run(vcf("chr1 1060 . C T . . .", "chr1 1060 . C G . . .", "chr1 2100 . C A,G . . .",
                "chr1 2100 . C T,G . . .", "chr1 1098 . ACGTAC A . . .", "1 1060 . C T . . ."))
    # IDs in ALT order (T: rs201, G: rs200)
    assert [rec[2] for rec in r.records] == ["rs100", ".", "rs200", "rs201;rs200", "rs300",
                                             "rs100"]
    s = r.result.summary
    assert s["known_ids"] == 5
    assert s["known_id_rate"] == pytest.approx(5 / 6, abs=1e-6)
    assert "In dbSNP: 5 (83.33333333%)" in r.result.log_path.read_text()


def test_summary_keys_and_counts(vcf, run) -> None:
    r = run(vcf("chr1 1060 . C T . . .", "chr1 1500 . A G . . .", "chr1 1501 . A C . . .",
                "chr1 30000 . A T . . .", "chr1 1600 . AT A . . .", "chrZ 1 . A G . . ."))
    s = r.result.summary
    assert json.loads(r.result.summary_path.read_text()) == s
    for key in ("total", "known_ids", "known_id_rate", "by_chromosome", "by_region",
                "by_class", "ti", "tv", "ti_tv", "unannotated", "reference"):
        assert key in s
    assert s["total"] == 6 and r.result.variants == 6
    assert s["annotated"] == 5
    assert s["by_chromosome"] == {"chr1": 5, "chrZ": 1}
    assert s["by_region"] == {"coding_sequence_variant": 1, "intron_variant": 3,
                              "intergenic_region": 1}
    assert s["by_class"] == {"SNV": 5, "deletion": 1}
    # C>T, A>G, A>G transitions; A>C, A>T transversions
    assert (s["ti"], s["tv"], s["ti_tv"]) == (3, 2, 1.5)
    assert s["unannotated"] == {"unknown contig": 1}
    assert s["reference"] == {"name": "test38", "build": "GRCh38",
                              "version": s["reference"]["version"],
                              "cannot_give": GIVES_WITH_SEQUENCE,  # a bundle without a genome
                              "known_source": True}  # its known sites give IDs


def test_count_log_reads_like_the_original(vcf, run) -> None:
    r = run(vcf("chr1 1060 . C T . . .", "chr1 30000 . A T . . ."))
    log = r.result.log_path.read_text().splitlines()
    assert "Total: 2" in log
    assert "In dbSNP: 1 (50%)" in log
    assert "Variants located: " in log
    assert "In coding_sequence_variant 1" in log and "In intergenic_region 1" in log
    assert "Not annotated: none" in log
    assert any("Reference: test38 (build GRCh38" in ln for ln in log)


def test_build_mismatch_from_reference_header_fails(vcf, run, tmp_path) -> None:
    from gas_annotator.engine import AnnotationError

    with pytest.raises(AnnotationError) as e:
        run(vcf("chr1 1060 . C T . . .", "MT 3308 . A G . . .",
                header="##reference=human_b36_both.fasta\n"))
    assert str(e.value).startswith("the input is on NCBI36 (header human_b36_both.fasta) but "
                                   "reference test38 is GRCh38: lift it over to GRCh38")
    assert not (tmp_path / "out" / "in.annot.vcf").exists()
    assert "ERROR: the input is on NCBI36" in (tmp_path / "out" / "in.vcf.count.log").read_text()


def test_build_mismatch_from_contig_lengths(vcf, run) -> None:
    # chr1 with its GRCh37 length, chr2 with its GRCh38 one: only chr1 is refused
    head = "##contig=<ID=chr1,length=249250621>\n##contig=<ID=chr2,length=242193529>\n"
    r = run(vcf("chr1 1060 . C T . . .", "chr2 1700 . A T . . .", header=head))
    assert "ANN" not in r.info(0)
    assert "ANN" in r.info(1)
    s = r.result.summary
    assert s["unannotated"] == {"build mismatch": 1}
    assert any("contig chr1 has length 249250621" in w for w in s["warnings"])


def test_matching_build_header_is_accepted(vcf, run) -> None:
    head = "##reference=GRCh38\n##contig=<ID=chr1,length=248956422,assembly=GRCh38>\n"
    r = run(vcf("chr1 1060 . C T . . .", header=head))
    assert "ANN" in r.info(0)
    assert r.result.summary["warnings"] == []


def test_position_beyond_contig_end(vcf, run) -> None:
    r = run(vcf("chrM 17000 . A G . . .", "chrM 16569 . A G . . ."))
    assert "ANN" not in r.info(0)
    assert r.ann(1)[0][1] == "intergenic_region"
    assert r.result.summary["unannotated"] == {
        "position beyond the end of the contig (build mismatch?)": 1}


def test_progress_is_reported(vcf, run) -> None:
    seen: list[int] = []
    records = [f"chr1 {1000 + i} . A G . . ." for i in range(2500)]
    run(vcf(*records), progress=seen.append, progress_every=1000)
    # reported once per read batch (about 1 MB of text), here the only one
    assert seen == [2500]


def test_progress_counts_in_steps(vcf, tmp_path, bundle) -> None:
    import gas_annotator.engine.annotate as engine

    seen: list[int] = []
    src = tmp_path / "p.vcf"
    src.write_text(vcf(*[f"chr1 {1000 + i} . A G . . ." for i in range(2500)]))
    old = engine.BATCH_CHARS
    engine.BATCH_CHARS = 2000  # many small batches
    try:
        annotate_file(src, tmp_path / "o", bundle, progress=seen.append, progress_every=1000)
    finally:
        engine.BATCH_CHARS = old
    assert seen[:2] and seen[0] >= 1000 and seen[0] < 1100 and seen[1] >= 2000


@pytest.mark.parametrize(("name", "base"), [("x.vcf", "x"), ("x.vcf.gz", "x"), ("x.txt", "x"),
                                            ("my.sample.vcf.bgz", "my.sample"), ("x", "x")])
def test_default_base_names(name, base) -> None:
    assert default_base_name(name) == base


def test_output_names_and_base_name(vcf, run, tmp_path: Path) -> None:
    r = run(vcf("chr1 1060 . C T . . ."), name="sample.vcf.gz", base_name="job42~sample")
    res = r.result
    assert res.annot_path.name == "job42~sample.annot.vcf"
    assert res.log_path.name == "job42~sample.vcf.count.log"
    assert res.summary_path.name == "job42~sample.summary.json"


def test_reference_by_name_from_env(vcf, tmp_path, bundle, monkeypatch) -> None:
    monkeypatch.setenv("GAS_REFERENCE_DIR", str(bundle.parent))
    monkeypatch.setenv("GAS_REFERENCE", "test38")
    src = tmp_path / "a.vcf"
    src.write_text(vcf("chr1 1060 . C T . . ."))
    res = annotate_file(src, tmp_path / "o")
    assert res.summary["reference"]["name"] == "test38"
    assert annotate_file(src, tmp_path / "o2", "test38").summary["annotated"] == 1


def test_rcrs_mitochondrion_against_a_non_rcrs_reference(vcf, tmp_path) -> None:
    from gas_annotator.reference.bundle import write_bundle
    from gas_annotator.reference.model import Transcript

    tx = Transcript("chrM", 3307, 4262, "+", "G1", "ND1", "T1", "protein_coding",
                    exons=[(3307, 4262)], cds=[(3307, 4262)])
    hg19 = write_bundle(tmp_path / "hg19", [tx], [], {"name": "hg19ish", "build": "GRCh37"},
                        {"chrM": 16571, "chr1": 249250621})
    src = tmp_path / "mt.vcf"
    src.write_text(vcf("MT 3308 . A G . . .", "1 100 . A G . . .",
                       header="##reference=rCRS\n"))
    s = annotate_file(src, tmp_path / "o", hg19).summary
    assert s["unannotated"] == {"build mismatch": 1}
    assert s["annotated"] == 1
    assert any("rCRS" in w and "16571" in w for w in s["warnings"])


def test_progress_callback_can_stop_the_run(vcf, tmp_path, bundle) -> None:
    import gas_annotator.engine.annotate as engine

    class TooLong(Exception):
        pass

    def stop(n: int) -> None:
        raise TooLong(f"wall time exceeded at {n}")

    src = tmp_path / "p.vcf"
    src.write_text(vcf(*[f"chr1 {1000 + i} . A G . . ." for i in range(3000)]))
    old = engine.BATCH_CHARS
    engine.BATCH_CHARS = 2000
    try:
        with pytest.raises(TooLong):
            annotate_file(src, tmp_path / "o", bundle, progress=stop, progress_every=1000)
    finally:
        engine.BATCH_CHARS = old
    assert not (tmp_path / "o" / "p.annot.vcf").exists()
    assert "ERROR: stopped after" in (tmp_path / "o" / "p.vcf.count.log").read_text()


def test_failed_run_leaves_no_partial_vcf(vcf, run, tmp_path) -> None:
    from gas_annotator.engine import AnnotationError

    with pytest.raises(AnnotationError):
        run(vcf("chr1 100 . A G . . .", "chr1 x . A G . . ."))
    assert not (tmp_path / "out" / "in.annot.vcf").exists()


def test_contig_lines_added_in_the_input_style(run, vcf) -> None:
    r = run(vcf("1 1060 . C T . . ."))
    assert "##contig=<ID=1,length=248956422>" in r.header
    assert "##contig=<ID=MT,length=16569>" in r.header
    r = run(vcf("chrM 3308 . A G . . ."))
    assert "##contig=<ID=chr1,length=248956422>" in r.header
    assert "##contig=<ID=chrM,length=16569>" in r.header
    # the input's own contig lines are kept as they are, none added
    r = run(vcf("chr1 1060 . C T . . .", header="##contig=<ID=chr1,length=248956422>\n"))
    assert [h for h in r.header if h.startswith("##contig")] == [
        "##contig=<ID=chr1,length=248956422>"]
