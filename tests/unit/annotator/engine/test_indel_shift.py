"""engine/indel_shift.py: the batch 3' shift of indels against the per-record semantics.

`_one_by_one` is the per-record code the fast path had before (string windows, a base at
a time); the batch must give the same shapes, and leave out the same records, on random
sequences full of repeats and homopolymers, N runs and contig ends. A few cases are
worked out by hand.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from gas_annotator.engine import indel_shift
from gas_annotator.engine.codons import revcomp
from gas_annotator.engine.consequence import trim
from gas_annotator.engine.indel_shift import DEL, DUP, INS, ROLL
from gas_annotator.reference.genome import Genome, pack

KINDS = {"del": DEL, "dup": DUP, "ins": INS}


def _genome(seq: str) -> Genome:
    packed, nruns = pack(seq.encode())
    return Genome(packed, nruns, {"c": {"sequence": [0, len(seq), 0, len(nruns)]}})


def _one_by_one(g: Genome, pos: int, ref: str, alt: str) -> list[tuple] | None:
    """Per strand (+, -): lo, hi, s, e, kind, first, last, shifted, inserted text (for
    'ins' only); None when the record is not a simple indel."""
    if not (ref.isascii() and ref.isalpha() and alt.isascii() and alt.isalpha()):
        return None
    if g.fetch("c", pos, pos + len(ref) - 1) != ref.upper():
        return None
    al = trim(pos, ref, alt)
    if (al.ref == "") == (al.alt == ""):
        return None
    lo_w, hi_w = al.s - ROLL, max(al.e, al.s) + ROLL
    win = g.fetch("c", lo_w, hi_w)
    if lo_w < 2 or len(win) != hi_w - lo_w + 1 or "N" in win:
        return None
    shapes = []
    for plus in (True, False):
        s, e, seq = al.s, al.e, al.ref or al.alt
        if plus:
            while win[e + 1 - lo_w] == seq[0]:
                seq, s, e = seq[1:] + seq[0], s + 1, e + 1
                if e + 2 > hi_w:
                    return None
        else:
            while win[s - 1 - lo_w] == seq[-1]:
                seq, s, e = seq[-1] + seq[:-1], s - 1, e - 1
                if s - 2 < lo_w:
                    return None
        n, text = len(seq), ""
        if al.ref:
            kind, first, last, lo, hi = "del", (s if plus else e), (e if plus else s), s, e
        else:
            dup_lo, dup_hi = (s - n, s - 1) if plus else (s, s + n - 1)
            if win[dup_lo - lo_w:dup_hi - lo_w + 1] == seq:
                kind = "dup"
                first, last = (dup_lo, dup_hi) if plus else (dup_hi, dup_lo)
                if n == 1:
                    last = first
            else:
                kind, text = "ins", (seq if plus else revcomp(seq))
                first, last = (s - 1, s) if plus else (s, s - 1)
            lo, hi = min(dup_lo, s - 1), max(dup_hi, s)
        lo, hi = min(lo, al.s - (al.ref == "")), max(hi, al.e, al.s)
        shapes.append((lo, hi, s, max(e, s), KINDS[kind], first, last, s != al.s, text))
    return shapes


def _batch(g: Genome, records: list[tuple[int, str, str]]) -> dict[int, list[tuple]]:
    got = indel_shift.shapes(g, "c", np.array([p for p, _, _ in records], np.int64),
                             [r for _, r, _ in records], [a for _, _, a in records])
    text = got.text.to_list()
    cols = (got.lo, got.hi, got.s, got.e, got.kind, got.first, got.last, got.shifted)
    return {k: [(*(int(c[i]) if c is not got.shifted else bool(c[i]) for c in cols), text[i])
                for i in (2 * j, 2 * j + 1)]
            for j, k in enumerate(got.k.tolist())}


def _random_genome(rnd: random.Random, length: int) -> str:
    """Random bases, homopolymers, tandem repeats (some longer than ROLL) and N runs."""
    out: list[str] = []
    while sum(map(len, out)) < length:
        roll = rnd.random()
        if roll < 0.3:
            out.append(rnd.choice("ACGT") * rnd.randint(2, 30))
        elif roll < 0.6:
            unit = "".join(rnd.choices("ACGT", k=rnd.randint(2, 7)))
            out.append(unit * rnd.randint(2, 25))
        elif roll < 0.62:
            out.append(rnd.choice("ACGT") * rnd.randint(ROLL - 3, ROLL + 3))
        elif roll < 0.64:
            out.append("N" * rnd.randint(1, 5))
        else:
            out.append("".join(rnd.choices("ACGT", k=rnd.randint(1, 40))))
    return "".join(out)[:length]


def _random_records(rnd: random.Random, seq: str, n: int) -> list[tuple[int, str, str]]:
    """Deletions, insertions (of the next or previous bases: dups and shifts, or random
    letters), with padding either side; and records the batch must leave out."""
    records = []
    for _ in range(n):
        p = rnd.randint(1, len(seq) - 12)
        before, after = rnd.randint(0, 2), rnd.randint(0, 2)
        size = rnd.randint(1, 6)
        roll = rnd.random()
        if roll < 0.4:  # deletion of size bases after `before` padding bases
            ref = seq[p - 1:p - 1 + before + size + after] or seq[p - 1]
            alt = ref[:before] + ref[before + size:]
        else:  # insertion after `before` bases
            ref = seq[p - 1:p - 1 + before + after + 1]
            cut = min(before + 1, len(ref))
            if roll < 0.6:
                ins = seq[p - 1 + cut:p - 1 + cut + size]
            elif roll < 0.75:
                ins = seq[max(p - 1 + cut - size, 0):p - 1 + cut]
            else:
                ins = "".join(rnd.choices("ACGT", k=size))
            alt = ref[:cut] + ins + ref[cut:]
        odd = rnd.random()
        if odd < 0.05:
            ref, alt = ref.lower(), alt.lower()
        elif odd < 0.08:
            ref = "".join(rnd.choices("ACGT", k=len(ref)))  # REF mismatch (mostly)
        elif odd < 0.10:
            alt = rnd.choice(["A,C", "<DEL>", "*", "", alt[:-1] + "é", alt + "1"])
        elif odd < 0.12:
            alt = "".join(rnd.choices("ACGT", k=len(ref)))  # MNV or SNV
        elif odd < 0.14:
            alt = "".join(rnd.choices("ACGT", k=rnd.randint(1, 6)))  # complex, mostly
        if len(ref) + len(alt) <= indel_shift.MAX_INDEL and (ref, alt) != ("", ""):
            records.append((p, ref, alt))
    return records


@pytest.mark.parametrize("seed", range(6))
def test_batch_gives_the_per_record_shapes(seed: int) -> None:
    rnd = random.Random(seed)
    seq = _random_genome(rnd, 6_000)
    g = _genome(seq)
    records = _random_records(rnd, seq, 3_000)
    got = _batch(g, records)
    want = {k: s for k, rec in enumerate(records) if (s := _one_by_one(g, *rec)) is not None}
    assert got.keys() == want.keys()
    for k, shape in want.items():
        assert got[k] == shape, records[k]
    # the random cases reach every branch
    kinds = {s[4] for strands in want.values() for s in strands}
    assert kinds == {DEL, DUP, INS}
    assert sum(s[7] for strands in want.values() for s in strands) > 100  # shifted
    assert len(want) > len(records) // 3
    assert len(records) - len(want) > 100  # and some left out


def test_spread_out_records_read_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records over more than SPAN bases: their windows are read one by one, same shapes."""
    rnd = random.Random(11)
    seq = _random_genome(rnd, 4_000)
    g = _genome(seq)
    records = _random_records(rnd, seq, 500)
    whole = _batch(g, records)
    monkeypatch.setattr(indel_shift, "SPAN", 50)
    assert _batch(g, records) == whole
    assert len(whole) > 100


def test_shapes_by_hand() -> None:
    rnd = random.Random(3)
    filler = "".join(rnd.choices("ACGT", k=300))
    # 301 T, 302 C, 303-308 AGAGAG, 309 T, 310 C; 411 G, 412-415 AAAA, 416 C;
    # 517 C, 518-767 A * 250, 768 G; an N at 1_000
    seq = (filler + "TCAGAGAGTC" + filler[:100] + "GAAAAC" + filler[:100] + "C" + "A" * 250
           + "G" + filler[:231] + "N" + filler)
    g = _genome(seq)
    got = _batch(g, [
        (302, "CAG", "C"),  # deletion of AG: 3' on +, stays on -
        (304, "G", "GGA"),  # insertion of GA: no repeat, no shift
        (302, "C", "CAG"),  # insertion of AG: moves to the end of AGAGAG on +
        (411, "G", "GA"),  # one more A in AAAA
        (412, "a", "AA"),  # the same, lowercase
        (518, "AA", "A"),  # one A less in A * 250: would move more than ROLL
        (411, "GA", "TA"),  # an SNV written long
        (411, "GA", "GT"),  # REF is GA, not an indel
        (412, "G", "GA"),  # REF mismatch
        (850, seq[849:851], seq[849]),  # an N within ROLL bases
        (150, seq[149:151], seq[149]),  # within ROLL bases of the contig's start
        (851, seq[850], seq[850] + "G"),  # an insertion there
    ])
    assert _batch(g, []) == {}
    # (lo, hi, s, e, kind, first, last, shifted, text) on +, then on -
    assert got == {
        0: [(303, 308, 307, 308, DEL, 307, 308, True, ""),
            (303, 304, 303, 304, DEL, 304, 303, False, "")],
        1: [(303, 305, 305, 305, INS, 304, 305, False, "GA"),
            (304, 306, 305, 305, INS, 305, 304, False, "TC")],
        2: [(302, 309, 309, 309, DUP, 307, 308, True, ""),
            (302, 304, 303, 303, DUP, 304, 303, False, "")],
        3: [(411, 416, 416, 416, DUP, 415, 415, True, ""),
            (411, 412, 412, 412, DUP, 412, 412, False, "")],
        4: [(412, 416, 416, 416, DUP, 415, 415, True, ""),  # after 412: it moves on - too
            (411, 413, 412, 412, DUP, 412, 412, True, "")],
    }
