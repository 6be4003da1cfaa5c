"""Compile annotation sources (any VCF: dbSNP, ClinVar, gnomAD...) into bundle columns.

`--source NAME=FILE.vcf.gz:FIELD[,FIELD...]`: every ALT allele of every record becomes one
stored record (multi-allelic records are split; alleles normalised as in `alleles`, and
left-aligned when the bundle has the genome), sorted by position and allele code within
each contig. The file is read once and written CHUNK records at a time, so the build's
memory does not grow with the source. Per source, memory-mapped:

* `src_<name>_pos.npy`: uint16, POS modulo 65,536;
* `src_<name>_blk.npy`: uint32 (int64 past 4 G records), per contig the first record of
  each block of 2**block_bits bases and the contig's end. block_bits (10 to 16, in the
  manifest entry) is chosen so that a block holds about 32-64 records: a lookup searches
  that few (formats 4 and 5: always 16);
* `src_<name>_allele.npy`: uint8, an index into `src_<name>_allele_codes.npy` (uint16, at
  most 256 allele codes, `alleles.code`, the most frequent ones of the source; index 0 is
  LONG). A LONG allele, or one whose code is not in that palette, is spelled out in
  `src_<name>_long_idx/off/blob.npy` (record numbers, `REF<TAB>ALT`). Bundles of format 4
  have no palette: their allele column is the uint16 code itself;
* `src_<name>_id.npy`: uint32, the number of an ID `<prefix><digits>` (0: none, or another
  form kept as text in `src_<name>_idtext_idx/off/blob.npy`);
* `src_<name>_f<k>.npy`: field k: float32 (NaN: missing), int32 (its minimum: missing),
  uint8 (flag), or a uint8/16/32 code (0: missing) of a distinct text in
  `src_<name>_f<k>_off/blob.npy`.

An ID-only source such as dbSNP takes 7 bytes a record (2 + 1 + 4), plus the blocks (4
bytes per 32-64 records) and the few alleles spelled out (bench/bench_engine.py).
"""

from __future__ import annotations

import array
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .alleles import LONG, MAX_SHIFT, code, decode, left_align, normalise
from .contigs import canonical_contig
from .gtf import AnnotationSourceError, open_text

MAX_BLOCK_BITS = 16  # `pos` keeps POS modulo 65,536: a block never spans more
FINE_BITS = 10  # blocks are counted at 1,024 bases, then merged to the size chosen
PER_BLOCK = 64  # records a block holds on average at most: a lookup searches that many
PALETTE_SIZE = 256  # allele codes a source stores in one byte
CHUNK = 1 << 21  # records sorted and written at a time: bounds the build's memory
_ID = re.compile(r"^([^0-9;]*?)([1-9][0-9]{0,9})$")
_INT_MISSING = np.iinfo(np.int32).min
_SPEC = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=(.+):([A-Za-z0-9_.,]+)$")


@dataclass
class SourceSpec:
    """NAME=FILE:FIELD[,FIELD...] (FIELD `ID` is the VCF ID column)."""

    name: str
    path: Path
    fields: list[str]

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        m = _SPEC.match(text)
        if not m:
            raise AnnotationSourceError(f"--source {text!r}: expected NAME=FILE.vcf.gz:FIELD[,FIELD"
                                        "...], e.g. clinvar=clinvar.vcf.gz:CLNSIG,CLNDN")
        fields = [f for f in m.group(3).split(",") if f]
        if len(set(fields)) != len(fields):
            raise AnnotationSourceError(f"--source {text!r}: a field is named twice")
        return cls(m.group(1).lower(), Path(m.group(2)), fields)


class Row(NamedTuple):
    """One source record as read: ALT may list several alleles; info holds the wanted fields."""

    contig: str
    pos: int
    ref: str
    alt: str
    id: str
    info: dict[str, str]


@dataclass
class FieldInfo:
    """How a field is declared in the source header, and how it is stored."""

    name: str
    number: str = "."
    type: str = "String"
    description: str = ""

    @property
    def kind(self) -> str:
        """'float', 'int', 'flag' or 'text' (a dictionary of distinct values)."""
        if self.type == "Flag":
            return "flag"
        if self.number in ("A", "R", "1") and self.type in ("Float", "Integer"):
            return "float" if self.type == "Float" else "int"
        return "text"

    def value(self, raw: str | None, allele: int) -> str | None:
        """This ALT allele's value (Number=A or R: its own; otherwise the whole value)."""
        if raw is None or raw in ("", "."):
            return None if self.type != "Flag" or raw is None else "1"
        if self.number in ("A", "R"):
            parts = raw.split(",")
            k = allele + (self.number == "R")
            v = parts[k] if k < len(parts) else None
            return None if v in (None, ".", "") else v
        return raw


_HEADER_INFO = re.compile(r'^##INFO=<ID=([^,>]+),Number=([^,>]+),Type=([^,>]+)'
                          r'(?:,Description="((?:[^"\\]|\\.)*)")?')


def read_vcf_source(spec: SourceSpec, progress: Callable[[int], None] | None = None
                    ) -> tuple[dict[str, FieldInfo], Iterator[Row]]:
    """The declared fields and the records of a source VCF (plain or gzip)."""
    f = open_text(spec.path)
    declared: dict[str, FieldInfo] = {}
    first = ""
    for line in f:
        if not line.startswith("##"):
            first = line
            break
        m = _HEADER_INFO.match(line)
        if m:
            declared[m.group(1)] = FieldInfo(m.group(1), m.group(2), m.group(3), m.group(4) or "")
    if not first.startswith("#CHROM"):
        f.close()
        raise AnnotationSourceError(f"{spec.path.name}: not a VCF (no #CHROM line)")
    wanted = [x for x in spec.fields if x != "ID"]
    missing = [x for x in wanted if x not in declared]
    if missing:
        f.close()
        raise AnnotationSourceError(f"{spec.path.name}: no ##INFO header for "
                                    f"{', '.join(missing)} (declared: "
                                    f"{', '.join(sorted(declared)) or 'none'})")
    return {x: declared[x] for x in wanted}, _rows(spec.path.name, f, set(wanted), progress)


def _rows(name: str, f, wanted: set[str], progress: Callable[[int], None] | None
          ) -> Iterator[Row]:
    try:
        with f:
            for n, line in enumerate(f, 1):
                cols = line.rstrip("\r\n").split("\t", 8)
                if len(cols) < 8 or line.startswith("#"):
                    if not line.strip():
                        continue
                    raise AnnotationSourceError(f"{name}: record {n} is not a VCF record")
                if not cols[1].isdigit():
                    raise AnnotationSourceError(f"{name}: record {n}: POS {cols[1]!r} is not "
                                                "a positive integer")
                info: dict[str, str] = {}
                if wanted and cols[7] != ".":
                    for kv in cols[7].split(";"):
                        k, _, v = kv.partition("=")
                        if k in wanted:
                            info[k] = v if _ else ""
                if progress and n % 1_000_000 == 0:
                    progress(n)
                yield Row(cols[0], int(cols[1]), cols[3], cols[4], cols[2], info)
    except (EOFError, OSError) as e:
        raise AnnotationSourceError(f"{name}: damaged file ({e})") from e


class _Sparse:
    """Texts of a few records (long alleles, IDs of an unusual form) by record number, spilled
    to temporary files as they come (in increasing record order) so memory stays bounded."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.paths = [tmp / f"{name}.idx", tmp / f"{name}.len", tmp / f"{name}.txt"]
        self.files = [open(p, "wb") for p in self.paths]  # noqa: SIM115 - closed in close()
        self.n = 0

    def add(self, idx: list[int], texts: list[str]) -> None:
        data = [t.encode() for t in texts]
        np.asarray(idx, dtype=np.int64).tofile(self.files[0])
        np.asarray([len(d) for d in data], dtype=np.int64).tofile(self.files[1])
        self.files[2].write(b"".join(data))
        self.n += len(idx)

    def close(self) -> None:
        for f in self.files:
            f.close()

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(record numbers, text lengths), as written; the texts stay in their file."""
        self.close()
        return np.fromfile(self.paths[0], dtype=np.int64), np.fromfile(self.paths[1],
                                                                       dtype=np.int64)


def _merged(prefix: str, parts: list[_Sparse], tmp: Path) -> dict[str, np.ndarray | Path]:
    """The sparse texts of several spills as one table sorted by record number (the texts
    gathered into a file a slice at a time: memory is 8 bytes a text, not its length)."""
    read = [p.read() for p in parts]
    idx = np.concatenate([r[0] for r in read])
    lens = np.concatenate([r[1] for r in read])
    order = np.argsort(idx, kind="stable")
    starts = np.zeros(len(lens) + 1, dtype=np.int64)  # in the parts' texts, one after another
    np.cumsum(lens, out=starts[1:])
    blob_path = tmp / f"{prefix}.blob"
    with open(blob_path, "wb") as out:
        for p in parts:
            with open(p.paths[2], "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    blob = np.memmap(blob_path, dtype=np.uint8, mode="r") if starts[-1] else \
        np.zeros(0, np.uint8)
    gathered = tmp / f"{prefix}.sorted"
    with open(gathered, "wb") as out:
        for a in range(0, len(order), 1 << 16):
            o = order[a:a + (1 << 16)]
            n = lens[o]
            into = np.zeros(len(o), dtype=np.int64)
            np.cumsum(n[:-1], out=into[1:])
            np.asarray(blob[np.repeat(starts[o] - into, n) + np.arange(int(n.sum()))]).tofile(out)
    del blob
    off = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(lens[order], out=off[1:])
    return {f"{prefix}_idx": _small(idx[order]), f"{prefix}_off": _small(off),
            f"{prefix}_blob": gathered}


def _small(a: np.ndarray) -> np.ndarray:
    """uint32 when the values fit (they do below 4 G records or bytes): half the bytes."""
    return a.astype(np.uint32) if not len(a) or a[-1] < 2**32 else a


@dataclass
class _Buffer:
    """Records read but not yet written: sorted and written CHUNK at a time."""

    pos: array.array = field(default_factory=lambda: array.array("q"))
    allele: array.array = field(default_factory=lambda: array.array("H"))
    id: array.array = field(default_factory=lambda: array.array("I"))
    long: dict[int, str] = field(default_factory=dict)  # record -> REF\tALT
    idtext: dict[int, str] = field(default_factory=dict)
    values: list[list] = field(default_factory=list)


class SourceWriter:
    """Streams one source's rows into column files under a folder, in bounded memory.

    Rows are normalised (left-aligned when fetch gives the genome), buffered, and every
    CHUNK records the buffer is sorted and the records that no later row can precede (those
    before the current POS minus MAX_SHIFT, as the file is sorted) are written.
    """

    def __init__(self, spec: SourceSpec, fields: dict[str, FieldInfo], folder: Path,
                 fetch: Callable[[str, int, int], str] | None = None) -> None:
        self.spec, self.fields = spec, [fields[f] for f in spec.fields if f != "ID"]
        self.with_id = "ID" in spec.fields
        self.fetch = fetch
        self.folder = folder
        self.prefix = f"src_{spec.name}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.prefix}.", dir=folder))
        self.columns = ["pos", "allele"] + (["id"] if self.with_id else []) + [
            f"f{k}" for k in range(len(self.fields))]
        self.raw = {c: open(self.tmp / c, "wb") for c in self.columns + ["blk"]}  # noqa: SIM115
        self.dtypes: dict[str, np.dtype] = {"pos": np.dtype(np.uint16),
                                            "allele": np.dtype(np.uint16),
                                            "id": np.dtype(np.uint32)}
        self.dicts: list[dict[str, int]] = [{} for _ in self.fields]
        self.long, self.idtext = _Sparse(self.tmp, "long"), _Sparse(self.tmp, "idtext")
        self.code_counts = np.zeros(2**16, np.int64)
        self.id_prefix: str | None = None
        self.contigs: dict[str, list[int]] = {}
        self.n = self.nblk = 0
        self.skipped = 0
        self.moved = 0  # indels left_align moved
        self.cur: str | None = None
        self.align: Callable[[int, str, str], tuple[int, str, str] | None] = normalise
        self.buf = _Buffer()
        self.first = 0  # first record of the current contig
        self.written_to = 0  # every record written on this contig lies before this POS
        self.blocks = np.zeros(0, np.int64)  # records per FINE_BITS block of the contig

    def add(self, row: Row) -> None:
        """Store each ALT allele of a row (symbolic ones are skipped and counted)."""
        c = canonical_contig(row.contig)
        if c != self.cur:
            self._end_contig()
            if c in self.contigs:
                raise AnnotationSourceError(
                    f"{self.spec.path.name}: contig {row.contig} appears in two places; sort "
                    "the file by contig and position (bcftools sort)")
            self.cur, self.first, self.written_to = c, self.n, 0
            self.blocks = np.zeros(0, np.int64)
            self.align = normalise if self.fetch is None else self._left_aligner(c)
        b = self.buf
        for k, alt in enumerate(row.alt.split(",")):
            norm = self.align(row.pos, row.ref, alt)
            if norm is None:
                self.skipped += 1
                continue
            pos, ref, alt_n = norm
            if pos < self.written_to:
                raise AnnotationSourceError(
                    f"{self.spec.path.name}: {row.contig}:{row.pos} comes after records at "
                    f"positions past {self.written_to}; sort the file (bcftools sort)")
            i = len(b.pos)
            b.pos.append(pos)
            cd = code(ref, alt_n)
            b.allele.append(cd)
            if cd == LONG:
                b.long[i] = f"{ref}\t{alt_n}"
            if self.with_id:
                b.id.append(self._id(row.id, i))
            for fk, fi in enumerate(self.fields):
                if len(b.values) <= fk:
                    b.values.append([])
                b.values[fk].append(fi.value(row.info.get(fi.name), k))
        if len(b.pos) >= CHUNK:
            self._write(row.pos - MAX_SHIFT)

    def _left_aligner(self, contig: str) -> Callable[[int, str, str], tuple[int, str, str] | None]:
        """left_align on contig's bases, counting the indels it moves (reported by the build)."""
        fetch = self.fetch
        assert fetch is not None

        def align(p: int, r: str, a: str) -> tuple[int, str, str] | None:
            got = left_align(p, r, a, lambda x, y: fetch(contig, x, y))
            # only a shift to the left lowers POS below normalise's (which can only raise it)
            if got is not None and len(got[1]) != len(got[2]) and \
                    got[0] < normalise(p, r, a)[0]:  # type: ignore[index]
                self.moved += 1
            return got
        return align

    def _id(self, text: str, i: int) -> int:
        if text in (".", ""):
            return 0
        m = _ID.match(text)
        if m:
            if self.id_prefix is None:
                self.id_prefix = m.group(1)
            num = int(m.group(2))
            if m.group(1) == self.id_prefix and num < 2**32:
                return num
        self.buf.idtext[i] = text
        return 0

    def _write(self, before: int | None) -> None:
        """Sort the buffer and write its records before POS `before` (None: all of them)."""
        b = self.buf
        if not len(b.pos):
            return
        pos = np.frombuffer(b.pos, dtype=np.int64)
        allele = np.frombuffer(b.allele, dtype=np.uint16)
        order = np.lexsort((allele, pos))
        k = len(order) if before is None else int(np.searchsorted(pos[order], before))
        out, keep = order[:k], order[k:]
        self.buf = _Buffer()
        for i in keep.tolist():  # carried over to the next chunk, renumbered
            self._carry(b, i)
        if not k:
            return
        if before is not None:
            self.written_to = max(self.written_to, before)
        pos, allele = pos[out], allele[out]
        rank = np.full(len(order), -1, dtype=np.int64)
        rank[out] = np.arange(k) + self.n  # record number once written
        for src, dest in ((b.long, self.long), (b.idtext, self.idtext)):
            done = sorted((int(rank[i]), t) for i, t in src.items() if rank[i] >= 0)
            if done:
                dest.add([j for j, _ in done], [t for _, t in done])
        counts = np.bincount(pos >> FINE_BITS)
        if len(counts) > len(self.blocks):
            self.blocks = np.concatenate([self.blocks,
                                          np.zeros(len(counts) - len(self.blocks), np.int64)])
        self.blocks[:len(counts)] += counts
        self.code_counts += np.bincount(allele, minlength=2**16)
        (pos & 0xFFFF).astype(np.uint16).tofile(self.raw["pos"])
        allele.tofile(self.raw["allele"])
        if self.with_id:
            np.frombuffer(b.id, dtype=np.uint32)[out].tofile(self.raw["id"])
        for fk, fi in enumerate(self.fields):
            self._column(fk, fi, [b.values[fk][i] for i in out.tolist()])
        self.n += k

    def _carry(self, old: _Buffer, i: int) -> None:
        b, j = self.buf, len(self.buf.pos)
        b.pos.append(old.pos[i])
        b.allele.append(old.allele[i])
        if self.with_id:
            b.id.append(old.id[i])
        for src, dest in ((old.long, b.long), (old.idtext, b.idtext)):
            if i in src:
                dest[j] = src[i]
        for fk, values in enumerate(old.values):
            if len(b.values) <= fk:
                b.values.append([])
            b.values[fk].append(values[i])

    def _end_contig(self) -> None:
        """Write the rest of the contig and its first record per FINE_BITS block."""
        self._write(None)
        c = self.cur
        if c is None or self.n == self.first:
            return
        first = np.concatenate([[0], np.cumsum(self.blocks)[:-1]]) + self.first
        first.astype(np.int64).tofile(self.raw["blk"])
        self.contigs[c] = [self.first, self.n, self.nblk, len(first)]
        self.nblk += len(first)

    def _column(self, fk: int, fi: FieldInfo, values: list[str | None]) -> None:
        kind = fi.kind
        if kind == "float":
            arr = np.array([_number(v, float, np.nan) for v in values], dtype=np.float32)
        elif kind == "int":
            arr = np.array([_number(v, int, _INT_MISSING) for v in values], dtype=np.int32)
        elif kind == "flag":
            arr = np.array([v is not None for v in values], dtype=np.uint8)
        else:
            d = self.dicts[fk]
            arr = np.array([0 if v is None else d.setdefault(v, len(d) + 1) for v in values],
                           dtype=np.uint32)
        self.dtypes[f"f{fk}"] = arr.dtype
        arr.tofile(self.raw[f"f{fk}"])

    def finish(self) -> dict:
        """Write the .npy files into the folder; returns the manifest entry."""
        self._end_contig()
        for f in self.raw.values():
            f.close()
        bits = self._block_bits()
        files: dict[str, np.ndarray | Path] = {"blk": self._blocks(bits)}
        files["allele_codes"], extra = self._palette()
        for col in self.columns:
            files[col] = self._narrow(col)
        files.update(_merged("long", [self.long, extra], self.tmp))
        files.update(_merged("idtext", [self.idtext], self.tmp))
        declared = {}
        for fk, fi in enumerate(self.fields):
            if fi.kind == "text":
                texts = sorted(self.dicts[fk], key=self.dicts[fk].__getitem__)
                files.update(_dictionary_texts(f"f{fk}", texts))
            declared[fi.name] = {"column": f"f{fk}", "kind": fi.kind, "number": fi.number,
                                 "type": fi.type, "description": fi.description}
        written = {}
        for col, data in files.items():
            name = f"{self.prefix}_{col}.npy"
            if isinstance(data, Path):
                _raw_to_npy(data, self.folder / name, self.dtypes.get(col, np.dtype(np.uint8)))
            else:
                np.save(self.folder / name, data)
            written[name] = self.folder / name
        shutil.rmtree(self.tmp, ignore_errors=True)
        return {"name": self.spec.name, "file": self.spec.path.name, "id": self.with_id,
                "id_prefix": self.id_prefix or "", "fields": declared, "records": self.n,
                "skipped_alleles": self.skipped, "moved_alleles": self.moved,
                "contigs": self.contigs, "block_bits": bits, "left_aligned": self.fetch is not None,
                "files": sorted(written)}

    def _block_bits(self) -> int:
        """Block size (log2 bases): about PER_BLOCK records a block, 1,024 to 65,536 bases."""
        spans = sum(nb << FINE_BITS for _, _, _, nb in self.contigs.values())
        if not self.n:
            return MAX_BLOCK_BITS
        bits = int(np.log2(max(PER_BLOCK * spans / self.n, 1)))
        return min(max(bits, FINE_BITS), MAX_BLOCK_BITS)

    def _blocks(self, bits: int) -> np.ndarray:
        """Per contig, the first record of each 2**bits block and the contig's end; the
        contig entries are rewritten to slices of it."""
        raw = self.tmp / "blk"
        fine = np.memmap(raw, dtype=np.int64, mode="r") if raw.stat().st_size else \
            np.zeros(0, np.int64)
        step, out, nblk = 1 << (bits - FINE_BITS), [], 0
        for entry in self.contigs.values():
            first, end, b0, nb = entry
            coarse = fine[b0:b0 + nb:step]
            out += [coarse, np.asarray([end], dtype=np.int64)]
            entry[2:] = [nblk, len(coarse)]
            nblk += len(coarse) + 1
        return _small(np.concatenate(out) if out else np.zeros(1, np.int64))

    def _palette(self) -> tuple[np.ndarray, _Sparse]:
        """Rewrite the allele column as 1-byte indexes into the source's most frequent codes;
        returns that palette and the alleles spelled out because they are not in it."""
        counts = self.code_counts
        counts[LONG] = 0
        used = np.flatnonzero(counts)
        top = used[np.argsort(-counts[used], kind="stable")][:PALETTE_SIZE - 1]
        palette = np.concatenate([[LONG], np.sort(top)]).astype(np.uint16)
        index = np.zeros(2**16, np.uint8)  # code -> palette index (0: spelled out)
        index[palette[1:]] = np.arange(1, len(palette), dtype=np.uint8)
        extra = _Sparse(self.tmp, "extra")
        raw = self.tmp / "allele"
        with open(raw, "rb") as src, open(self.tmp / "allele8", "wb") as out:
            i = 0
            while chunk := src.read(2 * CHUNK):
                codes = np.frombuffer(chunk, dtype=np.uint16)
                small = index[codes]
                rare = np.flatnonzero((small == 0) & (codes != LONG))
                if len(rare):
                    extra.add((rare + i).tolist(),
                              ["\t".join(decode(int(c))) for c in codes[rare].tolist()])
                small.tofile(out)
                i += len(codes)
        (self.tmp / "allele8").replace(raw)
        self.dtypes["allele"] = np.dtype(np.uint8)
        return palette, extra

    def _narrow(self, col: str) -> Path:
        """A text field's codes in the smallest unsigned type their count fits (chunk by
        chunk); other columns as written."""
        path = self.tmp / col
        if not col.startswith("f") or self.fields[int(col[1:])].kind != "text":
            return path
        n = len(self.dicts[int(col[1:])])
        small = np.uint8 if n < 2**8 else np.uint16 if n < 2**16 else np.uint32
        with open(path, "rb") as src, open(self.tmp / "narrow", "wb") as out:
            while chunk := src.read(4 * CHUNK):
                np.frombuffer(chunk, dtype=np.uint32).astype(small).tofile(out)
        (self.tmp / "narrow").replace(path)
        self.dtypes[col] = np.dtype(small)
        return path

    def abort(self) -> None:
        for f in self.raw.values():
            f.close()
        self.long.close()
        self.idtext.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _number(v: str | None, kind: type, missing: float) -> float:
    if v is None:
        return missing
    try:
        return kind(v)
    except ValueError:
        return missing


def _dictionary_texts(prefix: str, texts: list[str]) -> dict[str, np.ndarray]:
    data = [t.encode() for t in texts]
    off = np.zeros(len(data) + 2, dtype=np.int64)  # code 0 (missing) is the empty text
    np.cumsum([len(d) for d in data], out=off[2:])
    return {f"{prefix}_off": off, f"{prefix}_blob": np.frombuffer(b"".join(data), np.uint8)}


def _raw_to_npy(raw: Path, dest: Path, dtype: np.dtype) -> None:
    """A .npy file from a raw column without loading it (header, then the bytes)."""
    n = raw.stat().st_size // dtype.itemsize
    with open(dest, "wb") as out, open(raw, "rb") as src:
        np.lib.format.write_array_header_1_0(
            out, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                  "shape": (n,)})
        shutil.copyfileobj(src, out, 1 << 22)


def compile_source(spec: SourceSpec, folder: Path, say: Callable[[str], None],
                   rows: Iterator[Row] | None = None,
                   fields: dict[str, FieldInfo] | None = None,
                   fetch: Callable[[str, int, int], str] | None = None) -> dict:
    """Compile a source VCF (or given rows) into folder; returns its manifest entry.

    fetch(contig, start, end) gives the genome's bases: indels are then left-aligned.
    """
    if rows is None:
        fields, rows = read_vcf_source(spec, lambda n: say(f"  {spec.name}: {n:,} lines"))
    writer = SourceWriter(spec, fields or {}, folder, fetch)
    try:
        for row in rows:
            writer.add(row)
        entry = writer.finish()
    except BaseException:
        writer.abort()
        raise
    say(f"source {spec.name}: {entry['records']:,} alleles from {spec.path.name}"
        + (f" ({entry['skipped_alleles']:,} symbolic skipped)" if entry["skipped_alleles"]
           else "")
        + (f" ({entry['moved_alleles']:,} indels left-aligned)" if entry["moved_alleles"]
           else ""))
    return entry
