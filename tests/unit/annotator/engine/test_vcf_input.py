"""VcfReader: whole lines in blocks, line numbers, compressed and odd inputs."""

import gzip
from pathlib import Path

import pytest
from gas_annotator.engine.vcf_input import VcfReader

LINES = [f"1\t{100 + k}\t.\tA\tG\t.\t.\tK={'x' * (k % 7)}" for k in range(500)]


def _records(reader: VcfReader, hint: int) -> list[list[str]]:
    """The blocks read, each as its lines; every block but the last ends a line."""
    blocks = []
    while block := reader.read_block(hint):
        blocks.append(block)
    assert all(b.endswith("\n") for b in blocks[:-1])
    return [b.removesuffix("\n").split("\n") for b in blocks]


@pytest.mark.parametrize("ending", ["\n", ""])
@pytest.mark.parametrize("hint", [1, 100, 1 << 20])
def test_read_block_gives_whole_lines_in_order(tmp_path: Path, ending: str, hint: int) -> None:
    path = tmp_path / "in.vcf"
    path.write_text("\n".join(LINES) + ending)
    reader = VcfReader(path)
    blocks = _records(reader, hint)
    assert [ln for b in blocks for ln in b] == LINES
    assert reader.lineno == len(LINES)
    if hint == 1:  # each read still ends on a line's end
        assert all(len(b) == 1 for b in blocks)


def test_read_block_from_gzip_with_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.vcf.gz"
    with gzip.open(path, "wt", newline="") as f:
        f.write("\r\n".join(LINES[:3] + ["", LINES[3]]) + "\r\n")
    assert [ln for b in _records(VcfReader(path), 64) for ln in b] == \
        LINES[:3] + ["", LINES[3]]


def test_read_block_after_peek_and_push_back(tmp_path: Path) -> None:
    path = tmp_path / "in.vcf"
    path.write_text("##fileformat=VCFv4.2\n" + "\n".join(LINES) + "\n")
    reader = VcfReader(path)
    assert reader.readline() == "##fileformat=VCFv4.2\n"
    peeked = reader.peek(200)
    assert peeked[0] == LINES[0] + "\n"
    first = reader.readline()
    reader.push_back(first)
    got = [ln for b in _records(reader, 300) for ln in b]
    assert got == LINES
    assert reader.lineno == len(LINES) + 1
