"""Read transcript models from a GENCODE/Ensembl GTF or GFF3 file (plain or gzip)."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote

from .model import Transcript


class AnnotationSourceError(Exception):
    """A GTF/GFF3/VCF source file cannot be used."""


def open_text(path: Path) -> TextIO:
    """Open plain or gzip-compressed text."""
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _rows(path: Path, progress: Callable[[int], None] | None,
          lengths: dict[str, int] | None = None) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as f:
        try:
            for n, line in enumerate(f, 1):
                if line.startswith("#") or not line.strip():
                    p = line.split()
                    if lengths is not None and len(p) == 4 and p[0] == "##sequence-region":
                        lengths[p[1]] = int(p[3]) if p[3].isdigit() else 0
                    continue
                cols = line.rstrip("\r\n").split("\t")
                if len(cols) != 9:
                    raise AnnotationSourceError(f"{path.name} line {n}: expected 9 tab-separated "
                                                f"columns, found {len(cols)}")
                if progress and n % 500_000 == 0:
                    progress(n)
                yield n, cols
        except (EOFError, gzip.BadGzipFile) as e:
            raise AnnotationSourceError(f"{path.name}: damaged gzip file ({e})") from e


def _span(cols: list[str], path: Path, n: int) -> tuple[int, int]:
    try:
        return int(cols[3]), int(cols[4])
    except ValueError:
        raise AnnotationSourceError(f"{path.name} line {n}: start/end are not integers") from None


def _gtf_attrs(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(" ")
        out.setdefault(key, []).append(value.strip().strip('"'))
    return out


def _precedence(tags: list[str], biotype: str, start: int, end: int, tid: str) -> tuple:
    # Which transcript speaks for its gene when two give the same term.
    canonical = any(t in ("Ensembl_canonical", "MANE_Select", "canonical") for t in tags)
    return (not canonical, biotype != "protein_coding", start - end, tid)


def read_gtf(path: Path, progress: Callable[[int], None] | None = None) -> list[Transcript]:
    """Transcripts from a GTF (GENCODE or Ensembl attribute names)."""
    txs: dict[str, Transcript] = {}
    tags: dict[str, list[str]] = {}
    for n, cols in _rows(path, progress):
        kind = cols[2]
        if kind not in ("transcript", "exon", "CDS", "stop_codon"):
            continue
        a = _gtf_attrs(cols[8])
        tid = (a.get("transcript_id") or [""])[0]
        if not tid:
            continue
        tid = _versioned(tid, (a.get("transcript_version") or [""])[0])
        s, e = _span(cols, path, n)
        tx = txs.get(tid)
        if tx is None:
            gid = (a.get("gene_id") or [tid])[0]
            tx = txs[tid] = Transcript(
                contig=cols[0], start=s, end=e, strand=cols[6], gene_id=gid,
                gene_name=(a.get("gene_name") or a.get("gene") or [gid])[0], transcript_id=tid,
                biotype=(a.get("transcript_type") or a.get("transcript_biotype")
                         or a.get("gene_type") or a.get("gene_biotype") or [""])[0])
            tags[tid] = a.get("tag", [])
            tx.level = (a.get("level") or [""])[0]
        if kind == "transcript":
            tx.start, tx.end = s, e
        elif kind == "exon":
            tx.exons.append((s, e))
            tx.start, tx.end = min(tx.start, s), max(tx.end, e)
        else:  # GTF CDS excludes the stop codon; the bundle's coding region includes it
            tx.cds.append((s, e))
            tx.phases.append(_phase(cols[7]))
    for tid, tx in txs.items():
        tx.precedence = _precedence(tags[tid], tx.biotype, tx.start, tx.end, tid)
        tx.tags = tuple(tags[tid])
    if not txs:
        raise AnnotationSourceError(f"{path.name}: no transcripts found (is it a GTF?)")
    return list(txs.values())


def _phase(text: str) -> int:
    return int(text) if text in ("0", "1", "2") else -1


def _versioned(tid: str, version: str) -> str:
    # Ensembl files give the version apart (GENCODE's IDs already carry it).
    if version and not tid.endswith(f".{version}"):
        return f"{tid}.{version}"
    return tid


def _strip_prefix(ident: str) -> str:
    return ident.split(":", 1)[1] if ident.split(":", 1)[0] in ("gene", "transcript") else ident


def read_gff3(path: Path, progress: Callable[[int], None] | None = None,
              lengths: dict[str, int] | None = None) -> list[Transcript]:
    """Transcripts from a GFF3: any feature that is the Parent of an exon is a transcript.

    Contig lengths (##sequence-region, 'chromosome' features) go into lengths.
    """
    feats: dict[str, tuple[list[str], dict[str, str]]] = {}
    parts: list[tuple[str, str, int, int, int]] = []  # parent id, kind, start, end, phase
    for n, cols in _rows(path, progress, lengths):
        kind = cols[2]
        if kind in ("chromosome", "region") and cols[3] == "1" and lengths is not None:
            lengths[cols[0]] = _span(cols, path, n)[1]
            continue
        attrs = {}
        for item in cols[8].strip().split(";"):
            k, sep, v = item.partition("=")
            if sep:
                attrs[k.strip()] = unquote(v.strip())
        if kind in ("exon", "CDS", "stop_codon"):
            s, e = _span(cols, path, n)
            for parent in attrs.get("Parent", "").split(","):
                if parent:
                    parts.append((parent, kind, s, e, _phase(cols[7])))
        elif "ID" in attrs:
            feats[attrs["ID"]] = (cols, attrs)
    txs: dict[str, Transcript] = {}
    for parent, kind, s, e, phase in parts:
        tx = txs.get(parent)
        if tx is None:
            if parent not in feats:
                continue
            cols, a = feats[parent]
            _, ga = feats.get(a.get("Parent", "").split(",")[0], (None, {}))
            gid = ga.get("gene_id") or _strip_prefix(ga.get("ID", "")) or a.get("gene_id") or ""
            tid = _versioned(a.get("transcript_id") or _strip_prefix(parent), a.get("version", ""))
            biotype = (a.get("transcript_type") or a.get("transcript_biotype")
                       or a.get("biotype") or ("protein_coding" if cols[2] == "mRNA" else cols[2]))
            s0, e0 = _span(cols, path, 0)
            tx = txs[parent] = Transcript(
                contig=cols[0], start=s0, end=e0, strand=cols[6], gene_id=gid or tid,
                gene_name=ga.get("gene_name") or ga.get("Name") or a.get("gene_name") or gid or tid,
                transcript_id=tid, biotype=biotype)
            tags = (a.get("tag", "") + "," + a.get("Ensembl_canonical", "")).split(",")
            tx.precedence = _precedence(tags, biotype, s0, e0, tid)
            tx.tags = tuple(t for t in tags if t)
            tx.level = a.get("level", "")
        if kind == "exon":
            tx.exons.append((s, e))
        else:
            tx.cds.append((s, e))
            tx.phases.append(phase)
    if not txs:
        raise AnnotationSourceError(f"{path.name}: no transcripts with exons found "
                                    "(is it a GFF3?)")
    return list(txs.values())


def read_models(path: Path, fmt: str, progress: Callable[[int], None] | None = None
                ) -> tuple[list[Transcript], dict[str, int]]:
    """Transcripts and any contig lengths from a GTF or GFF3 (fmt 'gtf' or 'gff3')."""
    lengths: dict[str, int] = {}
    if fmt == "gtf":
        return read_gtf(path, progress), lengths
    return read_gff3(path, progress, lengths), lengths
