"""The fast path of per-transcript annotation: SNVs and indels, per batch.

Most (variant, transcript) pairs are intronic, up/downstream, in a 3' UTR or in a
non-coding exon. For single-ALT SNVs whose REF matches the genome, and pure insertions
and deletions, every transcript near them is placed at once with numpy (exon lookup, cDNA
position, intron offset, HGVS numbers) and the entries of the pairs in those cases are
written column-wise (columns.py); SNVs inside a CDS get their protein effect from
coding_snv.py. The other pairs of these records (5' UTR, splice-near, stop_lost...) get
their entries from consequence.py, merged in (FastPath.mixed); other
records (MNVs, multi-allelic, REF mismatch...) go whole to TranscriptAnnotator.annotate.
Both give the same bytes: tests/unit/annotator/engine/test_fast_path.py compares them on
random transcripts and variants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress
from typing import NamedTuple

import numpy as np

from ..reference.model import FLANK
from ..reference.transcripts import (
    TX_CDS_HI,
    TX_CDS_LO,
    TX_END,
    TX_EXON0,
    TX_NEXON,
    TX_PHASE,
    TX_START,
    TX_STRAND,
)
from . import columns, indel_shift, placing
from .coding_snv import TERMS, CodingSnvs, fields
from .consequence import Allele, trim
from .indel_shift import MAX_INDEL, ROLL
from .records import Records
from .so_terms import joined
from .splice_sites import DEPTH, INDEX, TERM_LISTS
from .transcript_ann import MODEL_CACHE, TranscriptAnnotator
from .variant_class import code_points

# pair kinds; INTRON: deep in an intron (also for indels); UTR5: an SNV there is UTR5 or
# UTR5_ATG (a new ATG) by coding_snv; CODING + t: coding_snv's term t; SPLICE + t: an SNV
# in an intron near its ends, with splice_sites' term list t; CDS: a base inside the CDS,
# coding_snv tells which term (or SLOW); SLOW: needs consequence.py
FAR, UPSTREAM, DOWNSTREAM, INTRON, NC_EXON, UTR3, UTR5, UTR5_ATG = range(8)
CODING = UTR5_ATG + 1
SPLICE = CODING + len(TERMS)
CDS = SPLICE + len(TERM_LISTS)
SLOW = CDS + 1
_TERMS = {k: joined({t}) for k, t in ((UPSTREAM, "upstream_gene_variant"),
                                       (DOWNSTREAM, "downstream_gene_variant"),
                                       (INTRON, "intron_variant"),
                                       (NC_EXON, "non_coding_transcript_exon_variant"),
                                       (UTR3, "3_prime_UTR_variant"),
                                       (UTR5, "5_prime_UTR_variant"),
                                       *((CODING + i, t) for i, t in enumerate(TERMS)))}
_TERMS[UTR5_ATG] = joined({"5_prime_UTR_variant",
                           "5_prime_UTR_premature_start_codon_gain_variant"})
_TERMS.update((SPLICE + i, t) for i, t in enumerate(TERM_LISTS))
_HEADS = columns.Table([f"|{_TERMS[k][0]}|{_TERMS[k][1]}|" if k in _TERMS else ""
                        for k in range(SLOW + 1)])  # an entry's head by kind
_TERM_RANK = np.array([_TERMS[k][2] if k in _TERMS else 0 for k in range(SLOW + 1)], np.int64)
_EXONIC = np.isin(np.arange(SLOW + 1),  # kinds with a cDNA position
                  [NC_EXON, UTR3, UTR5, UTR5_ATG, *range(CODING, SPLICE)])
_INTRONIC = np.isin(np.arange(SLOW + 1), [INTRON, *range(SPLICE, CDS)])  # rank: '/introns'
_HK = ["del", "dup", "ins"]  # by indel_shift.DEL, DUP, INS
_PREFIX = ["", "-", "*"]  # HGVS position: plain, before c.1 (or n.1), after the stop (or end)
_HGVS_PREFIX = [f"{p}{q}" for p in ("n.", "c.") for q in _PREFIX]  # by coding * 3 + prefix
_BASE_CODE = np.full(256, 4, np.uint8)  # ACGT in either case -> 0-3, anything else 4
for _i, _b in enumerate("ACGT"):
    _BASE_CODE[ord(_b)] = _BASE_CODE[ord(_b.lower())] = _i
# REF>ALT by (REF code * 4 + ALT code) * 2 + on the + strand
_CHANGES = [f"{'TGCA'[r]}>{'TGCA'[a]}" if s == 0 else f"{'ACGT'[r]}>{'ACGT'[a]}"
            for r in range(4) for a in range(4) for s in range(2)]
# Bases next to an exon where more terms than the simple ones can apply (splice_region:
# exon bases 1-3; intron bases up to 8 from the donor, 17 from the acceptor with VEP's
# polypyrimidine tract): pairs there go to consequence.py. A new term deeper in an intron
# must widen these.
EXON_EDGE, INTRON_EDGE = 3, 17
# what placing.place needs to know, in its order
_PLACING = np.array([FAR, UPSTREAM, DOWNSTREAM, INTRON, NC_EXON, UTR3, UTR5, CDS, SLOW, SPLICE,
                     FLANK, EXON_EDGE, INTRON_EDGE, DEPTH], np.int64)
_SPLICE_INDEX = np.ascontiguousarray(INDEX, np.int64).reshape(-1)


def _codes(bases: str) -> np.ndarray:
    """Base code (see _BASE_CODE) of each character."""
    return _base_codes(code_points(bases))


def _base_codes(points: np.ndarray) -> np.ndarray:
    """Base code (see _BASE_CODE) of each code point."""
    return np.where(points < 256, _BASE_CODE[np.minimum(points, 255)], 4)


@dataclass
class Done:
    """Records annotated here: index in the batch, INFO text, most severe term rank."""

    ks: np.ndarray
    texts: list[str]
    tops: np.ndarray

    @staticmethod
    def empty() -> Done:
        return Done(np.zeros(0, np.int64), [], np.zeros(0, np.int64))

    def plus(self, other: Done) -> Done:
        return Done(np.concatenate([self.ks, other.ks]), self.texts + other.texts,
                    np.concatenate([self.tops, other.tops]))


class RowInfo(NamedTuple):
    """What the entries of one transcript share."""

    feature: str  # 'Gene_Name|Gene_ID|Feature_Type|Feature_ID|Transcript_BioType|'
    feature_id: str
    notes: str
    coding: bool
    plus: bool
    pick: tuple  # TranscriptAnnotator.pick_key
    n: int  # exons
    length: int  # cDNA


@dataclass
class RowTable:
    """What the entries of some transcripts (sorted rows) share, as columns."""

    rows: np.ndarray
    feature: list[str]  # per row: 'Gene_Name|...|Transcript_BioType|'
    feature_id: list[str]
    notes: list[str]
    coding: np.ndarray
    plus: np.ndarray
    of_exons: list[str]  # per row: '/exons|', '/introns|'; then '|' (fewer pieces to join)
    of_length: list[str]  # per row: '/cDNA length'; then ''
    feature_order: np.ndarray  # rank of the row by Feature_ID
    pick_order: np.ndarray  # rank of the row by pick_key


@dataclass
class Grouped:
    """Pairs (record, transcript) in the order of their entries: by record, then term
    rank and Feature_ID."""

    order: np.ndarray  # of the pairs given
    pair_k: np.ndarray
    u: np.ndarray  # the pair's transcript in `rows`
    kind: np.ndarray
    term: np.ndarray
    starts: np.ndarray  # each record's first pair, and the end
    rows: RowTable
    picks: list[str]  # ';PICK=...' per record

    @property
    def ks(self) -> np.ndarray:
        return self.pair_k[self.starts[:-1]]

    def done(self, records: np.ndarray, leads: list[str], alleles: columns.Piece,
             rank: np.ndarray, hgvs: tuple, cdna: np.ndarray | None, dist: np.ndarray,
             notes: columns.Piece, split: np.ndarray | None = None,
             protein: tuple[list[columns.Piece], list[columns.Piece]] | None = None
             ) -> tuple[Done, list[str]]:
        """The records' INFO text from their entries' fields (flank pairs have no rank, the
        others no distance; cDNA position in exons only; HGVS.p and the 'CDS|AA' fields
        from `protein`, empty where none), and the entries of the `split` pairs one by one
        (their records are left out: they have entries from elsewhere)."""
        kind, u, rows = self.kind, self.u, self.rows
        far = (kind == UPSTREAM) | (kind == DOWNSTREAM)
        end = len(rows.feature_id)  # the text after the per-row ones (None, or "|")
        pieces = [alleles, columns.pick(_HEADS, kind), columns.pick(rows.feature, u),
                  columns.text(rank, far),
                  columns.pick(rows.of_exons, np.where(far, 2 * end, 2 * u + _INTRONIC[kind])),
                  *hgvs, *(protein[0] if protein else ["||"])]
        if cdna is not None:
            exonic = _EXONIC[kind]
            pieces += [columns.text(cdna, ~exonic),
                       columns.pick(rows.of_length, np.where(exonic, u, end))]
        pieces += [*(protein[1] if protein else ["|||"]), columns.text(dist, ~far), "|", notes]
        if split is None or not split.any():
            return Done(records, columns.records(self.starts, leads, self.picks, *pieces),
                        self.term[self.starts[:-1]]), []
        cut = np.zeros(len(self.pair_k) + 1, bool)
        cut[self.starts] = True
        cut[:-1] |= split  # a split pair: a group of its own, with no lead nor tail
        starts = np.flatnonzero(cut)
        alone = split[starts[:-1]].tolist()
        record = (np.searchsorted(self.starts, starts[:-1], "right") - 1).tolist()
        texts = columns.records(
            starts, ["" if a else leads[r] for a, r in zip(alone, record, strict=True)],
            ["" if a else self.picks[r] for a, r in zip(alone, record, strict=True)], *pieces)
        whole = ~split[self.starts[:-1]]
        return (Done(records[whole], [t for t, a in zip(texts, alone, strict=True) if not a],
                     self.term[self.starts[:-1]][whole]), list(compress(texts, alone)))


def _snv(k: int) -> str:
    return "SNV"


def _offset(off: np.ndarray, absent: np.ndarray | None = None
            ) -> tuple[columns.Pick, columns.Text]:
    """An HGVS intron offset: '+5', '-3' or nothing (0, or where `absent`)."""
    none = off == 0 if absent is None else (off == 0) | absent
    return columns.pick(["", "+"], ((off > 0) & ~none).astype(np.int64)), columns.text(off, none)


def _ranks(keys: list) -> np.ndarray:
    """Position of each key in sorted order."""
    out = np.empty(len(keys), np.int64)
    out[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return out


class ContigTables:
    """The exons of one contig's transcripts as flat arrays, and each transcript's c.1/c.* ends.

    Exons are in genomic order per transcript, transcripts in row order, so the key
    (transcript << 32 | exon start) is sorted and one searchsorted finds the exon at or
    before a base in every (base, transcript) pair.
    """

    def __init__(self, num: np.ndarray, exon: np.ndarray, r0: int, r1: int) -> None:
        rows = np.asarray(num[r0:r1])
        n = rows[:, TX_NEXON].astype(np.int64)
        self.r0, self.nexon = r0, n
        self.start = np.ascontiguousarray(rows[:, TX_START], np.int64)
        self.end = np.ascontiguousarray(rows[:, TX_END], np.int64)
        self.plus = rows[:, TX_STRAND] > 0
        self.base = np.zeros(len(rows) + 1, np.int64)  # first exon of each transcript
        np.cumsum(n, out=self.base[1:])
        idx = (np.repeat(rows[:, TX_EXON0] - self.base[:-1], n)
               + np.arange(int(self.base[-1]), dtype=np.int64))
        ex = np.asarray(exon[idx], dtype=np.int64).reshape(-1, 2)
        self.es, self.ee = np.ascontiguousarray(ex[:, 0]), np.ascontiguousarray(ex[:, 1])
        tid = np.repeat(np.arange(len(rows), dtype=np.int64), n)
        self.key = (tid << 32) | self.es
        lens = self.ee - self.es + 1
        before = np.cumsum(lens) - lens  # bases of the contig's exons before each exon
        tx_before = np.append(before, 0)[self.base[:-1]]
        self.cum = before - np.repeat(tx_before, n)  # bases before each exon in its transcript
        self.length = np.zeros(len(rows), np.int64)
        has = n > 0
        last = self.base[1:] - 1
        self.length[has] = (self.cum[last[has]] + lens[last[has]])
        # c1/c2: cDNA of the first and last coding base (as TxModel: c1 moves past a
        # partial first codon); coding only when both ends fall in exons
        t = np.arange(len(rows), dtype=np.int64)
        lo, hi = rows[:, TX_CDS_LO], rows[:, TX_CDS_HI]
        first, last_b = np.where(self.plus, lo, hi), np.where(self.plus, hi, lo)
        self.c1 = self.cdna(t, first)
        self.c2 = self.cdna(t, last_b)
        self.coding = (lo > 0) & (self.c1 > 0) & (self.c2 > 0)
        self.c1 = self.c1 + np.maximum(rows[:, TX_PHASE], 0)
        self.plus_u8, self.coding_u8 = self.plus.view(np.uint8), self.coding.view(np.uint8)

    def exon_at(self, t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(flat index of the exon starting at or before p, its index in the transcript;
        -1 when p is before the transcript's first exon)."""
        j = np.searchsorted(self.key, (t << 32) | p, "right") - 1
        i = j - self.base[t]
        return np.maximum(j, 0), i

    def cdna(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        """cDNA position of exonic bases p (0 where p is not in an exon of t)."""
        j, i = self.exon_at(t, p)
        inside = (i >= 0) & (p <= self.ee[j]) & (p > 0)
        return np.where(inside, self._cdna(t, p, j), 0)

    def _cdna(self, t: np.ndarray, p: np.ndarray, j: np.ndarray) -> np.ndarray:
        """cDNA position of p in flat exon j of t (p in that exon or at one of its ends)."""
        return np.where(self.plus[t], self.cum[j] + p - self.es[j] + 1,
                        self.length[t] - self.cum[j] - (self.ee[j] - self.es[j] + 1)
                        + self.ee[j] - p + 1)


def place(tab: ContigTables, t: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
    """Kind, rank number, HGVS position (prefix, number, offset), cDNA and distance of
    each (transcript t, SNV at p) pair; compiled (placing.pyx), by these rules:

    - outside the transcript: UPSTREAM or DOWNSTREAM within FLANK bases, else FAR;
    - in an exon 3 or more bases from an intron (EXON_EDGE: no splice_region): NC_EXON
      (non-coding), UTR3, CDS or UTR5 by its cDNA position against c1..c2; rank: the
      exon;
    - in an intron deeper than INTRON_EDGE from both ends: INTRON; nearer an end, when
      the exons on both sides have 3 bases or more or end the transcript (consequence.py
      also looks at the next introns): SPLICE + the splice_sites list by the distances
      to the 5' and 3' ends; HGVS from the nearer exon (the 5' one on a tie), offset +/-;
    - anything else SLOW (consequence.py);
    - HGVS number: c. from c1 (coding) or n. from 1, '-' before and '*' after.
    The cDNA position is that in the exon at or before p (meaningful in exons only).
    """
    got = placing.place(np.ascontiguousarray(t, np.int64), np.ascontiguousarray(p, np.int64),
                        tab.plus_u8, tab.start, tab.end, tab.nexon, tab.length, tab.c1,
                        tab.c2, tab.coding_u8, tab.base, tab.es, tab.ee, tab.cum,
                        _SPLICE_INDEX, _PLACING)
    return dict(zip(("kind", "rank", "pre", "num", "off", "cdna", "dist", "n", "length"),
                    got, strict=True))


class FastPath:
    """Formats the ANN entries of a batch's SNV and indel records for a TranscriptAnnotator."""

    def __init__(self, tx: TranscriptAnnotator) -> None:
        self.tx = tx
        self.tables: dict[str, ContigTables] = {}
        self.info: dict[int, RowInfo] = {}
        self.coding = CodingSnvs(tx)

    def row_info(self, row: int, contig: str) -> RowInfo:
        """What the entries of one transcript share (cached)."""
        if len(self.info) >= MODEL_CACHE:
            self.info.clear()
        m = self.tx.model(row, contig)
        got = self.info[row] = RowInfo(f"{m.feature}|", m.feature_id, "&".join(m.notes), m.coding,
                                       m.plus, self.tx.pick_key(row, m), m.n, m.length)
        return got

    def row_table(self, rows: np.ndarray, contig: str) -> RowTable:
        info, rowinfo = self.info, self.row_info
        got = [info.get(row) or rowinfo(row, contig) for row in rows.tolist()]
        return RowTable(rows, [g.feature for g in got], [g.feature_id for g in got],
                        [g.notes for g in got], np.array([g.coding for g in got], np.int64),
                        np.array([g.plus for g in got], np.int64),
                        [x for g in got for x in (f"/{g.n}|", f"/{g.n - 1}|")] + ["|"],
                        [f"/{g.length}" for g in got] + [""],
                        _ranks([g.feature_id for g in got]), _ranks([g.pick for g in got]))

    def pairs(self, tx_index: tuple, a: np.ndarray, b: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """(i, row) for each transcript near record i, whose REF spans overlap intervals
        a[i]..b[i]: TranscriptAnnotator.rows for many records at once."""
        _, first_iv, first_tx = tx_index
        off, ids = self.tx.txi_off, self.tx.txi_ids
        valid = b >= 0
        s = np.asarray(off[first_iv + np.maximum(a, 0)], np.int64)
        e = np.asarray(off[first_iv + np.maximum(b, 0) + 1], np.int64)
        n = np.where(valid, e - s, 0)
        total = int(n.sum())
        i = np.repeat(np.arange(len(a), dtype=np.int64), n)
        idx = np.repeat(s - (np.cumsum(n) - n), n) + np.arange(total, dtype=np.int64)
        rows = np.asarray(ids[idx], np.int64) + first_tx
        two = (valid & (a < b))[i]
        if two.any():  # a transcript in two intervals: once (the order does not matter)
            key = np.unique((i[two] << 32) | rows[two])
            i = np.concatenate([i[~two], key >> 32])
            rows = np.concatenate([rows[~two], key & 0xFFFFFFFF])
        return i, rows

    def contig_tables(self, contig: str, first_row: int) -> ContigTables:
        tab = self.tables.get(contig)
        if tab is None:
            r1 = self.tx.ref.contigs[contig]["transcript_rows"][1]
            tab = self.tables[contig] = ContigTables(self.tx.num, self.tx.exon, first_row, r1)
        return tab

    def annotate(self, contig: str, tx_index: tuple, recs: Records, first: np.ndarray,
                 last: np.ndarray, genome_base: str, length: int | None,
                 near: np.ndarray, leads: list[str], vc_of: Callable[[int], str]) -> Done:
        """The records of a batch this path can annotate whole (the others are left out):
        their INFO (leads[k], what the record had, then VC, ANN and PICK) and most severe
        term. vc_of(k): VC of indel record k (counted by the caller)."""
        refs, alts, pos = recs.refs, recs.alts, recs.pos
        n_ref, n_alt = recs.ref_len, recs.alt_len
        ok = near.copy()
        if length is not None:
            ok &= pos <= length
        snv = ok & (n_ref == 1) & (n_alt == 1)
        cand = np.flatnonzero(snv)
        # base codes (0-3: ACGT in either case, 4: anything else) of REF, ALT and the genome
        rc = _base_codes(recs.ref_cp[cand])
        ac = _base_codes(recs.alt_cp[cand])
        gc = _codes(genome_base)[cand]
        good = (rc < 4) & (ac < 4) & (rc == gc) & (ac != gc)
        which, rc, ac = cand[good], rc[good], ac[good]
        indel = np.flatnonzero(ok & ~((n_ref == 1) & (n_alt == 1))
                               & (n_ref + n_alt <= MAX_INDEL))
        indels = indel_shift.shapes(self.tx.genome, contig, pos[indel],
                                    [refs[k] for k in indel.tolist()],
                                    [alts[k] for k in indel.tolist()])
        if not len(which) and not len(indels.k):
            return Done.empty()
        tab = self.contig_tables(contig, tx_index[2])
        done = self.annotate_indels(contig, tab, tx_index, indel[indels.k], indels, first,
                                    last, refs, alts, pos, leads, vc_of
                                    ) if len(indels.k) else Done.empty()
        if not len(which):
            return done
        pair_k, rows_a = self.pairs(tx_index, first[which], last[which])
        pair_rec = which[pair_k]
        t = rows_a - tab.r0
        got = place(tab, t, pos[pair_rec])
        kind = got["kind"]
        utr5 = np.flatnonzero(kind == UTR5)
        if len(utr5):
            gain = self.coding.utr5_gain(contig, rows_a[utr5], got["cdna"][utr5],
                                         tab.c1[t[utr5]], tab.plus[t[utr5]], rc[pair_k[utr5]],
                                         ac[pair_k[utr5]])
            kind[utr5] = np.choose(gain + 1, [SLOW, UTR5, UTR5_ATG])
        cds = np.flatnonzero(kind == CDS)
        effects = None
        if len(cds):  # the protein effect of the pairs inside a CDS
            tc = t[cds]
            effects = self.coding.effects(contig, rows_a[cds], got["cdna"][cds], tab.c1[tc],
                                          tab.c2[tc], tab.plus[tc], rc[pair_k[cds]],
                                          ac[pair_k[cds]])
            kind[cds] = np.where(effects.term >= 0, CODING + effects.term, SLOW)
            got["effect"] = np.full(len(kind), -1, np.int64)
            got["effect"][cds] = np.where(effects.term >= 0, np.arange(len(cds)), -1)
        # only the pairs of records done here, without the transcripts out of reach
        # records with a pair that needs codon work (consequence.py) get those entries
        # from there and the others from here
        is_slow = kind == SLOW
        slow = np.zeros(len(which), bool)
        slow[pair_k[is_slow]] = True
        keep = ~is_slow & (kind != FAR)
        slow_pairs = pair_k[is_slow], rows_a[is_slow]
        g = self.group(contig, pair_k[keep], rows_a[keep], kind[keep])
        if g is None:
            return done.plus(self.mixed(contig, which, *slow_pairs, None, [], refs, alts, pos,
                                        leads, _snv))
        chosen = np.flatnonzero(keep)[g.order]
        got = {c: v[chosen] for c, v in got.items()}
        pair_k, u, kind = g.pair_k, g.u, g.kind
        # REF>ALT as the transcript reads it (complemented on the - strand)
        change = (rc[pair_k] * 4 + ac[pair_k]) * 2 + g.rows.plus[u]
        off = got["off"]
        hgvs = (columns.pick(_HGVS_PREFIX, g.rows.coding[u] * 3 + got["pre"]),
                columns.text(got["num"]), *_offset(off), columns.pick(_CHANGES, change))
        ks = which[g.ks]
        split = slow[pair_k]
        protein = None
        if effects is not None and (got["effect"] >= 0).any():
            protein = fields(effects, got["num"], got["effect"])
        # + (not an f-string): an empty lead gives the constant itself, no new str
        whole, entries = g.done(ks, [leads[k] + "VC=SNV;ANN=" for k in ks.tolist()],
                                columns.pick(alts, which[pair_k]), got["rank"], hgvs,
                                got["cdna"], got["dist"], columns.pick(g.rows.notes, u), split,
                                protein)
        return done.plus(whole).plus(self.mixed(contig, which, *slow_pairs, (g, split),
                                                entries, refs, alts, pos, leads, _snv))

    def mixed(self, contig: str, which: np.ndarray, slow_k: np.ndarray, slow_rows: np.ndarray,
              fast: tuple[Grouped, np.ndarray] | None, fast_entries: list[str],
              refs: list[str], alts: list[str], pos: np.ndarray, leads: list[str],
              vc_of: Callable[[int], str]) -> Done:
        """Records which[i] with entries that need consequence.py (the slow pairs (i, row))
        and entries made here (fast_entries, the `fast` group's split pairs)."""
        entries: dict[int, list[tuple[int, str, str, tuple]]] = {}
        if fast is not None:
            g, split = fast
            far = ((g.kind == UPSTREAM) | (g.kind == DOWNSTREAM))[split].tolist()
            rows = g.rows.rows[g.u[split]].tolist()
            info, rowinfo = self.info, self.row_info
            for i, term, u, row, is_far, text in zip(
                    g.pair_k[split].tolist(), g.term[split].tolist(), g.u[split].tolist(), rows,
                    far, fast_entries, strict=True):
                pick = (info.get(row) or rowinfo(row, contig)).pick
                entries.setdefault(i, []).append((term, g.rows.feature_id[u], text,
                                                  (is_far, *pick)))
        alleles: dict[int, Allele] = {}
        for i, row in zip(slow_k.tolist(), slow_rows.tolist(), strict=True):
            k = int(which[i])
            al = alleles.get(i) or alleles.setdefault(i, trim(int(pos[k]), refs[k], alts[k]))
            got = self.tx.entry(contig, row, al, alts[k])
            if got is not None:
                entries.setdefault(i, []).append(got)
        ks, texts, tops = [], [], []
        for i, mine in entries.items():
            mine.sort(key=lambda x: (x[0], x[1]))
            k = int(which[i])
            ks.append(k)
            tops.append(mine[0][0])
            texts.append(f"{leads[k]}VC={vc_of(k)};ANN={','.join([e[2] for e in mine])};"
                         f"PICK={min(mine, key=lambda x: x[3])[1]}")
        return Done(np.array(ks, np.int64), texts, np.array(tops, np.int64))

    def group(self, contig: str, pair_k: np.ndarray, rows: np.ndarray, kind: np.ndarray
              ) -> Grouped | None:
        """Pairs (record i, transcript row) of some kind, in the order of the entries."""
        if not len(rows):
            return None
        seen = np.zeros(int(rows.max()) + 1, bool)
        seen[rows] = True
        table = self.row_table(np.flatnonzero(seen), contig)
        u = (np.cumsum(seen) - 1)[rows]
        term = _TERM_RANK[kind]
        # one int64 key per sort (a batch has far fewer than 2**23 records and term ranks
        # are below 2**8): faster than lexsort over the three
        order = np.argsort((pair_k << 40) | (term << 32) | table.feature_order[u], kind="stable")
        pair_k, u, kind, term = pair_k[order], u[order], kind[order], term[order]
        starts = np.flatnonzero(np.r_[True, pair_k[1:] != pair_k[:-1], True])
        # the pick: transcripts the variant lies in first, then by pick_key
        far = (kind == UPSTREAM) | (kind == DOWNSTREAM)
        best = np.argsort((pair_k << 33) | (far.astype(np.int64) << 32) | table.pick_order[u],
                          kind="stable")[starts[:-1]]
        return Grouped(order, pair_k, u, kind, term, starts, table,
                       [f";PICK={table.feature_id[i]}" for i in u[best].tolist()])

    def annotate_indels(self, contig: str, tab: ContigTables, tx_index: tuple,
                        which: np.ndarray, shapes: indel_shift.Shapes, first: np.ndarray,
                        last: np.ndarray, refs: list[str], alts: list[str], pos: np.ndarray,
                        leads: list[str], vc_of: Callable[[int], str]) -> Done:
        """Insertions and deletions (records `which`, shifted as `shapes` has them),
        formatted here for the transcripts that see them deep in an intron, in a flank or
        inside one non-coding exon or 3' UTR exon away from its ends (after the 3' shift
        on its strand), by consequence.py for the others."""
        pair_k, rows_a = self.pairs(tx_index, first[which], last[which])
        if not len(pair_k):
            return Done.empty()
        t = rows_a - tab.r0
        # the shape on the transcript's strand: index record * 2 + on the - strand
        pair_side = pair_k * 2 + ~tab.plus[t]
        lo, hi, s, e, first_b, last_b = (x[pair_side] for x in (
            shapes.lo, shapes.hi, shapes.s, shapes.e, shapes.first, shapes.last))
        at_lo, at_hi = place(tab, t, lo), place(tab, t, hi)
        k_lo, k_hi = at_lo["kind"], at_hi["kind"]
        start, end = tab.start[t], tab.end[t]
        # one intron (the same exon before both ends), or one flank not far from the ends
        _, i_lo = tab.exon_at(t, lo)
        _, i_hi = tab.exon_at(t, hi)
        intron = (k_lo == INTRON) & (k_hi == INTRON) & (i_lo == i_hi)
        dist = np.where(e < start, start - e, s - end)
        near_ends = (at_lo["dist"] > INTRON_EDGE) & (at_hi["dist"] > INTRON_EDGE)
        flank = ((k_lo == k_hi) & ((k_lo == UPSTREAM) | (k_lo == DOWNSTREAM)) & near_ends
                 & (np.maximum(at_lo["dist"], at_hi["dist"]) <= FLANK - ROLL))
        # an exon's interior (no splice terms): its bases change no codon
        exon = (k_lo == k_hi) & ((k_lo == NC_EXON) | (k_lo == UTR3)) & (i_lo == i_hi)
        kind = np.where(intron, INTRON, np.where(flank | exon, k_lo, SLOW))
        is_slow = kind == SLOW
        slow = np.zeros(len(which), bool)
        slow[pair_k[is_slow]] = True
        keep = ~is_slow
        slow_pairs = pair_k[is_slow], rows_a[is_slow]
        g = self.group(contig, pair_k[keep], rows_a[keep], kind[keep])
        if g is None:
            return self.mixed(contig, which, *slow_pairs, None, [], refs, alts, pos, leads,
                              vc_of)
        sel = np.flatnonzero(keep)[g.order]
        pair_k, u, kind = g.pair_k, g.u, g.kind
        side = pair_side[sel]
        hk, shifted = shapes.kind[side], shapes.shifted[side].astype(np.int64)
        ins = hk == indel_shift.INS
        one = (first_b[sel] == last_b[sel]) & ~ins  # a single base: no range
        # the HGVS ends, for the pairs written here only
        at_first, at_last = place(tab, t[sel], first_b[sel]), place(tab, t[sel], last_b[sel])
        # cDNA field (exons only): a deletion's 5'-most base; an insertion's (or dup's) base
        # after it
        plus = tab.plus[t[sel]]
        cdna = np.where(hk != indel_shift.DEL, tab.cdna(t[sel], s[sel]) + ~plus,
                        tab.cdna(t[sel], np.where(plus, s[sel], e[sel])))
        hgvs = (columns.pick(_HGVS_PREFIX, g.rows.coding[u] * 3 + at_first["pre"]),
                columns.text(at_first["num"]), *_offset(at_first["off"]),
                columns.pick(["_", ""], one.astype(np.int64)),
                columns.pick([*_PREFIX, ""], np.where(one, 3, at_last["pre"])),
                columns.text(at_last["num"], one), *_offset(at_last["off"], one),
                columns.pick(_HK, hk), columns.pick(shapes.text, side))
        notes = [n for nt in g.rows.notes
                 for n in (nt, f"{nt}&INFO_REALIGN_3_PRIME" if nt else "INFO_REALIGN_3_PRIME")]
        ks = which[g.ks]
        split = slow[pair_k]
        whole, entries = g.done(ks, [f"{leads[k]}VC={vc_of(k)};ANN=" if not s else ""
                                     for k, s in zip(ks.tolist(), slow[g.ks].tolist(),
                                                     strict=True)],
                                columns.pick([alts[k] for k in which.tolist()], pair_k),
                                at_lo["rank"][sel], hgvs, cdna, dist[sel],
                                columns.pick(notes, u * 2 + shifted), split)
        return whole.plus(self.mixed(contig, which, *slow_pairs, (g, split), entries, refs,
                                     alts, pos, leads, vc_of))
