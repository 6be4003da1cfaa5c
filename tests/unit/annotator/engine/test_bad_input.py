"""Each bad input from issue 3: annotate what can be, or fail with one line naming the line."""

from __future__ import annotations

import gzip
import resource
from pathlib import Path

import pytest
from gas_annotator.engine import AnnotationError, annotate_file


def _fails(run, data, *, match: str) -> AnnotationError:
    with pytest.raises(AnnotationError, match=match) as info:
        run(data)
    err = info.value
    assert "\n" not in str(err)
    assert err.log_path is not None and err.log_path.exists()
    assert "ERROR: " + str(err) in err.log_path.read_text()
    return err


def test_not_a_vcf(run) -> None:
    _fails(run, "hello, this is a spreadsheet\n1,2,3\n", match=r"^line 1: the input is not a VCF")


def test_binary_file(run) -> None:
    _fails(run, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
           match="not a VCF")


def test_empty_file(run) -> None:
    _fails(run, b"", match="the input is empty")


def test_empty_gzip(run) -> None:
    _fails(run, gzip.compress(b""), match="the input is empty")


def test_header_only_annotates_nothing(vcf, run) -> None:
    r = run(vcf())
    assert r.records == []
    assert r.result.variants == 0
    assert r.result.summary["total"] == 0
    assert "no variant records" in r.result.log_path.read_text()


def test_no_column_header(run) -> None:
    _fails(run, "##fileformat=VCFv4.2\nchr1\t10\t.\tA\tG\t.\t.\t.\n",
           match="^line 2: a data line comes before the '#CHROM'")


def test_truncated_gzip(vcf, run, tmp_path) -> None:
    body = vcf(*[f"chr1 {1000 + i} . A G . . ." for i in range(5000)]).encode()
    data = gzip.compress(body)
    err = _fails(run, data[: len(data) // 2], match="gzip input is truncated")
    assert "line" in str(err)


def test_non_integer_pos_names_the_line(vcf, run) -> None:
    err = _fails(run, vcf("chr1 100 . A G . . .", "chr1 1x1 . A G . . .", "chr1 300 . A G . . ."),
                 match=r"^line 4: POS '1x1' is not a non-negative integer$")
    assert err.log_path is not None


def test_negative_pos(vcf, run) -> None:
    _fails(run, vcf("chr1 -5 . A G . . ."), match=r"^line 3: POS '-5'")


def test_too_few_columns_names_the_line(vcf, run) -> None:
    text = vcf("chr1 100 . A G . . .") + "chr1\t200\t.\tA\n"
    _fails(run, text, match=r"^line 4: expected at least 8 tab-separated columns, found 4$")


def test_space_separated_file(run) -> None:
    text = "##fileformat=VCFv4.2\n#CHROM POS ID REF ALT QUAL FILTER INFO\nchr1 1 . A G . . .\n"
    _fails(run, text, match=r"^line 2: the column header must be the tab-separated")


def test_crlf_line_endings(vcf, run) -> None:
    lf = vcf("chr1 1060 . C A . . DP=1", "chr1 20600 . A G . . .")
    r = run(lf.replace("\n", "\r\n"))
    assert [rec[7] for rec in r.records] == [rec[7] for rec in run(lf).records]
    assert r.info(0)["ANN"].startswith("A|coding_sequence_variant|")
    assert not any("\r" in "\t".join(rec) for rec in r.records)


def test_unknown_contig_is_kept_and_reported(vcf, run) -> None:
    r = run(vcf("chr1 1060 . C A . . .", "chrUn_GL000220 5 . A G . . .", "chr1 1500 . A G . . ."))
    assert [rec[0] for rec in r.records] == ["chr1", "chrUn_GL000220", "chr1"]
    assert r.info(1) == {"VC": "SNV"}
    s = r.result.summary
    assert s["unannotated"] == {"unknown contig": 1}
    assert s["unknown_contigs"] == {"chrUn_GL000220": 1}
    log = r.result.log_path.read_text()
    assert "unknown contig: 1" in log and "chrUn_GL000220 (1)" in log


@pytest.mark.parametrize(("alt", "reason"), [
    ("<DEL>", "symbolic or breakend allele"),
    ("<INS:ME:ALU>", "symbolic or breakend allele"),
    ("G]chr2:1500]", "symbolic or breakend allele"),
    ("[chr2:1500[G", "symbolic or breakend allele"),
    (".G", "symbolic or breakend allele"),
    ("*", "spanning deletion allele (*)"),
    (".", "no ALT allele"),
])
def test_symbolic_breakend_and_star_alleles(vcf, run, alt, reason) -> None:
    r = run(vcf(f"chr1 1060 . C {alt} . . ."))
    assert r.records[0][4] == alt
    assert r.info(0) == {"VC": "symbolic"}
    assert r.result.summary["unannotated"] == {reason: 1}


def test_star_next_to_a_real_allele(vcf, run) -> None:
    r = run(vcf("chr1 1060 . C A,* . . ."))
    assert r.info(0)["VC"] == "SNV,symbolic"
    assert [e[0] for e in r.ann(0)] == ["A"]


def test_lowercase_bases(vcf, run) -> None:
    r = run(vcf("chr1 1060 . c t . . .", "chr1 2100 rs5 c g . . ."))
    assert r.records[0][3:5] == ["c", "t"]
    assert r.ann(0)[0][:2] == ["t", "coding_sequence_variant"]
    assert r.result.summary["ti"] == 1 and r.result.summary["tv"] == 1
    # known-ID matching ignores case; an ID already there is kept and the rsID added
    assert r.records[1][2] == "rs5;rs200"


def test_one_megabyte_info_value(vcf, run) -> None:
    big = "X" * (1 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = run(vcf("chr1 1060 . C A . . BIG=" + big, "chr1 1500 . A G . . ."))
    assert r.info(0)["BIG"] == big
    assert r.info(0)["ANN"].startswith("A|coding_sequence_variant")
    assert len(r.records) == 2
    # a few copies of the line at most, not a blow-up (ru_maxrss is in KiB on Linux)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024


def test_header_line_among_records(vcf, run) -> None:
    _fails(run, vcf("chr1 1060 . C A . . .") + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
           match=r"^line 4: a header line")


def test_missing_input_file(tmp_path: Path, bundle: Path) -> None:
    with pytest.raises(AnnotationError, match="cannot open input nothing.vcf"):
        annotate_file(tmp_path / "nothing.vcf", tmp_path / "out", bundle)


def test_missing_reference_tells_how_to_install(vcf, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GAS_REFERENCE_DIR", str(tmp_path / "none"))
    monkeypatch.delenv("GAS_REFERENCE", raising=False)
    src = tmp_path / "a.vcf"
    src.write_text(vcf("chr1 1 . A G . . ."))
    with pytest.raises(AnnotationError, match=r"run `gas reference install grch38`"):
        annotate_file(src, tmp_path / "out")


def test_huge_pos_names_the_line(vcf, run) -> None:
    _fails(run, vcf("chr1 100 . A G . . .", "chr1 99999999999999999999 . A G . . ."),
           match=r"^line 4: POS '99999999999999999999' is not a non-negative integer$")


def test_byte_order_mark_is_ignored(run, vcf) -> None:
    r = run(b"\xef\xbb\xbf" + vcf("chr1 1060 . C A . . .").encode())
    assert r.header[0] == "##fileformat=VCFv4.2"
    assert r.ann(0)[0][1] == "coding_sequence_variant"
