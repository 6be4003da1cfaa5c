"""Look up a bundle's annotation sources for a batch of records: the ID column and INFO fields.

Positions are found for the whole batch at once (a vectorised binary search inside each
block of about 64 records, see `reference.sources`); SNVs and short indels then compare
allele codes with numpy, other records one by one after the same normalisation the source
went through (left-aligned against the genome when the source was).
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np

from ..reference.alleles import LONG, MAX_INLINE, code, decode, left_align, normalise
from ..reference.bundle import BundleError, Reference
from ..reference.genome import Genome
from ..reference.sources import MAX_BLOCK_BITS
from .records import Records
from .summary import Stats

RARE_AF = 0.01  # a variant is rare below this allele frequency
_PATHOGENIC = ("pathogenic", "likely_pathogenic", "pathogenic/likely_pathogenic")
_ESCAPE = str.maketrans({",": "%2C", ";": "%3B", "=": "%3D", " ": "%20", "%": "%25"})
_TYPES = {"float": "Float", "int": "Integer", "flag": "Integer", "text": "String"}


class _Palette:
    """Allele codes of records stored as 1-byte indexes into a palette of codes."""

    def __init__(self, index: np.ndarray, codes: np.ndarray) -> None:
        self.index, self.codes = index, np.asarray(codes)

    def __getitem__(self, j: int | np.ndarray) -> np.ndarray:
        return self.codes[self.index[j]]


class SourceIndex:
    """One compiled source of a bundle, memory-mapped."""

    def __init__(self, folder: Path, entry: dict) -> None:
        self.name: str = entry["name"]
        self.file: str = entry["file"]
        self.contigs: dict[str, list[int]] = entry["contigs"]
        self.id_prefix: str = entry["id_prefix"]
        self.has_id: bool = entry["id"]
        self.bits: int = entry.get("block_bits", MAX_BLOCK_BITS)  # formats 4, 5: 16
        self.left_aligned: bool = entry.get("left_aligned", False)
        p = f"src_{self.name}_"
        a: dict[str, np.ndarray] = {}
        for f in entry["files"]:
            try:
                a[f[len(p):-4]] = np.load(folder / f, mmap_mode="r").view(np.ndarray)
            except (OSError, ValueError) as e:
                raise BundleError(f"reference bundle {folder} is damaged ({f}: {e}); "
                                  "reinstall or rebuild it") from None
        self.pos, self.blk = a["pos"], a["blk"]
        # allele code of each record: through the palette (format 5), or as stored (4)
        self.stored = np.ones(2**16, dtype=bool)  # codes stored as such (others: as text)
        if "allele_codes" in a:
            self.allele: np.ndarray | _Palette = _Palette(a["allele"], a["allele_codes"])
            self.stored[:] = False
            self.stored[a["allele_codes"]] = True
        else:
            self.allele = a["allele"]
        self.stored[LONG] = False
        self.long = _Texts(a["long_idx"], a["long_off"], a["long_blob"])
        self.idtext = _Texts(a["idtext_idx"], a["idtext_off"], a["idtext_blob"])
        self.ids = a.get("id")
        key = self.name.upper().replace("-", "_")
        # (INFO key, field name, kind, column, dictionary offsets and bytes)
        self.fields = [(f"GAS_{key}_{name}", name, info["kind"], a[info["column"]],
                        a.get(info["column"] + "_off"), a.get(info["column"] + "_blob"),
                        info["description"]) for name, info in entry["fields"].items()]
        self._texts: list[dict[int, str]] = [{} for _ in self.fields]

    def find(self, contig: str, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For positions q: first record at or after each (lo), its block's end, and hit."""
        first, _, b0, nb = self.contigs[contig]
        b = q >> self.bits
        inside = (b < nb) & (q > 0)
        bi = np.where(inside, b, 0) + b0
        lo = self.blk[bi].astype(np.int64)
        end = np.where(inside, self.blk[bi + 1], lo).astype(np.int64)
        low = (q & 0xFFFF).astype(np.uint16)
        # lower bound of low in pos[lo:end] for every query at once: a fixed number of
        # halvings (a block holds about 64 records), no per-step bookkeeping
        n = end - lo
        pos, last = self.pos, len(self.pos) - 1
        for _ in range(int(n.max()).bit_length() if len(n) else 0):
            half = n >> 1
            mid = lo + half
            right = (pos[np.minimum(mid, last)] < low) & (n > 0)
            lo = np.where(right, mid + 1, lo)
            n = np.where(right, n - half - 1, half)
        hit = lo < end
        hit[hit] = pos[lo[hit]] == low[hit]
        return lo, end, hit

    def match_codes(self, contig: str, q: np.ndarray, codes: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(query numbers, record numbers) of every record at q with that inline code."""
        lo, end, hit = self.find(contig, q)
        cand = np.flatnonzero(hit)
        j = lo[cand]
        low = (q[cand] & 0xFFFF).astype(np.uint16)
        want = codes[cand]
        out_q, out_j = [], []
        while len(cand):  # step through the records at each position (usually one)
            m = self.allele[j] == want
            out_q.append(cand[m])
            out_j.append(j[m])
            j = j + 1
            go = j < end[cand]
            go[go] = self.pos[j[go]] == low[go]
            cand, j, low, want = cand[go], j[go], low[go], want[go]
        spelled = np.flatnonzero(hit & ~self.stored[codes])  # rare alleles: kept as text
        for i in spelled.tolist():
            js = self.matches(int(lo[i]), int(end[i]), int(q[i]) & 0xFFFF, *decode(int(codes[i])))
            out_q.append(np.full(len(js), i, dtype=np.int64))
            out_j.append(np.asarray(js, dtype=np.int64))
        if not out_q:
            return cand, cand
        return np.concatenate(out_q), np.concatenate(out_j)

    def matches(self, j: int, end: int, low: int, ref: str, alt: str) -> list[int]:
        """Records from j on (same position) whose allele is ref>alt."""
        c = code(ref, alt)
        if not self.stored[c]:
            c = LONG
        out = []
        pos, allele = self.pos, self.allele
        while j < end and pos[j] == low:
            if allele[j] == c and (c != LONG or self.long.get(j) == f"{ref}\t{alt}"):
                out.append(j)
            j += 1
        return out

    def refs(self, j: int, end: int, low: int) -> list[str]:
        """REF alleles of the records from j on at the same position."""
        out = []
        while j < end and self.pos[j] == low:
            c = int(self.allele[j])
            out.append((self.long.get(j) or "").split("\t")[0] if c == LONG else decode(c)[0])
            j += 1
        return out

    def positions(self, contig: str) -> np.ndarray:
        """Every record's POS on a contig (int64, sorted)."""
        first, last, b0, nb = self.contigs[contig]
        counts: np.ndarray = np.diff(self.blk[b0:b0 + nb + 1].astype(np.int64))
        blocks = np.repeat(np.arange(nb, dtype=np.int64), counts)
        low = self.pos[first:last].astype(np.int64) & ((1 << self.bits) - 1)
        return (blocks << self.bits) | low

    def record(self, j: int) -> tuple[str, str, str]:
        """(REF, ALT, ID) of record j."""
        c = int(self.allele[j])
        ref, alt = (self.long.get(j) or "\t").split("\t") if c == LONG else decode(c)
        return ref, alt, self.id_of(j) if self.has_id else ""

    def ids_of(self, js: np.ndarray) -> list[str]:
        """The IDs of records js."""
        if self.ids is None:
            return ["" for _ in js]
        p = self.id_prefix
        nums = self.ids[js]
        if nums.all():
            return [p + x for x in map(str, nums.tolist())]
        return [f"{p}{n}" if n else self.id_of(j)
                for n, j in zip(nums.tolist(), js.tolist(), strict=True)]

    def id_of(self, j: int) -> str:
        n = int(self.ids[j]) if self.ids is not None else 0
        return f"{self.id_prefix}{n}" if n else self.idtext.get(j) or ""

    def value(self, k: int, j: int) -> str | None:
        """Field k of record j as VCF text (None when missing)."""
        _, _, kind, col, off, blob, _ = self.fields[k]
        v = col[j]
        if kind == "text":
            i = int(v)
            if not i:
                return None
            t = self._texts[k].get(i)
            if t is None and off is not None and blob is not None:
                t = self._texts[k][i] = bytes(blob[off[i]:off[i + 1]]).decode().translate(
                    _ESCAPE)
            return t
        if kind == "float":
            return None if math.isnan(v) else f"{float(v):.4g}"
        if kind == "int":
            return None if v == np.iinfo(np.int32).min else str(int(v))
        return "1" if v else None


class _Texts:
    """Sparse texts by record number."""

    def __init__(self, idx: np.ndarray, off: np.ndarray, blob: np.ndarray) -> None:
        self.idx, self.off, self.blob = idx, off, blob

    def get(self, j: int) -> str | None:
        # j as the array's own type: a Python int would convert the whole array each time
        k = int(self.idx.searchsorted(self.idx.dtype.type(j)))
        if k < len(self.idx) and self.idx[k] == j:
            return bytes(self.blob[self.off[k]:self.off[k + 1]]).decode()
        return None


class Sources:
    """Every source of a bundle."""

    def __init__(self, ref: Reference) -> None:
        entries = ref.manifest.get("sources", {})
        self.indexes = [SourceIndex(ref.path, e) for e in entries.values()]
        self.genome = ref.genome  # None without FASTA

    def header_lines(self) -> list[str]:
        """##INFO lines of the fields the sources add."""
        out = []
        for s in self.indexes:
            for key, name, kind, *_, desc in s.fields:
                what = f"{name} from {s.file}" + (f": {desc}" if desc else "")
                what = what.replace('"', "'")
                out.append(f'##INFO=<ID={key},Number=A,Type={_TYPES[kind]},Description="'
                           f'{what} (GAS source {s.name}; one value per ALT allele)">')
        return out

    def refs_at(self, contig: str, positions: list[int]) -> list[list[str]]:
        """REF alleles the sources know at each position (for telling an input's build)."""
        out: list[list[str]] = [[] for _ in positions]
        q = np.asarray(positions, dtype=np.int64)
        for s in self.indexes:
            if contig not in s.contigs or not len(q):
                continue
            lo, end, hit = s.find(contig, q)
            for i in np.flatnonzero(hit).tolist():
                out[i] += s.refs(int(lo[i]), int(end[i]), positions[i] & 0xFFFF)
        return out

    def annotate(self, contig: str, recs: Records, stats: Stats) -> None:
        """Add IDs and GAS_<NAME>_<FIELD> values to the records that match, and count them."""
        todo = [s for s in self.indexes if contig in s.contigs]
        if not todo or not len(recs):
            return
        assert recs.ids is not None, "records read without their IDs"
        pos, ids = recs.pos, recs.ids
        genome = self.genome if self.genome is not None and self.genome.has(contig) else None
        aligned = genome is not None and any(s.left_aligned for s in todo)
        # SNVs and short indels that cannot move (most records) are matched with numpy; the
        # others one by one.
        snv, codes = _simple_codes(recs.refs, recs.alts, aligned)
        others = np.ones(len(recs), dtype=bool)
        others[snv] = False
        queries = _Queries(contig, recs, np.flatnonzero(others), genome)
        found: dict[int, dict[int, list[tuple[SourceIndex, int]]]] = {}  # rec -> allele -> hits
        known = np.zeros(len(recs), dtype=bool)  # records given an ID
        for s in todo:
            if len(snv):
                qi, js = s.match_codes(contig, pos[snv], codes)
                if s.fields:
                    for i, j in zip(snv[qi].tolist(), js.tolist(), strict=True):
                        found.setdefault(i, {}).setdefault(0, []).append((s, j))
                else:  # an ID-only source (dbSNP): IDs straight into the column
                    hits = snv[qi]
                    known[hits] = True
                    _add_ids(ids, hits.tolist(), s.ids_of(js))
            queries.match(s, found)
        for i, alleles in found.items():
            if _write(recs, i, alleles, stats):
                known[i] = True
        stats.known_ids += int(np.count_nonzero(known))


def _add_ids(ids: list[str], ks: list[int], found: list[str]) -> None:
    """Put each found ID into its record's ID column, ids[ks[i]] (after the IDs it has)."""
    for k, vid in zip(ks, found, strict=True):
        have = ids[k]
        if have == ".":
            ids[k] = vid
        elif vid not in have.split(";"):
            ids[k] = f"{have};{vid}" if have else vid


class _Queries:
    """The records matched one by one: every ALT allele normalised as each source was."""

    def __init__(self, contig: str, recs: Records, idx: np.ndarray, genome: Genome | None
                 ) -> None:
        self.contig, self.pos, self.recs, self.idx = contig, recs.pos, recs, idx
        self.genome = genome
        self.by_mode: dict[bool, tuple[list[tuple[int, int, str, str]], np.ndarray]] = {}

    def alleles(self, aligned: bool) -> tuple[list[tuple[int, int, str, str]], np.ndarray]:
        """([(record, allele number, REF, ALT)], positions), normalised, left-aligned or not."""
        if aligned not in self.by_mode:
            g, contig = self.genome, self.contig
            norm = (lambda p, r, a: left_align(p, r, a, lambda x, y: g.fetch(contig, x, y))) \
                if aligned and g is not None else normalise
            out, where = [], []
            for i, p in zip(self.idx.tolist(), self.pos[self.idx].tolist(), strict=True):
                ref = self.recs.refs[i]
                for k, alt in enumerate(self.recs.alts[i].split(",")):
                    n = norm(p, ref, alt)
                    if n is not None:
                        out.append((i, k, n[1], n[2]))
                        where.append(n[0])
            self.by_mode[aligned] = out, np.asarray(where, dtype=np.int64)
        return self.by_mode[aligned]

    def match(self, s: SourceIndex, found: dict) -> None:
        """Add source s's records that match an allele to found."""
        if not len(self.idx):
            return
        alleles, q = self.alleles(s.left_aligned)
        lo, end, hit = s.find(self.contig, q)
        for h in np.flatnonzero(hit).tolist():
            i, k, ref, alt = alleles[h]
            for j in s.matches(int(lo[h]), int(end[h]), int(q[h]) & 0xFFFF, ref, alt):
                found.setdefault(i, {}).setdefault(k, []).append((s, j))


def _simple_codes(refs: list[str], alts: list[str], aligned: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(record numbers, allele codes) of the records matched with numpy alone."""
    codes = np.fromiter(map(_simple_code, refs, alts, repeat(aligned)), np.int32, len(refs))
    idx = np.flatnonzero(codes >= 0)
    return idx, codes[idx].astype(np.uint16)


@lru_cache(maxsize=1 << 16)  # a few thousand REF/ALT pairs make most records of a file
def _simple_code(ref: str, alt: str, aligned: bool) -> int:
    """The allele code of a record matched with numpy alone, else -1.

    SNVs, and records with one ALT allele, REF or ALT a single base (so already normalised:
    trimming changes nothing) and an inline code; when aligned (sources left-aligned against
    the genome), only the indels that cannot move left (last bases of REF and ALT differ).
    """
    if (len(ref) == 1 or len(alt) == 1) and len(ref) + len(alt) <= MAX_INLINE \
            and "," not in alt and not (aligned and len(ref) != len(alt)
                                        and ref[-1].upper() == alt[-1].upper()):
        c = code(ref.upper(), alt.upper())
        return -1 if c == LONG else c
    return -1


def _write(recs: Records, i: int, alleles: dict[int, list[tuple[SourceIndex, int]]],
           stats: Stats) -> bool:
    """Write record i's matches; True when it got an ID."""
    n_alts = recs.alts[i].count(",") + 1
    ids: list[str] = []
    values: dict[str, list[str]] = {}
    pathogenic = rare = with_af = False
    for k in range(n_alts):
        for s, j in alleles.get(k, ()):
            if s.has_id:
                vid = s.id_of(j)
                for x in vid.split(";"):
                    if x and x not in ids:
                        ids.append(x)
            for fk, (key, name, kind, *_rest) in enumerate(s.fields):
                v = s.value(fk, j)
                if v is None:
                    continue
                column = values.setdefault(key, ["."] * n_alts)
                if column[k] == ".":
                    column[k] = v
                if name == "CLNSIG" and any(t.lower() in _PATHOGENIC
                                            for t in v.replace("%2C", "|").split("|")):
                    pathogenic = True
                if name == "AF" and kind == "float":
                    with_af = True
                    rare |= float(v) < RARE_AF
    if ids:
        assert recs.ids is not None
        have = [] if recs.ids[i] in (".", "") else recs.ids[i].split(";")
        recs.ids[i] = ";".join(have + [x for x in ids if x not in have])
    if values:
        added = ";".join(f"{key}={','.join(v)}" for key, v in values.items())
        info = recs.info[i]
        recs.info[i] = added if info in (".", "") else f"{info};{added}"
    stats.pathogenic += pathogenic
    stats.rare += rare
    stats.with_af += with_af
    return bool(ids)


@lru_cache(maxsize=16)  # bundles are few and cached by the loader too
def sources_of(ref: Reference) -> Sources:
    """The sources of a loaded bundle (loaded once per bundle object)."""
    return Sources(ref)
