"""The on-disk reference bundle: write it, and load it memory-mapped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .contigs import canonical_contig
from .genome import Genome
from .index_builder import TemplateTable, contig_intervals, entry_prefix
from .model import TERMS, Transcript
from .transcripts import TX_EXON0, concat_index, overlap_index, transcript_rows

FORMAT_VERSION = 6
# 4: sources' allele column is the 16-bit code (no palette); 4 and 5: source blocks are
# 65,536 bases and indels are not left-aligned (their entries lack block_bits, left_aligned)
READS_VERSIONS = (4, 5, 6)
MANIFEST = "manifest.json"
_COLUMNS = ("iv_term", "iv_feat", "iv_rank", "iv_term2", "iv_feat2", "iv_rank2")
_COLUMN_TYPES = (np.int8, np.int32, np.uint16, np.int8, np.int32, np.uint16)
_ARRAYS = ("iv_start", "iv_tmpl", "iv_anc", *_COLUMNS, "anchors", "tmpl_off", "tmpl_blob",
           "feat_off", "feat_blob", "ranks")
# Compiles one annotation source into the bundle folder; returns its manifest entry.
SourceCompiler = Callable[[Path], dict]
# Present only in bundles built with a FASTA (see reference/genome.py, transcripts.py).
SEQUENCE_ARRAYS = ("seq_2bit", "seq_n", "tx_num", "tx_exon", "tx_off", "tx_blob", "txi_start",
                   "txi_off", "txi_ids")
# What a bundle can give, and what only a bundle with sequence gives.
GIVES_ALWAYS = ["location terms (gene level)", "Rank", "Distance", "known IDs"]
GIVES_WITH_SEQUENCE = ["one entry per transcript", "protein consequences", "HGVS.c", "HGVS.p",
                       "cDNA/CDS/AA positions", "REF check against the genome",
                       "per-variant pick (PICK)"]


def _blob(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data = [t.encode() for t in texts]
    off = np.zeros(len(data) + 1, dtype=np.int64)  # stored as int32 when it fits
    np.cumsum([len(d) for d in data], out=off[1:])
    if off[-1] < 2**31:
        off = off.astype(np.int32)
    return off, np.frombuffer(b"".join(data), dtype=np.uint8)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bundle(dest: Path, models: Iterable[Transcript], sources: list[SourceCompiler],
                 meta: dict, lengths: dict[str, int] | None = None,
                 progress: Callable[[str], None] | None = None,
                 sequence: dict[str, tuple[np.ndarray, np.ndarray, int]] | None = None,
                 tx_models: list[Transcript] | None = None,
                 incomplete: set[str] | None = None) -> Path:
    """Build the indexed form, the annotation sources and the manifest into dest.

    dest is replaced atomically. With sequence (packed FASTA records by contig) the bundle
    also stores the genome and tx_models (the transcripts that fit it) for per-transcript
    consequences.
    """
    say = progress or (lambda _m: None)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _write(tmp, models, [compile_into(tmp) for compile_into in sources], meta, lengths, say,
               sequence, tx_models, incomplete)
        os.chmod(tmp, 0o755)  # noqa: S103 - a data folder others may read
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _write(tmp: Path, models: Iterable[Transcript], sources: list[dict], meta: dict,
           lengths: dict[str, int] | None, say: Callable[[str], None],
           sequence: dict[str, tuple[np.ndarray, np.ndarray, int]] | None,
           tx_models: list[Transcript] | None, incomplete: set[str] | None) -> None:
    lengths = {canonical_contig(k): v for k, v in (lengths or {}).items()}
    for c, (_, _, n) in (sequence or {}).items():
        lengths[c] = n  # the FASTA is the authority on its own lengths
    by_contig: dict[str, list[Transcript]] = {}
    for m in models:
        m.contig = canonical_contig(m.contig)
        by_contig.setdefault(m.contig, []).append(m)
    in_sources = {c for src in sources for c in src["contigs"]}
    contig_names = sorted(set(by_contig) | in_sources | set(lengths), key=_contig_order)

    table = TemplateTable()
    iv_start: list[np.ndarray] = []
    iv_tmpl: list[np.ndarray] = []
    iv_anc: list[np.ndarray] = []
    columns: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS}
    anchors: list[int] = []
    contigs: dict[str, dict] = {}
    iv_n = 0
    for c in contig_names:
        t0 = time.monotonic()
        txs = by_contig.get(c, [])
        starts, ids, anc, cols = contig_intervals(txs, lengths.get(c), table)
        table_cols = np.asarray(cols, dtype=np.int64).reshape(-1, len(_COLUMNS))
        for k, (name, dtype) in enumerate(zip(_COLUMNS, _COLUMN_TYPES, strict=True)):
            columns[name].append(table_cols[:, k].astype(dtype))
        iv_start.append(np.asarray(starts, dtype=np.int32))
        iv_tmpl.append(np.asarray(ids, dtype=np.int32))
        offs = np.empty(len(anc), dtype=np.int32)
        for k, a in enumerate(anc):
            # -1 (the spare -1 at the end of anchors) when the interval has no anchor
            offs[k] = len(anchors) if a else -1
            anchors.extend(a)
        iv_anc.append(offs)
        contigs[c] = {"length": lengths.get(c), "intervals": [iv_n, iv_n + len(starts)],
                      "transcripts": len(txs)}
        iv_n += len(starts)
        say(f"contig {c}: {len(txs)} transcripts, {len(starts)} intervals "
            f"({time.monotonic() - t0:.1f} s)")

    extra: dict[str, np.ndarray] = {}
    if sequence is not None:
        extra = _sequence_arrays(sequence, tx_models or [], incomplete or set(), contigs)
    if len(table.ranks) > np.iinfo(np.uint16).max:
        raise ValueError(f"{len(table.ranks)} distinct exon/intron ranks; at most 65535")
    tmpl_off, tmpl_blob = _blob(table.items)
    feat_off, feat_blob = _blob(table.features)
    arrays = {
        "iv_start": np.concatenate(iv_start) if iv_start else np.zeros(0, np.int32),
        "iv_tmpl": np.concatenate(iv_tmpl) if iv_tmpl else np.zeros(0, np.int32),
        "iv_anc": np.concatenate(iv_anc) if iv_anc else np.zeros(0, np.int32),
        **{name: np.concatenate(parts) if parts else np.zeros(0, dtype)
           for (name, parts), dtype in zip(columns.items(), _COLUMN_TYPES, strict=True)},
        # one spare so that 'first anchor of every interval' can be gathered blindly
        "anchors": np.asarray(anchors + [-1], dtype=np.int32),
        "tmpl_off": tmpl_off, "tmpl_blob": tmpl_blob,
        "feat_off": feat_off, "feat_blob": feat_blob,
        "ranks": np.frombuffer("\n".join(table.ranks).encode(), dtype=np.uint8),
        **extra,
    }
    for name, arr in arrays.items():
        np.save(tmp / f"{name}.npy", arr)
    names = [f"{n}.npy" for n in arrays] + [f for src in sources for f in src["files"]]
    files = {n: {"sha256": sha256_file(tmp / n), "bytes": (tmp / n).stat().st_size}
             for n in names}
    manifest = {
        "format_version": FORMAT_VERSION,
        **meta,
        "annotations": {
            "gives": GIVES_ALWAYS + (GIVES_WITH_SEQUENCE if extra else []),
            "cannot_give": [] if extra else GIVES_WITH_SEQUENCE,
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "coordinates": "intervals and source positions are 1-based (VCF POS)",
        "contigs": contigs,
        "counts": {"transcripts": sum(v["transcripts"] for v in contigs.values()),
                   "intervals": iv_n, "templates": len(table.items),
                   "features": len(table.features),
                   "known": sum(src["records"] for src in sources if src["id"])},
        "sources": {src["name"]: src for src in sources},
        "files": files,
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def _sequence_arrays(sequence: dict[str, tuple[np.ndarray, np.ndarray, int]],
                     models: list[Transcript], incomplete: set[str],
                     contigs: dict[str, dict]) -> dict[str, np.ndarray]:
    """The packed genome and the transcript table, with their slices added to contigs."""
    by_contig: dict[str, list[Transcript]] = {}
    for m in models:
        by_contig.setdefault(m.contig, []).append(m)
    packed, nruns, nums, exons, texts, index = [], [], [], [], [], []
    byte = n_run = n_tx = n_exon = 0
    for c in sorted(set(sequence) | set(by_contig), key=_contig_order):
        info = contigs.setdefault(c, {"length": None, "intervals": [0, 0],
                                      "transcripts": 0})
        if c in sequence:
            p, n, length = sequence[c]
            info["sequence"] = [byte, length, n_run, n_run + len(n)]
            info["length"] = info.get("length") or length
            packed.append(p)
            nruns.append(n)
            byte += len(p)
            n_run += len(n)
        txs = sorted(by_contig.get(c, []), key=lambda t: (t.start, t.end, t.transcript_id))
        num, ex, tx_texts = transcript_rows(txs, incomplete)
        num[:, TX_EXON0] += n_exon
        info["transcript_rows"] = [n_tx, n_tx + len(txs)]
        nums.append(num)
        exons.append(ex)
        texts.extend(tx_texts)
        index.append(overlap_index(num))
        n_tx += len(txs)
        n_exon += len(ex)
    txi_start, txi_off, txi_ids, slices = concat_index(index)
    for c, sl in zip(sorted(set(sequence) | set(by_contig), key=_contig_order), slices,
                     strict=True):
        contigs[c]["tx_intervals"] = list(sl)
    tx_off, tx_blob = _blob(texts)
    return {
        "seq_2bit": np.concatenate(packed) if packed else np.zeros(0, np.uint8),
        "seq_n": np.concatenate(nruns) if nruns else np.zeros((0, 2), np.int64),
        "tx_num": np.concatenate(nums) if nums else np.zeros((0, 9), np.int64),
        "tx_exon": np.concatenate(exons) if exons else np.zeros((0, 2), np.int32),
        "tx_off": tx_off, "tx_blob": tx_blob,
        "txi_start": txi_start, "txi_off": txi_off, "txi_ids": txi_ids,
    }


def _contig_order(c: str) -> tuple:
    return (0, int(c), "") if c.isdigit() else (1, 0, c)


class ContigIndex(NamedTuple):
    """One contig's slices of the bundle arrays."""

    starts: np.ndarray  # interval starts (1-based, int32)
    tmpl: np.ndarray  # template id per interval
    anc: np.ndarray  # offset of the interval's first anchor in Reference.anchors
    term: np.ndarray  # first entry: term code (-1: three entries or more, use the template)
    feat: np.ndarray  # first entry: feature number
    rank: np.ndarray  # first entry: rank number, see Reference.rank_tails (0: none)
    term2: np.ndarray  # second entry, the same way (term -1: no second entry)
    feat2: np.ndarray
    rank2: np.ndarray


class BundleError(Exception):
    """A bundle is missing or damaged."""


class Reference:
    """A loaded bundle: memory-mapped arrays plus small caches."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        mf = self.path / MANIFEST
        if not mf.is_file():
            raise BundleError(f"no reference bundle at {self.path} (no {MANIFEST})")
        try:
            self.manifest = json.loads(mf.read_text())
        except ValueError as e:
            raise BundleError(f"reference bundle manifest {mf} is not valid JSON: {e}") from e
        if self.manifest.get("format_version") not in READS_VERSIONS:
            raise BundleError(f"reference bundle {self.path} has format version "
                              f"{self.manifest.get('format_version')}, this GAS reads "
                              f"{' and '.join(map(str, READS_VERSIONS))}; reinstall or "
                              "rebuild it with gas reference")
        self.arrays: dict[str, np.ndarray] = {}
        self.has_sequence = "seq_2bit.npy" in self.manifest["files"]
        for name in _ARRAYS + (SEQUENCE_ARRAYS if self.has_sequence else ()):
            f = self.path / f"{name}.npy"
            want = self.manifest["files"].get(f"{name}.npy", {}).get("bytes")
            if not f.is_file() or (want is not None and f.stat().st_size != want):
                raise BundleError(f"reference bundle {self.path} is damaged ({f.name}); "
                                  "reinstall it")
            # A plain ndarray view of the map: numpy's memmap subclass is slow to index.
            self.arrays[name] = np.load(f, mmap_mode="r").view(np.ndarray)
        self.name: str = self.manifest.get("name", self.path.name)
        self.build: str = self.manifest.get("build", "")
        self.version: str = str(self.manifest.get("version", ""))
        self.contigs: dict[str, dict] = self.manifest["contigs"]
        self._alias: dict[str, str | None] = {}
        self._views: dict[str, ContigIndex] = {}
        self.anchors = self.arrays["anchors"]
        self._tmpl_off = self.arrays["tmpl_off"]
        self._tmpl_blob = self.arrays["tmpl_blob"]
        self._feat_off = self.arrays["feat_off"]
        self._feat_blob = self.arrays["feat_blob"]
        # Decoded feature texts, filled as used: bounded by the bundle's feature count
        # (about 120,000 for GRCh38, ~20 MB at most), not by the input's size.
        self.features: dict[int, str] = {}
        # term code -> '|Annotation|Impact|'
        self.term_heads = [entry_prefix(t, "", None)[:-1] for t in range(len(TERMS))]
        # rank number -> '|n/total' plus the empty HGVS..AA fields that follow it
        self.rank_tails = ["|" + r + "||||||" for r in
                           self.arrays["ranks"].tobytes().decode().split("\n")]
        self.genome = (Genome(self.arrays["seq_2bit"], self.arrays["seq_n"], self.contigs)
                       if self.has_sequence else None)

    def describe(self) -> dict:
        """name, build, version, what it cannot give and whether it knows variant IDs
        (what the summary records)."""
        gives = self.manifest.get("annotations", {})
        cannot = gives.get("cannot_give", [] if self.has_sequence else GIVES_WITH_SEQUENCE)
        return {"name": self.name, "build": self.build, "version": self.version,
                "cannot_give": cannot,
                "known_source": bool(self.manifest.get("counts", {}).get("known"))}

    def contig(self, name: str) -> str | None:
        """The bundle's name for an input contig, or None when unknown."""
        c = self._alias.get(name, "")
        if c == "":
            canon = canonical_contig(name)
            c = self._alias[name] = canon if canon in self.contigs else None
        return c

    def length(self, contig: str) -> int | None:
        """Contig length if the bundle knows it."""
        return self.contigs[contig].get("length")

    def views(self, contig: str) -> ContigIndex:
        """The contig's slices of the index."""
        v = self._views.get(contig)
        if v is None:
            info = self.contigs[contig]
            a, b = info["intervals"]
            v = ContigIndex._make([np.asarray(self.arrays["iv_start"][a:b]),
                                   np.asarray(self.arrays["iv_tmpl"][a:b]),
                                   np.asarray(self.arrays["iv_anc"][a:b]),
                                   *(self.arrays[name][a:b] for name in _COLUMNS)])
            self._views[contig] = v
        return v

    def feature(self, i: int) -> str:
        """Feature text i (Gene_Name|Gene_ID|Feature_Type|Feature_ID|BioType), cached."""
        off = self._feat_off
        f = self.features[i] = self._feat_blob[off[i]:off[i + 1]].tobytes().decode()
        return f

    def template(self, i: int) -> tuple[tuple[tuple[str, bool], ...], int]:
        """Template i as (ANN prefix, takes a distance) entries, and its most severe term."""
        off = self._tmpl_off
        text = self._tmpl_blob[off[i]:off[i + 1]].tobytes().decode()
        features = self.features
        out = []
        top = 99
        for line in text.split("\n"):
            p = line.split("\t")
            term, f = int(p[0]), int(p[1])
            feat = features.get(f) or self.feature(f)
            out.append((f"{self.term_heads[term]}{feat}|{p[2]}||||||", len(p) > 3))
            if term < top:
                top = term
        return tuple(out), top

    def verify(self) -> list[str]:
        """Files whose checksum does not match the manifest."""
        return [n for n, info in self.manifest["files"].items()
                if sha256_file(self.path / n) != info["sha256"]]
