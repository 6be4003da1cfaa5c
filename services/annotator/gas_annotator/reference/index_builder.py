"""Turn transcript models into elementary intervals, each with a prebuilt ANN template."""

from __future__ import annotations

import bisect
import heapq

from .model import IMPACTS, INTERGENIC, TERMS, Transcript, segments

# A template lists the ANN entries of an interval as (term, feature, rank, anchored):
# feature is the Gene_Name|Gene_ID|Feature_Type|Feature_ID|Transcript_BioType text
# (stored once in a feature table); anchored entries get Distance = |POS - anchor|, the
# anchors being stored per interval so that templates stay few and small.
Entry = tuple[int, str, str, bool]
Template = tuple[Entry, ...]


def feature_text(gene_name: str, gene_id: str, feature_type: str, feature_id: str,
                 biotype: str) -> str:
    """ANN fields 4..8 joined by '|' (no '|' or ',' inside a field)."""
    fields = [gene_name, gene_id, feature_type, feature_id, biotype]
    return "|".join(f.replace("|", "_").replace(",", "_").replace(";", "_") for f in fields)


def entry_prefix(term: int, feature: str, rank: str | None) -> str:
    """ANN fields 2..14 (Annotation .. AA.pos/length), each followed by '|'.

    With rank None: only fields 2..7 and the '|' before Rank.
    """
    head = f"|{TERMS[term]}|{IMPACTS[term]}|{feature}|"
    return head if rank is None else f"{head}{rank}||||||"


class Numbering:
    """Distinct texts numbered in order of first use: `numbering(text)` is its number."""

    def __init__(self, *first: str) -> None:
        self.values: list[str] = list(first)
        self._numbers = {v: i for i, v in enumerate(first)}

    def __call__(self, value: str) -> int:
        n = self._numbers.get(value)
        if n is None:
            n = self._numbers[value] = len(self.values)
            self.values.append(value)
        return n


class TemplateTable:
    """Deduplicated templates and feature texts, numbered in order of first use."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.items: list[str] = []
        self.feature_id = Numbering()
        self.rank_id = Numbering("")  # '3/12' texts; number 0 is 'no rank'

    @property
    def features(self) -> list[str]:
        return self.feature_id.values

    @property
    def ranks(self) -> list[str]:
        return self.rank_id.values

    def add(self, t: Template) -> int:
        i = self.index.get(t)
        if i is None:
            i = self.index[t] = len(self.items)
            self.items.append(self.encode(t))
        return i

    def encode(self, t: Template) -> str:
        """One line per entry: term, feature number, rank, and '@' when it takes a Distance."""
        lines = []
        for term, feature, rank, anchored in t:
            f = self.feature_id(feature)
            lines.append(f"{term}\t{f}\t{rank}{chr(9) + '@' if anchored else ''}")
        return "\n".join(lines)


def _intergenic(left: Transcript | None, right: Transcript | None) -> str:
    names = [g.gene_name for g in (left, right) if g]
    label = "-".join(g.gene_id for g in (left, right) if g)
    return feature_text("-".join(names), label, "intergenic_region", label, "")


def contig_intervals(models: list[Transcript], length: int | None, table: TemplateTable
                     ) -> tuple[list[int], list[int], list[tuple[int, ...]],
                                list[tuple[int, int, int, int, int, int]]]:
    """Starts (1-based), template ids, anchors and entry columns of one contig's intervals.

    The entry columns give the first two entries as numbers (term, feature, rank number;
    term -1 for no such entry, or in the first column for intervals of three entries or
    more) so that the engine formats almost every record without decoding a template.
    """
    segs: list[tuple[int, int, int, int, str, int]] = []  # a Segment and its model's index
    for ti, tx in enumerate(models):
        segs.extend((s, e, code, anchor, rank, ti) for s, e, code, anchor, rank in segments(tx))
    segs.sort()
    # A sweep over segment starts and ends; 'ends' is a heap of (end + 1, seg index).
    boundaries = sorted({s[0] for s in segs} | {s[1] + 1 for s in segs} | {1})
    active: dict[int, tuple] = {}
    ends: list[tuple[int, int]] = []
    nxt = 0
    raw: list[tuple[int, tuple | None]] = []
    for pos in boundaries:
        while ends and ends[0][0] <= pos:
            _, k = heapq.heappop(ends)
            active.pop(k, None)
        while nxt < len(segs) and segs[nxt][0] <= pos:
            seg = segs[nxt]
            active[nxt] = seg
            heapq.heappush(ends, (seg[1] + 1, nxt))
            nxt += 1
        raw.append((pos, _template(active, models) if active else None))

    gene_spans = _gene_spans(models)
    by_start = sorted(gene_spans, key=lambda g: g.start)
    by_end = sorted(gene_spans, key=lambda g: g.end)
    start_keys = [g.start for g in by_start]
    end_keys = [g.end for g in by_end]
    starts: list[int] = []
    ids: list[int] = []
    anchors: list[tuple[int, ...]] = []
    columns: list[tuple[int, int, int, int, int, int]] = []

    def emit(pos: int, entries: tuple) -> None:
        i = table.add(tuple((t, f, r, a >= 0) for t, f, r, a in entries))
        anc = tuple(e[3] for e in entries if e[3] >= 0)
        if not ids or ids[-1] != i or anchors[-1] != anc:
            starts.append(pos)
            ids.append(i)
            anchors.append(anc)
            cols = [-1, 0, 0, -1, 0, 0]
            if len(entries) <= 2:
                for k, (t, f, r, _) in enumerate(entries):
                    cols[3 * k:3 * k + 3] = [t, table.feature_id(f), table.rank_id(r)]
            columns.append(tuple(cols))  # type: ignore[arg-type]

    for k, (pos, tmpl) in enumerate(raw):
        if tmpl is not None:
            emit(pos, tmpl)
            continue
        stop = raw[k + 1][0] if k + 1 < len(raw) else (length or pos) + 1
        j = bisect.bisect_left(end_keys, pos)
        left = by_end[j - 1] if j else None
        r = bisect.bisect_left(start_keys, stop)
        right = by_start[r] if r < len(by_start) else None
        feat = _intergenic(left, right)
        if left and right:
            mid = (left.end + right.start) // 2
            if pos <= mid:
                emit(pos, ((INTERGENIC, feat, "", left.end),))
            if mid + 1 < stop:
                emit(max(pos, mid + 1), ((INTERGENIC, feat, "", right.start),))
        else:
            anchor = left.end if left else right.start if right else -1
            emit(pos, ((INTERGENIC, feat, "", anchor),))
    return starts, ids, anchors, columns


def _gene_spans(models: list[Transcript]) -> list[Transcript]:
    """One span per gene (the union of its transcripts), for intergenic neighbours."""
    genes: dict[str, Transcript] = {}
    for tx in models:
        g = genes.get(tx.gene_id)
        if g is None:
            genes[tx.gene_id] = Transcript(tx.contig, tx.start, tx.end, tx.strand, tx.gene_id,
                                           tx.gene_name, "", tx.biotype)
        else:
            g.start, g.end = min(g.start, tx.start), max(g.end, tx.end)
    return list(genes.values())


def _template(active: dict[int, tuple], models: list[Transcript]) -> tuple:
    best: dict[str, tuple] = {}
    for seg in active.values():
        tx = models[seg[5]]
        key = (seg[2], tx.precedence, seg[5], seg[0])
        cur = best.get(tx.gene_id)
        if cur is None or key < cur[0]:
            best[tx.gene_id] = (key, seg, tx)
    entries = []
    for _key, seg, tx in sorted(best.values(), key=lambda b: (b[0][0], b[2].gene_name)):
        feat = feature_text(tx.gene_name, tx.gene_id, "transcript", tx.transcript_id, tx.biotype)
        entries.append((seg[2], feat, seg[4], seg[3]))
    return tuple(entries)
