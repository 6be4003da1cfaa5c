"""Browsable tables from an annotated VCF: variants.parquet and genes.parquet.

Reads only what the VCF header declares, so it follows the engine whatever it
writes: the ANN sub-fields come from the ANN description (SnpEff's
"Functional annotations: '...'"), and every other INFO field becomes a column
typed from its Type (per ALT for Number=A/R). One row per ALT x ANN entry
(an ALT without entries still gets one row). Streams: memory is bounded by one
row group. Rows are sorted by position; an unsorted input is sorted on disk
by DuckDB with a memory limit.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from gas_common.consequences import IMPACTS, INTERGENIC, most_severe, rank

ROW_GROUP = 65_536
MAX_INFO_COLUMNS = 200  # an input with thousands of INFO fields keeps the first 200
MAX_CARRIER_SAMPLES = 100  # counting carriers costs a split per sample: only for small cohorts
SORT_MEMORY = "256MB"
# zstd; and a Bloom filter on the ID column, so that the web finds an rsID without a scan.
# Sized for a row group (pyarrow's default size held ~60 MB a row group until the end).
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "bloom_filter_options": {"id": {"ndv": ROW_GROUP, "fpp": 0.01}},
}

# ANN sub-field (spaces removed, lower case) -> column; others get a cleaned-up name.
ANN_COLUMNS = {
    "annotation": "consequence", "annotation_impact": "impact", "gene_name": "gene",
    "gene_id": "gene_id", "feature_type": "feature_type", "feature_id": "transcript",
    "transcript_biotype": "biotype", "rank": "rank", "hgvs.c": "hgvs_c", "hgvs.p": "hgvs_p",
    "cdna.pos/cdna.length": "cdna_pos", "cds.pos/cds.length": "cds_pos",
    "aa.pos/aa.length": "aa_pos", "distance": "distance", "errors/warnings/info": "warnings",
}
# Always present, in this order, whatever the engine writes.
FIXED: tuple[tuple[str, pa.DataType], ...] = (
    ("variant", pa.int64()), ("chrom", pa.string()), ("pos", pa.int64()),
    ("ref", pa.string()), ("alt", pa.string()), ("id", pa.string()),
    ("qual", pa.float64()), ("filter", pa.string()),
    ("gene", pa.string()), ("gene_id", pa.string()), ("transcript", pa.string()),
    ("biotype", pa.string()), ("consequence", pa.string()), ("impact", pa.string()),
    ("hgvs_c", pa.string()), ("hgvs_p", pa.string()), ("pick", pa.bool_()),
)
ARROW_TYPES = {"Integer": pa.int64(), "Float": pa.float64(), "Flag": pa.bool_()}
GENE_SCHEMA = pa.schema([
    ("gene", pa.string()), ("gene_id", pa.string()), ("chrom", pa.string()),
    ("start", pa.int64()), ("end", pa.int64()), ("variants", pa.int64()),
    *[(i.lower(), pa.int64()) for i in IMPACTS], ("most_severe", pa.string()),
])
_IMPACT = {impact: i for i, impact in enumerate(IMPACTS)}
_INFO = re.compile(r"^##INFO=<(.*)>\s*$")
_ATTR = re.compile(r'([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|[^,]*)')
_ANN_LIST = re.compile(r"'([^']*)'")
_CLEAN = re.compile(r"[^0-9A-Za-z_]+")


@dataclass
class InfoField:
    """One declared INFO field and the column it fills."""

    key: str
    column: str
    number: str
    type: pa.DataType

    def value(self, raw: str | None, alt: int) -> Any:
        """This (non-flag) field's value for ALT number `alt` (0-based), typed, or None."""
        if raw is None or raw == ".":
            return None
        if self.number in ("A", "R"):
            parts = raw.split(",")
            i = alt + (self.number == "R")
            raw = parts[i] if i < len(parts) else None
            if raw is None or raw == ".":
                return None
        elif self.number != "1" and self.type != pa.string():
            return None  # a list of numbers: kept only as text, see columns()
        try:
            if self.type == pa.int64():
                return int(raw)
            if self.type == pa.float64():
                return float(raw)
        except ValueError:
            return None
        return raw


@dataclass
class Layout:
    """The tables' columns, read from the annotated VCF's header."""

    ann: list[str | None] = field(default_factory=list)  # column of each ANN sub-field
    info: list[InfoField] = field(default_factory=list)
    samples: int = 0
    pick_info: str | None = None  # an INFO field naming the picked transcript(s)
    reference: dict[str, str] = field(default_factory=dict)  # ##GAS_reference: Name, Build

    @property
    def carriers(self) -> bool:
        return 0 < self.samples <= MAX_CARRIER_SAMPLES

    def schema(self) -> pa.Schema:
        fixed = dict(FIXED)
        extra = [(c, pa.int64() if c == "distance" else pa.string())
                 for c in self.ann if c and c not in fixed]
        carriers = [("carriers", pa.int32())] if self.carriers else []
        meta = {f"gas.{k.lower()}": v for k, v in self.reference.items() if v not in ("", ".")}
        return pa.schema([*FIXED, *extra, *carriers, *[(f.column, f.type) for f in self.info]],
                         metadata=meta)


def read_layout(lines: Iterator[str]) -> Layout:
    """Consume the header (through #CHROM) and decide the columns."""
    layout = Layout()
    taken = {name.lower() for name, _ in FIXED} | {"carriers"}
    for line in lines:
        if line.startswith("#CHROM"):
            layout.samples = max(0, len(line.rstrip("\r\n").split("\t")) - 9)
            break
        if line.startswith("##GAS_reference=<"):
            layout.reference = {k: v.strip('"') for k, v in _ATTR.findall(line[17:].rstrip()[:-1])}
        m = _INFO.match(line)
        if not m:
            continue
        attrs = {k: v.strip('"') for k, v in _ATTR.findall(m.group(1))}
        key = attrs.get("ID", "")
        if key == "ANN":
            names = _ANN_LIST.search(attrs.get("Description", ""))
            subfields = names.group(1).split("|") if names else []
            layout.ann = [_ann_column(s) for s in subfields]
            taken.update(c.lower() for c in layout.ann if c)
        elif key and len(layout.info) < MAX_INFO_COLUMNS:
            number, typ = attrs.get("Number", "."), attrs.get("Type", "String")
            if "PICK" in key.upper() and typ == "String":
                layout.pick_info = key
            scalar = number in ("1", "A", "R", "0") or typ == "Flag"
            column = _CLEAN.sub("_", key)
            if column.lower() in taken:  # DuckDB names are case-insensitive
                column = f"INFO_{column}"
            taken.add(column.lower())
            layout.info.append(InfoField(key, column, number,
                                         ARROW_TYPES.get(typ, pa.string()) if scalar
                                         else pa.string()))
    return layout


def _ann_column(subfield: str) -> str | None:
    key = re.sub(r"\s+", "", subfield).lower()
    if key == "allele":
        return None
    return ANN_COLUMNS.get(key) or _CLEAN.sub("_", key).strip("_") or None


class _Genes:
    """Per-gene counts: each ALT counted once per gene, at its most severe entry there."""

    def __init__(self, layout: Layout) -> None:
        self.genes: dict[tuple[str, str], list[Any]] = {}
        where = {c: j for j, c in enumerate(layout.ann[1:]) if c}
        self.ix = [where.get(c, -1) for c in ("consequence", "impact", "gene", "gene_id")]

    def add(self, chrom: str, pos: int, entries: list[list[str]]) -> None:
        """Count one ALT from its ANN entries (sub-fields after the allele)."""
        ci, ii, gi, di = self.ix
        worst: dict[tuple[str, str], tuple[int, int, str]] = {}
        for e in entries:
            n = len(e)
            gene = e[gi] if -1 < gi < n else ""
            gene_id = e[di] if -1 < di < n else ""
            term = most_severe(e[ci] if -1 < ci < n else "")
            if not (gene or gene_id) or term in INTERGENIC:
                continue
            impact = _IMPACT.get(e[ii] if -1 < ii < n else "", 3)
            score = (impact, rank(term), term)
            key = (gene, gene_id)
            if key not in worst or score < worst[key]:
                worst[key] = score
        for key, (impact, term_rank, term) in worst.items():
            g = self.genes.get(key)
            if g is None:  # chrom, start, end, variants, 4 impacts, rank, term
                g = self.genes[key] = [chrom, pos, pos, 0, 0, 0, 0, 0, 99_999, ""]
            g[1], g[2] = min(g[1], pos), max(g[2], pos)
            g[3] += 1
            g[4 + impact] += 1
            if term_rank < g[8]:
                g[8], g[9] = term_rank, term

    def table(self) -> pa.Table:
        rows = sorted(self.genes.items(), key=lambda kv: (-kv[1][3], kv[0]))
        cols: dict[str, list[Any]] = {name: [] for name in GENE_SCHEMA.names}
        for (gene, gene_id), g in rows:
            values = [gene or gene_id, gene_id, *g[:8], g[9]]
            for name, v in zip(GENE_SCHEMA.names, values, strict=True):
                cols[name].append(v)
        return pa.table(cols, schema=GENE_SCHEMA)


@dataclass
class Tables:
    """What write_tables produced."""

    variants_path: Path
    genes_path: Path
    rows: int
    genes: int


class _Order:
    """Notices whether records come sorted by contig (in blocks) and position, and whether
    any has several IDs."""

    def __init__(self) -> None:
        self.contigs: dict[str, int] = {}
        self.last: tuple[str, int] = ("", -1)
        self.sorted = True
        self.id_lists = False

    def see(self, chrom: str, pos: int) -> None:
        if chrom != self.last[0]:
            if chrom in self.contigs:
                self.sorted = False
            self.contigs.setdefault(chrom, len(self.contigs))
        elif pos < self.last[1]:
            self.sorted = False
        self.last = (chrom, pos)


def write_tables(annot_vcf: Path, out_dir: Path, base: str) -> Tables:
    """Write `<base>.variants.parquet` and `<base>.genes.parquet` from an annotated VCF."""
    variants_path = out_dir / f"{base}.variants.parquet"
    genes_path = out_dir / f"{base}.genes.parquet"
    order, terms = _Order(), set[str]()
    with open(annot_vcf, encoding="utf-8", errors="replace") as vcf:
        layout = read_layout(vcf)
        genes = _Genes(layout)
        schema = layout.schema()
        with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            first = Path(tmp) / "unsorted.parquet"
            rows = _stream_rows(vcf, layout, schema, first, order, genes, terms)
            if order.sorted:
                first.replace(variants_path)
            else:
                _sort_on_disk(first, variants_path, schema, list(order.contigs), Path(tmp),
                              _metadata(terms, order.id_lists))
    gene_table = genes.table()
    pq.write_table(gene_table, genes_path, compression="zstd")
    return Tables(variants_path, genes_path, rows, gene_table.num_rows)


def _metadata(terms: set[str], id_lists: bool) -> dict[str, str]:
    """The consequence terms present, most severe first (the web lists them at no cost),
    and whether any record has several IDs (`rs1;rs2`: the web must split them to match)."""
    return {"gas.consequences": json.dumps(sorted(terms, key=lambda t: (rank(t), t))),
            "gas.id_lists": "yes" if id_lists else "no"}


class _Batch:
    """The columns of one row group, filled an ALT at a time (no dict per row)."""

    def __init__(self, layout: Layout, schema: pa.Schema):
        self.layout, self.schema = layout, schema
        self.ann = [(j, c) for j, c in enumerate(layout.ann[1:]) if c and c != "pick"]
        self.pick_at = layout.ann[1:].index("pick") if "pick" in layout.ann[1:] else -1
        filled = {"variant", "chrom", "pos", "ref", "alt", "id", "qual", "filter", "pick",
                  "carriers", *(c for _, c in self.ann), *(f.column for f in layout.info)}
        self.missing = [n for n in schema.names if n not in filled]  # no ANN sub-field for it
        self.clear()

    def clear(self) -> None:
        self.cols: dict[str, list[Any]] = {n: [] for n in self.schema.names}

    def __len__(self) -> int:
        return len(self.cols["variant"])

    def add(self, common: dict[str, Any], entries: list[list[str]],
            picks: set[str] | None) -> None:
        cols, k = self.cols, len(entries) or 1
        for name, value in common.items():
            cols[name].extend([value] * k)
        for name in self.missing:
            cols[name].extend([None] * k)
        if not entries:
            for _, name in self.ann:
                cols[name].append(None)
            cols["pick"].append(True)
            return
        for j, name in self.ann:
            cols[name].extend([e[j] if j < len(e) and e[j] else None for e in entries])
        if self.pick_at >= 0:  # the engine marks its pick in an ANN sub-field
            at = self.pick_at
            cols["pick"].extend([at < len(e) and e[at].lower() not in ("", "0", "false", "no")
                                 for e in entries])
        elif picks is not None:  # or names the picked transcripts in an INFO field
            tx = next((j for j, c in self.ann if c == "transcript"), -1)
            cols["pick"].extend([-1 < tx < len(e) and e[tx] in picks for e in entries])
        else:  # else each ALT's first, most severe, entry
            cols["pick"].extend([True] + [False] * (k - 1))

    def record_batch(self) -> pa.RecordBatch:
        if "distance" in self.cols:
            self.cols["distance"] = [_int(v) for v in self.cols["distance"]]
        return pa.record_batch(self.cols, schema=self.schema)


def _stream_rows(vcf: Any, layout: Layout, schema: pa.Schema, path: Path, order: _Order,
                 genes: _Genes, terms: set[str]) -> int:
    batch = _Batch(layout, schema)
    seen: set[str] = set()  # consequence strings already split into terms
    total = 0
    at = next((j for j, c in enumerate(layout.ann[1:]) if c == "consequence"), -1)
    with pq.ParquetWriter(path, schema, **WRITE_OPTIONS) as writer:
        for number, line in enumerate(vcf):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 8:
                continue
            pos = int(fields[1])
            order.see(fields[0], pos)
            order.id_lists = order.id_lists or ";" in fields[2]
            for common, entries, picks in _alleles(number, fields, pos, layout):
                genes.add(fields[0], pos, entries)
                for e in entries:
                    if -1 < at < len(e) and e[at] not in seen:
                        seen.add(e[at])
                        terms.update(t for t in e[at].split("&") if t)
                batch.add(common, entries, picks)
                total += len(entries) or 1
            if len(batch) >= ROW_GROUP:
                writer.write_batch(batch.record_batch())
                batch.clear()
        if len(batch) or total == 0:
            writer.write_batch(batch.record_batch())
        writer.add_key_value_metadata(_metadata(terms, order.id_lists))
    return total


def _alleles(number: int, f: list[str], pos: int, layout: Layout
             ) -> Iterator[tuple[dict[str, Any], list[list[str]], set[str] | None]]:
    """Each ALT of one VCF record: its per-ALT values, its ANN entries, the engine's pick."""
    ref, alts = f[3], f[4].split(",")
    info: dict[str, str | None] = {}
    for item in f[7].split(";") if f[7] not in ("", ".") else ():
        k, eq, v = item.partition("=")
        info[k] = v if eq else None
    by_alt: list[list[list[str]]] = [[] for _ in alts]
    for entry in (info.get("ANN") or "").split(","):
        if entry:
            parts = entry.split("|")
            allele = parts[0]
            by_alt[alts.index(allele) if allele in alts else 0].append(parts[1:])
    record = {"variant": number, "chrom": f[0], "pos": pos, "ref": ref,
              "id": None if f[2] == "." else f[2],
              "qual": None if f[5] in (".", "") else _float(f[5]),
              "filter": None if f[6] == "." else f[6]}
    picked = (info.get(layout.pick_info) or "").split(",") if layout.pick_info else None
    gts = [s.split(":", 1)[0] for s in f[9:]] if layout.carriers else []
    for i, alt in enumerate(alts):
        common = {**record, "alt": alt}
        if gts:
            a = str(i + 1)
            common["carriers"] = sum(a in re.split(r"[/|]", g) for g in gts)
        for fi in layout.info:
            common[fi.column] = (fi.key in info if fi.type == pa.bool_()
                                 else fi.value(info.get(fi.key), i))
        # The engine's PICK is Number=A: the picked Feature_ID of each ALT, in ALT order.
        picks = None if picked is None else set(
            re.split(r"[|&]", picked[i] if i < len(picked) else ""))
        yield common, by_alt[i], picks


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _sort_on_disk(source: Path, dest: Path, schema: pa.Schema, contigs: list[str],
                  tmp: Path, metadata: dict[str, str]) -> None:
    """Rewrite source sorted by (contig in order of appearance, pos), in bounded memory."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": SORT_MEMORY, "temp_directory": str(tmp),
                                 "threads": 1, "preserve_insertion_order": False})
    try:
        reader = con.sql(
            f"SELECT * FROM read_parquet('{_sql_path(source)}') "
            "ORDER BY list_position($contigs, chrom), pos, variant",
            params={"contigs": contigs}).to_arrow_reader(ROW_GROUP)
        with pq.ParquetWriter(dest, schema, **WRITE_OPTIONS) as writer:
            for batch in reader:
                writer.write_batch(batch.cast(schema))
            writer.add_key_value_metadata(metadata)
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    """A path for a DuckDB string literal (our own temporary paths, quotes doubled)."""
    return str(path).replace("'", "''")
