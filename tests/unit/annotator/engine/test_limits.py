"""Bounds on what a job expands to: decompressed input, header, annotated output."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from gas_annotator.engine import AnnotationError, Limits, annotate_file
from gas_annotator.engine.limits import CountingReader, megabytes

MB = 1024**2
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
RECORD = "chr1\t1060\t.\tC\tA\t.\t.\t.\n"


def gzip_bomb(path: Path, head: str, repeated: str, expanded: int) -> Path:
    """`head` then `repeated` until about `expanded` bytes, as a small multi-member gzip.

    One member is compressed once and repeated: gzip readers decode members back to back.
    """
    chunk = repeated * (8 * MB // len(repeated))
    member = gzip.compress(chunk.encode(), compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(head.encode()))
        for _ in range(expanded // len(chunk)):
            out.write(member)
    return path


def test_a_gzip_bomb_of_records_fails_at_the_expanded_bound(tmp_path, bundle):
    # 2 GB of valid records in about 5 MB: without the bound this completes, slowly.
    bomb = gzip_bomb(tmp_path / "bomb.vcf.gz", HEADER, RECORD, 2048 * MB)
    assert bomb.stat().st_size < 8 * MB
    with pytest.raises(AnnotationError) as failed:
        annotate_file(bomb, tmp_path / "out", bundle, limits=Limits(expanded_bytes=8 * MB))
    assert str(failed.value) == "the input expands to more than 8 MB"
    assert not (tmp_path / "out" / "bomb.annot.vcf").exists()  # no partial result
    assert "the input expands to more than 8 MB" in failed.value.log_path.read_text()


def test_the_header_bound_stops_the_issue_s_bomb(tmp_path, bundle):
    # The report's case: 1,400 header lines of 100 KB each (140 MB) in a small upload.
    line = "##note=" + "x" * 100_000 + "\n"
    bomb = gzip_bomb(tmp_path / "h.vcf.gz", "##fileformat=VCFv4.2\n", line, 140 * MB)
    with pytest.raises(AnnotationError, match=r"^the input's header is larger than 4 MB$"):
        annotate_file(bomb, tmp_path / "out", bundle,
                      limits=Limits(expanded_bytes=1024 * MB, header_bytes=4 * MB))


def test_one_endless_header_line_is_stopped_at_the_header_bound(tmp_path, bundle):
    bomb = gzip_bomb(tmp_path / "line.vcf.gz", "##fileformat=VCFv4.2\n##x=", "y" * 1000,
                     512 * MB)
    with pytest.raises(AnnotationError, match=r"header is larger than 1 MB"):
        annotate_file(bomb, tmp_path / "out", bundle, limits=Limits(header_bytes=MB))


def test_the_output_bound_fails_a_job_whose_result_would_be_too_big(tmp_path, bundle):
    src = tmp_path / "ok.vcf"
    src.write_text(HEADER + RECORD * 20_000)  # ~0.5 MB in, more out (ANN is added)
    with pytest.raises(AnnotationError, match=r"^the annotated output would be larger than "
                       r"0\.25 MB$"):
        annotate_file(src, tmp_path / "out", bundle, limits=Limits(output_bytes=MB // 4))
    assert not (tmp_path / "out" / "ok.annot.vcf").exists()


def test_inputs_inside_the_bounds_are_annotated_as_before(tmp_path, bundle):
    src = tmp_path / "ok.vcf.gz"
    src.write_bytes(gzip.compress((HEADER + RECORD * 1000).encode()))
    bounded = annotate_file(src, tmp_path / "b", bundle,
                            limits=Limits(expanded_bytes=MB, header_bytes=1000,
                                          output_bytes=10 * MB))
    free = annotate_file(src, tmp_path / "f", bundle)
    assert bounded.variants == free.variants == 1000
    assert bounded.annot_path.read_bytes() == free.annot_path.read_bytes()


def test_the_reader_stops_within_one_chunk_of_the_bound(tmp_path):
    """Fast means: the stream is not read past the chunk that crosses the bound."""
    source = gzip.open(gzip_bomb(tmp_path / "b.gz", "", RECORD, 256 * MB))
    counter = CountingReader(source, 3 * MB, AnnotationError("over"))
    buffer = bytearray(1 << 20)
    with pytest.raises(AnnotationError):
        while counter.readinto(buffer):
            pass
    assert 3 * MB < counter.count <= 4 * MB


@pytest.mark.parametrize("size, text", [(64 * MB, "64"), (MB // 2, "0.5"),
                                        (16 * 1024 * MB, "1.638e+04")])
def test_megabytes_reads_as_people_write_it(size, text):
    assert megabytes(size) == text
