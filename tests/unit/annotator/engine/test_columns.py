"""columns.records and its compiled core (entry_text): the exact text, and bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
from gas_annotator.engine import columns, entry_text

I64 = np.int64


def test_records_by_hand() -> None:
    starts = np.array([0, 2, 3])
    texts = columns.records(
        starts, ["VC=SNV;ANN=", "DP=3;VC=INS;ANN="], [";PICK=T1", ";PICK=T9"],
        columns.pick(["A", "TT"], np.array([0, 0, 1])), "|",
        columns.pick(["intron", "", ""], np.array([0, 1, 2])), "|",
        columns.text(np.array([12, -3, 0]), np.array([False, False, True])))
    assert texts == ["VC=SNV;ANN=A|intron|12,A||-3;PICK=T1", "DP=3;VC=INS;ANN=TT||;PICK=T9"]


def test_no_tails_and_no_records() -> None:
    assert columns.records(np.array([0, 1]), ["x="], None, "a", "b") == ["x=ab"]
    assert columns.records(np.array([0]), [], None, "a") == []


@pytest.mark.parametrize("value", [0, 7, 9, 10, 99, 100, -1, -10, 123456789012,
                                   2**63 - 1, -(2**63)])
def test_numbers(value: int) -> None:
    got = columns.records(np.array([0, 1]), [""], None, columns.text(np.array([value])))
    assert got == [str(value)]


def test_utf8_texts_round_trip() -> None:
    lead = "NOTE=Gène_ü;ANN="
    texts = columns.records(np.array([0, 2]), [lead], [";PICK=ÅX"],
                            columns.pick(["ß", "a"], np.array([0, 1])), "→")
    assert texts == [f"{lead}ß→,a→;PICK=ÅX"]


def test_table_from_bytes() -> None:
    letters = np.frombuffer(b"ACGTT", np.uint8)
    table = columns.Table.of_bytes(letters, np.array([0, 1, 1, 5]))
    assert table.to_list() == ["A", "", "CGTT"]
    assert columns.records(np.array([0, 3]), [""], None,
                           columns.pick(table, np.array([2, 1, 0]))) == ["CGTT,,A"]


def test_random_pieces_match_python_join() -> None:
    rng = np.random.default_rng(7)
    words = ["", "x", "intron_variant", "ENST00000000001.3", "é", "|" * 17, "/12|"]
    for _ in range(50):
        n_groups = int(rng.integers(1, 30))
        sizes = rng.integers(1, 5, n_groups)
        starts = np.r_[0, np.cumsum(sizes)]
        n = int(starts[-1])
        pieces: list[columns.Piece] = []
        expected_parts: list[list[str]] = []
        for _ in range(int(rng.integers(1, 8))):
            kind = int(rng.integers(3))
            if kind == 0:
                w = words[int(rng.integers(len(words)))]
                pieces.append(w)
                expected_parts.append([w] * n)
            elif kind == 1:
                at = rng.integers(0, len(words), n)
                pieces.append(columns.pick(words, at))
                expected_parts.append([words[i] for i in at])
            else:
                values = rng.integers(-10**12, 10**12, n) // rng.integers(1, 10**11, n)
                absent = rng.random(n) < 0.3
                pieces.append(columns.text(values, absent))
                expected_parts.append(["" if a else str(v)
                                       for v, a in zip(values, absent, strict=True)])
        leads = [f"L{g}=" for g in range(n_groups)]
        tails = [f";T{g}" for g in range(n_groups)]
        entries = ["".join(col[i] for col in expected_parts) for i in range(n)]
        expected = [leads[g] + ",".join(entries[starts[g]:starts[g + 1]]) + tails[g]
                    for g in range(n_groups)]
        assert columns.records(starts, leads, tails, *pieces) == expected


def _pick(at: list[int], table: columns.Table) -> tuple:
    return (entry_text.PICK, np.array(at, I64), table.blob, table.offsets)


def test_bad_input_is_refused_not_written() -> None:
    table = columns.Table(["a", "b"])
    starts = np.array([0, 2], I64)
    with pytest.raises(IndexError):
        entry_text.records(starts, [_pick([0, 2], table)])
    with pytest.raises(IndexError):
        entry_text.records(starts, [_pick([-1, 0], table)])
    with pytest.raises(ValueError, match="items for 2 entries"):
        entry_text.records(starts, [_pick([0], table)])
    with pytest.raises(ValueError, match="padding"):
        entry_text.records(starts, [(entry_text.TEXT, b"ab")])
    with pytest.raises(ValueError, match="padding"):  # a blob without its padding
        entry_text.records(starts, [(entry_text.PICK, np.array([0, 1], I64),
                                     np.frombuffer(b"ab", np.uint8), table.offsets)])
    with pytest.raises(ValueError, match="mask"):
        entry_text.records(starts, [(entry_text.NUMBER, np.array([1, 2], I64),
                                     np.zeros(1, np.uint8))])
    with pytest.raises(ValueError, match="backwards"):
        entry_text.records(np.array([0, 2, 1], I64), [(entry_text.TEXT, bytes(9))])
    with pytest.raises(ValueError, match="kind"):
        entry_text.records(starts, [(9, np.array([1, 2], I64))])


def test_undecodable_input_bytes_round_trip() -> None:
    lead = b"NOTE=\xff\xfe;ANN=".decode("utf-8", "surrogateescape")  # as the input is read
    texts = columns.records(np.array([0, 1]), [lead], None, columns.pick([lead], np.array([0])))
    assert texts == [lead + lead]


@pytest.mark.parametrize("texts", [[], [""], ["", "ab", "", "é"], ("x", "yz"),
                                   ["A" * 70_000, b"\xff".decode("utf-8", "surrogateescape")]])
def test_table_holds_the_texts_bytes_and_padding(texts: list[str]) -> None:
    table = columns.Table(texts)
    data = [t.encode("utf-8", "surrogateescape") for t in texts]
    assert table.blob.tobytes() == b"".join(data) + bytes(entry_text.PAD)
    assert table.offsets.tolist() == np.cumsum([0, *map(len, data)]).tolist()
    assert table.to_list() == list(texts)
