"""vcf_columns: a batch of record lines as columns (parse) and back to lines (write)."""

import random

import numpy as np
import pytest
from gas_annotator.engine import vcf_columns

ODD = b"X\xff".decode("utf-8", "surrogateescape")  # a byte that is not UTF-8, as read
LINES = [
    "chr1\t100\trs1\tA\tG\t50\tPASS\tDP=3\tGT\t0/1",
    "chr1\t105\t.\tAC\tA,ACC\t.\t.\t.",  # 8 columns: no FORMAT
    f"chr1\t7\t.\tT\tC\t.\t.\tNOTE={ODD};X=é\tGT:DP\t1/1:4\t0/0:2",
    "chr2\t1\tid;2\tN\t<DEL>\t-1\t0\t\tGT",  # empty INFO
    "chr1\t3\t.\tG\tA\t.\t.\tK=v",  # chr1 again: a new run
]


def _fields(line: str) -> list[str]:
    return line.split("\t", 8)


@pytest.mark.parametrize("ending", ["\n", ""])
def test_parse_gives_the_columns_and_runs(ending: str) -> None:
    raw, runs, offsets, problem, recs = vcf_columns.parse("\n".join(LINES) + ending, True)
    assert problem is None
    rows = [_fields(ln) for ln in LINES]
    assert runs == [("chr1", 0, 3), ("chr2", 3, 4), ("chr1", 4, 5)]
    assert recs.pos.dtype == np.int64 and recs.pos.tolist() == [int(r[1]) for r in rows]
    assert recs.refs == [r[3] for r in rows]
    assert recs.alts == [r[4] for r in rows]
    assert recs.info == [r[7] for r in rows]
    assert recs.ids == [r[2] for r in rows]
    assert recs.ref_len.tolist() == [1, 2, 1, 1, 1]
    assert recs.alt_len.tolist() == [1, 5, 1, 5, 1]
    assert recs.ref_cp.tolist() == [ord("A"), 0, ord("T"), ord("N"), ord("G")]
    assert recs.alt_cp.tolist() == [ord("G"), 0, ord("C"), 0, ord("A")]
    assert offsets.shape == (5, 8)
    assert raw == ("\n".join(LINES) + ending).encode("utf-8", "surrogateescape")


def test_write_puts_new_id_and_info_between_the_other_columns() -> None:
    raw, _, offsets, _, recs = vcf_columns.parse("\n".join(LINES), True)
    infos, ids = recs.info, recs.ids
    assert ids is not None
    assert vcf_columns.write(raw, offsets, None, infos, False) == \
        ("\n".join(LINES) + "\n").encode("utf-8", "surrogateescape")
    ids[1], infos[1], infos[2] = "rs9;rs10", "VC=SNV", f"ANN={ODD}|x"
    rows = [_fields(ln) for ln in LINES]
    rows[1][2], rows[1][7], rows[2][7] = "rs9;rs10", "VC=SNV", f"ANN={ODD}|x"
    expected = "".join("\t".join(r) + "\n" for r in rows).encode("utf-8", "surrogateescape")
    assert vcf_columns.write(raw, offsets, ids, infos, False) == expected


def test_write_v33_fixes_missing_qual_and_pass() -> None:
    text = "1\t5\t.\tA\tG\t-1\t0\t.\n1\t6\t.\tA\tG\t-10\t01\t.\tGT\t0/1\n"
    raw, _, offsets, _, recs = vcf_columns.parse(text, False)
    infos = recs.info
    assert recs.ids is None
    assert vcf_columns.write(raw, offsets, None, infos, True) == \
        b"1\t5\t.\tA\tG\t.\tPASS\t.\n1\t6\t.\tA\tG\t-10\t01\t.\tGT\t0/1\n"
    assert vcf_columns.write(raw, offsets, None, infos, False) == text.encode()


def test_blank_lines_are_skipped_and_counted_in_line_numbers() -> None:
    text = "\n  \n1\t5\t.\tA\tG\t.\t.\t.\n\t\n1\tx\t.\tA\tG\t.\t.\t.\n"
    _, runs, _, problem, recs = vcf_columns.parse(text, False)
    assert runs == [("1", 0, 1)] and recs.pos.tolist() == [5]
    assert problem == (4, vcf_columns.BAD_POS, "x")  # the fifth line


@pytest.mark.parametrize(("line", "problem"), [
    ("1\t5\t.\tA", (vcf_columns.SHORT, 4)),
    ("#CHROM\tPOS", (vcf_columns.HEADER, 2)),
    ("#1\t5\t.\tA\tG\t.\t.\t.", (vcf_columns.HEADER, 8)),
    ("1\t\t.\tA\tG\t.\t.\t.", (vcf_columns.BAD_POS, "")),
    ("1\t-5\t.\tA\tG\t.\t.\t.", (vcf_columns.BAD_POS, "-5")),
    ("1\t 5\t.\tA\tG\t.\t.\t.", (vcf_columns.BAD_POS, " 5")),
    ("1\t1234567890123456\t.\tA\tG\t.\t.\t.", (vcf_columns.BAD_POS, "1234567890123456")),
])
def test_the_first_line_that_is_not_a_record_is_reported(line: str, problem: tuple) -> None:
    text = "1\t4\t.\tA\tG\t.\t.\t.\n" + line + "\n1\t9\t.\tA\tG\t.\t.\t.\n"
    _, runs, _, got, recs = vcf_columns.parse(text, False)
    assert got == (1, *problem)
    assert recs.pos.tolist() == [4] and recs.refs == ["A"] and runs == [("1", 0, 1)]
    assert len(recs.ref_len) == len(recs.alt_cp) == 1


def test_the_largest_pos_is_read() -> None:
    recs = vcf_columns.parse("1\t999999999999999\t.\tA\tG\t.\t.\t.", False)[4]
    assert recs.pos.tolist() == [999_999_999_999_999]


def test_empty_text_has_no_records() -> None:
    raw, runs, offsets, problem, recs = vcf_columns.parse("", True)
    assert (raw, runs, recs.refs, recs.ids, problem) == (b"", [], [], [], None)
    assert len(recs.pos) == len(recs.ref_len) == 0
    assert vcf_columns.write(raw, offsets, recs.ids, recs.info, False) == b""


def test_random_lines_round_trip_as_split_would() -> None:
    rng = random.Random(7)
    alphabet = ["A", "C", "G", "T", ".", ";", "=", ",", "é", ODD, "|", "x"]

    def field() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))

    lines = []
    for _ in range(2000):
        extra = [field() for _ in range(rng.randrange(0, 4))]
        lines.append("\t".join([rng.choice(["1", "chr2", "é"]), str(rng.randrange(10**9)),
                                field(), field(), field(), field(), field(), field(), *extra]))
    raw, _, offsets, problem, recs = vcf_columns.parse("\n".join(lines), True)
    rows = [_fields(ln) for ln in lines]
    assert problem is None and recs.pos.tolist() == [int(r[1]) for r in rows]
    assert (recs.refs, recs.alts, recs.info, recs.ids) == (
        [r[3] for r in rows], [r[4] for r in rows], [r[7] for r in rows], [r[2] for r in rows])
    assert recs.ref_len.tolist() == [len(r[3]) for r in rows]
    assert recs.alt_cp.tolist() == [ord(r[4]) if len(r[4]) == 1 else 0 for r in rows]
    ids = recs.ids
    new = [f"N{k}" for k in range(len(rows))]
    for r, v in zip(rows, new, strict=True):
        r[7] = v
    assert vcf_columns.write(raw, offsets, ids, new, False) == \
        "".join("\t".join(r) + "\n" for r in rows).encode("utf-8", "surrogateescape")


def test_write_checks_its_columns() -> None:
    raw, _, offsets, _, recs = vcf_columns.parse("\n".join(LINES), False)
    with pytest.raises(ValueError, match="one ID and one INFO"):
        vcf_columns.write(raw, offsets, None, recs.info[:-1], False)


def test_a_part_of_the_records_writes_back_into_them() -> None:
    recs = vcf_columns.parse("\n".join(LINES), True)[4]
    assert recs.part(0, len(recs)) is recs
    part = recs.part(3, 5)
    assert part.refs == ["N", "G"] and part.pos.tolist() == [1, 3]
    part.set_info([1], ["NEW"])
    assert part.ids is not None
    part.ids[0] = "rs5"
    assert recs.info[4] == "K=v"  # a copy until put back
    recs.put_back(3, part)
    assert recs.info[3:] == ["", "NEW"] and recs.ids is not None and recs.ids[3] == "rs5"
