"""Compile annotation sources (any VCF: dbSNP, ClinVar, gnomAD...) into bundle columns.

`--source NAME=FILE.vcf.gz:FIELD[,FIELD...]`: every ALT allele of every record becomes one
stored record (multi-allelic records are split; alleles normalised as in `alleles`),
sorted by position and allele code within each contig. Per source, memory-mapped:

* `src_<name>_pos.npy`: uint16, POS modulo 65,536;
* `src_<name>_blk.npy`: uint32 (int64 past 4 G records), per contig the first record of
  each 65,536-base block and the contig's end;
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

An ID-only source such as dbSNP takes 7 bytes a record (2 + 1 + 4), plus the blocks and the
few alleles spelled out (a dbSNP-like mix: 7.3 bytes a record, bench/bench_engine.py).
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

from .alleles import LONG, code, decode, normalise
from .contigs import canonical_contig
from .gtf import AnnotationSourceError, open_text

BLOCK_BITS = 16
PALETTE_SIZE = 256  # allele codes a source stores in one byte
PALETTE_CHUNK = 1 << 22  # records rewritten at a time
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
    """Texts of a few records (long alleles, IDs of an unusual form), by record number."""

    def __init__(self) -> None:
        self.idx: list[int] = []
        self.text: list[str] = []

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        order = np.argsort(np.asarray(self.idx, dtype=np.int64), kind="stable")
        data = [self.text[i].encode() for i in order.tolist()]
        off = np.zeros(len(data) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in data], out=off[1:])
        idx = np.asarray(self.idx, dtype=np.int64)[order]
        return {f"{prefix}_idx": _small(idx), f"{prefix}_off": _small(off),
                f"{prefix}_blob": np.frombuffer(b"".join(data), np.uint8)}


def _small(a: np.ndarray) -> np.ndarray:
    """uint32 when the values fit (they do below 4 G records or bytes): half the bytes."""
    return a.astype(np.uint32) if not len(a) or a[-1] < 2**32 else a


@dataclass
class _Contig:
    """Records of the contig being read, before sorting."""

    pos: array.array = field(default_factory=lambda: array.array("q"))
    allele: array.array = field(default_factory=lambda: array.array("H"))
    id: array.array = field(default_factory=lambda: array.array("I"))
    long: dict[int, str] = field(default_factory=dict)  # record -> REF\tALT
    idtext: dict[int, str] = field(default_factory=dict)
    values: list[list] = field(default_factory=list)


class SourceWriter:
    """Streams one source's rows, a contig at a time, into column files under a folder."""

    def __init__(self, spec: SourceSpec, fields: dict[str, FieldInfo], folder: Path) -> None:
        self.spec, self.fields = spec, [fields[f] for f in spec.fields if f != "ID"]
        self.with_id = "ID" in spec.fields
        self.folder = folder
        self.prefix = f"src_{spec.name}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.prefix}.", dir=folder))
        self.columns = ["pos", "allele"] + (["id"] + [f"f{k}" for k in range(len(self.fields))]
                                            if self.with_id else
                                            [f"f{k}" for k in range(len(self.fields))])
        self.raw = {c: open(self.tmp / c, "wb") for c in self.columns}  # noqa: SIM115
        self.dtypes: dict[str, np.dtype] = {"pos": np.dtype(np.uint16),
                                            "allele": np.dtype(np.uint16),
                                            "id": np.dtype(np.uint32)}
        self.dicts: list[dict[str, int]] = [{} for _ in self.fields]
        self.long, self.idtext = _Sparse(), _Sparse()
        self.id_prefix: str | None = None
        self.blk: list[np.ndarray] = []
        self.contigs: dict[str, list[int]] = {}
        self.n = self.nblk = 0
        self.skipped = 0
        self.cur: str | None = None
        self.buf = _Contig()

    def add(self, row: Row) -> None:
        """Store each ALT allele of a row (symbolic ones are skipped and counted)."""
        c = canonical_contig(row.contig)
        if c != self.cur:
            self._flush()
            if c in self.contigs:
                raise AnnotationSourceError(
                    f"{self.spec.path.name}: contig {row.contig} appears in two places; sort "
                    "the file by contig and position (bcftools sort)")
            self.cur = c
        b = self.buf
        for k, alt in enumerate(row.alt.split(",")):
            norm = normalise(row.pos, row.ref, alt)
            if norm is None:
                self.skipped += 1
                continue
            pos, ref, alt_n = norm
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

    def _flush(self) -> None:
        b, c = self.buf, self.cur
        self.buf = _Contig()
        if c is None or not len(b.pos):
            return
        pos = np.frombuffer(b.pos, dtype=np.int64)
        allele = np.frombuffer(b.allele, dtype=np.uint16)
        order = np.lexsort((allele, pos))
        pos, allele = pos[order], allele[order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) + self.n  # record number after sorting
        for src, dest in ((b.long, self.long), (b.idtext, self.idtext)):
            for i, text in src.items():
                dest.idx.append(int(rank[i]))
                dest.text.append(text)
        blocks = pos >> BLOCK_BITS
        nb = int(blocks[-1]) + 1
        self.blk.append(np.searchsorted(blocks, np.arange(nb), "left") + self.n)
        self.contigs[c] = [self.n, self.n + len(pos), self.nblk, nb]
        self.nblk += nb + 1
        self.blk.append(np.asarray([self.n + len(pos)], dtype=np.int64))
        (pos & 0xFFFF).astype(np.uint16).tofile(self.raw["pos"])
        allele.tofile(self.raw["allele"])
        if self.with_id:
            np.frombuffer(b.id, dtype=np.uint32)[order].tofile(self.raw["id"])
        for fk, fi in enumerate(self.fields):
            self._column(fk, fi, [b.values[fk][i] for i in order.tolist()])
        self.n += len(pos)

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
        self._flush()
        files: dict[str, np.ndarray | Path] = {}
        for f in self.raw.values():
            f.close()
        files["allele_codes"] = self._palette()
        for col in self.columns:
            dtype = self.dtypes.get(col, np.dtype(np.uint8))
            files[col] = _narrow(col, self.tmp / col, dtype, self.dicts, self.fields)
        files["blk"] = _small(np.concatenate(self.blk) if self.blk else np.zeros(1, np.int64))
        files.update(self.long.arrays("long"))
        files.update(self.idtext.arrays("idtext"))
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
                _raw_to_npy(data, self.folder / name, self._dtype_of(col))
            else:
                np.save(self.folder / name, data)
            written[name] = self.folder / name
        shutil.rmtree(self.tmp, ignore_errors=True)
        return {"name": self.spec.name, "file": self.spec.path.name, "id": self.with_id,
                "id_prefix": self.id_prefix or "", "fields": declared, "records": self.n,
                "skipped_alleles": self.skipped, "contigs": self.contigs,
                "files": sorted(written)}

    def _palette(self) -> np.ndarray:
        """Rewrite the allele column as 1-byte indexes into the source's most frequent codes
        (the rest are spelled out with the LONG ones); returns that palette."""
        raw = self.tmp / "allele"
        codes = np.memmap(raw, dtype=np.uint16, mode="r") if raw.stat().st_size else \
            np.zeros(0, np.uint16)
        counts = np.zeros(2**16, np.int64)
        for i in range(0, len(codes), PALETTE_CHUNK):
            counts += np.bincount(codes[i:i + PALETTE_CHUNK], minlength=2**16)
        counts[LONG] = 0
        used = np.flatnonzero(counts)
        top = used[np.argsort(-counts[used], kind="stable")][:PALETTE_SIZE - 1]
        palette = np.concatenate([[LONG], np.sort(top)]).astype(np.uint16)
        index = np.zeros(2**16, np.uint8)  # code -> palette index (0: spelled out)
        index[palette[1:]] = np.arange(1, len(palette), dtype=np.uint8)
        with open(self.tmp / "allele8", "wb") as out:
            for i in range(0, len(codes), PALETTE_CHUNK):
                chunk = np.asarray(codes[i:i + PALETTE_CHUNK])
                small = index[chunk]
                for j in np.flatnonzero((small == 0) & (chunk != LONG)).tolist():
                    self.long.idx.append(i + j)
                    self.long.text.append("\t".join(decode(int(chunk[j]))))
                small.tofile(out)
        del codes
        (self.tmp / "allele8").replace(raw)
        self.dtypes["allele"] = np.dtype(np.uint8)
        return palette

    def _dtype_of(self, col: str) -> np.dtype:
        return self.dtypes.get(col, np.dtype(np.uint8))

    def abort(self) -> None:
        for f in self.raw.values():
            f.close()
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


def _narrow(col: str, path: Path, dtype: np.dtype, dicts: list[dict[str, int]],
            fields: list[FieldInfo]) -> Path | np.ndarray:
    """Dictionary codes in the smallest unsigned type their count fits; others as written."""
    if col.startswith("f") and fields[int(col[1:])].kind == "text":
        n = len(dicts[int(col[1:])])
        small = np.uint8 if n < 2**8 else np.uint16 if n < 2**16 else np.uint32
        return np.fromfile(path, dtype=np.uint32).astype(small)
    return path


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
                   fields: dict[str, FieldInfo] | None = None) -> dict:
    """Compile a source VCF (or given rows) into folder; returns its manifest entry."""
    if rows is None:
        fields, rows = read_vcf_source(spec, lambda n: say(f"  {spec.name}: {n:,} lines"))
    writer = SourceWriter(spec, fields or {}, folder)
    try:
        for row in rows:
            writer.add(row)
        entry = writer.finish()
    except BaseException:
        writer.abort()
        raise
    say(f"source {spec.name}: {entry['records']:,} alleles from {spec.path.name}"
        + (f" ({entry['skipped_alleles']:,} symbolic skipped)" if entry["skipped_alleles"]
           else ""))
    return entry
