"""Filter, sort and page a job's results tables with DuckDB (the pages and the API share it).

Every request parameter is checked here and a bad one raises BadQuery with a
one-line reason (the views answer 400). Column names only ever come from the
table's own schema; values are always bound parameters.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gas_common.consequences import CODING, IMPACTS, RANK
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:  # DuckDB loads on the first query, not with every page
    import duckdb

DEFAULT_LIMIT, MAX_LIMIT = 50, 500
MAX_GENES = 200
EXPORT_BATCH = 2_048  # DuckDB's vector size; 8,192 rows held ~15 MB more per export
_REGION = re.compile(r"^\s*([A-Za-z0-9_.\-]{1,64})(?::([\d,]+)(?:-([\d,]+))?)?\s*$")
_RSID = re.compile(r"^rs\d{1,12}$")
_GENE = re.compile(r"^[A-Za-z0-9_.:\-@/]{1,64}$")
_CLNSIG = re.compile(r"^[A-Za-z _/,\-]{1,60}$")
_AF_COLUMN = re.compile(r"(^|_)AF(_popmax|_grpmax|_max)?$", re.I)
_CLINVAR_COLUMN = re.compile(r"CLNSIG$", re.I)
# What the browser table shows; the API and the exports give every column.
PAGE_COLUMNS = ("variant", "chrom", "pos", "ref", "alt", "id", "gene", "transcript",
                "consequence", "impact", "hgvs_c", "hgvs_p", "pick")
GENE_SORTS = ("variants", "high", "moderate", "low", "modifier", "gene", "chrom")
TRUE = ("1", "true", "yes", "on")


class BadQuery(ValueError):
    """A parameter that cannot be used; str() is the one line the caller sees."""


@dataclass
class Filters:
    """What a researcher asked to see."""

    genes: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    impacts: list[str] = field(default_factory=list)
    region: tuple[str, int, int] | None = None
    rsid: str = ""
    clinvar: str = ""
    max_af: float | None = None
    picked: bool = False
    coding: bool = False

    def fingerprint(self, sort: str) -> str:
        """Short hash of the query, so a cursor cannot be replayed on another one."""
        text = json.dumps([asdict(self), sort], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_args(self) -> list[tuple[str, str]]:
        """These filters as query-string pairs (links and export keep them)."""
        out = [("gene", ",".join(self.genes))] if self.genes else []
        out += [("consequence", c) for c in self.consequences]
        out += [("impact", i) for i in self.impacts]
        if self.region:
            c, s, e = self.region
            out.append(("region", f"{c}:{s}-{e}"))
        out += [(k, v) for k, v in (("rsid", self.rsid), ("clinvar", self.clinvar)) if v]
        if self.max_af is not None:
            out.append(("max_af", f"{self.max_af:g}"))
        out += [(k, "1") for k, v in (("picked", self.picked), ("coding", self.coding)) if v]
        return out


def _many(args: MultiDict, name: str) -> list[str]:
    """A parameter given repeatedly and/or comma-separated."""
    return [v.strip() for raw in args.getlist(name) for v in raw.split(",") if v.strip()]


def parse_filters(args: MultiDict) -> Filters:
    """The filters in a query string; BadQuery for anything malformed."""
    f = Filters()
    f.genes = _many(args, "gene")
    if len(f.genes) > MAX_GENES:
        raise BadQuery(f"at most {MAX_GENES} genes at a time")
    for g in f.genes:
        if not _GENE.match(g):
            raise BadQuery(f"{g[:40]!r} is not a gene name or ID")
    f.consequences = _many(args, "consequence")
    for c in f.consequences:
        if c not in RANK:
            raise BadQuery(f"unknown consequence term {c[:60]!r} (use Sequence Ontology "
                           "terms such as missense_variant)")
    f.impacts = [i.upper() for i in _many(args, "impact")]
    for i in f.impacts:
        if i not in IMPACTS:
            raise BadQuery(f"unknown impact {i[:20]!r} (use {', '.join(IMPACTS)})")
    region = args.get("region", "").strip()
    if region:
        f.region = parse_region(region)
    f.rsid = args.get("rsid", "").strip()
    if f.rsid and not _RSID.match(f.rsid):
        raise BadQuery(f"{f.rsid[:40]!r} is not an rsID (rs followed by digits)")
    f.clinvar = args.get("clinvar", "").strip()
    if f.clinvar and not _CLNSIG.match(f.clinvar):
        raise BadQuery("ClinVar significance may hold only letters, spaces and _/,-")
    af = args.get("max_af", "").strip()
    if af:
        try:
            f.max_af = float(af)
        except ValueError:
            raise BadQuery(f"max_af {af[:20]!r} is not a number") from None
        if not 0 <= f.max_af <= 1:
            raise BadQuery("max_af is an allele frequency, between 0 and 1")
    f.picked = args.get("picked", "").lower() in TRUE
    f.coding = args.get("coding", "").lower() in TRUE
    return f


def parse_region(text: str) -> tuple[str, int, int]:
    """`chr7:117,559,000-117,560,000`, `chr7:117559000` or `chr7` -> (chrom, start, end)."""
    m = _REGION.match(text)
    if not m:
        raise BadQuery(f"region {text[:60]!r} is not CHROM, CHROM:POS or CHROM:START-END")
    chrom, start, end = m.group(1), m.group(2), m.group(3)
    lo = int(start.replace(",", "")) if start else 1
    hi = int(end.replace(",", "")) if end else (lo if start else 2**62)
    if lo < 1 or hi < lo:
        raise BadQuery(f"region {text[:60]!r}: the start must be at least 1 and not after "
                       "the end")
    return chrom, lo, hi


def parse_limit(args: MultiDict, default: int = DEFAULT_LIMIT) -> int:
    raw = args.get("limit", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


class Cursors:
    """Opaque, signed page cursors: an offset bound to one query."""

    def __init__(self, secret: str):
        self.signer = URLSafeSerializer(secret, salt="gas-table-cursor")

    def make(self, offset: int, fingerprint: str) -> str:
        return str(self.signer.dumps({"o": offset, "q": fingerprint}))

    def offset(self, cursor: str | None, fingerprint: str) -> int:
        if not cursor:
            return 0
        try:
            data = self.signer.loads(cursor)
        except BadSignature:
            raise BadQuery("the cursor is not one GAS gave out") from None
        if not isinstance(data, dict) or data.get("q") != fingerprint:
            raise BadQuery("the cursor belongs to another query; start from the first page")
        offset = data.get("o")
        if not isinstance(offset, int) or offset < 0:
            raise BadQuery("the cursor is not one GAS gave out")
        return offset


_db: duckdb.DuckDBPyConnection | None = None
_db_lock = threading.Lock()
# Row counts of recent filters, least recently used out first (a cached file never
# changes under its name: the cache names files after their bucket and key).
MAX_COUNTS = 512
_counts: OrderedDict[tuple[str, str], int] = OrderedDict()
_counts_lock = threading.Lock()
# Opened tables (schema and metadata read once), by file.
MAX_TABLES = 64
_tables: OrderedDict[tuple[str, str], VariantTable] = OrderedDict()


def database(memory: str) -> duckdb.DuckDBPyConnection:
    """This process's DuckDB (in memory, bounded); callers take a cursor per request.

    Two threads: one more costs a web worker about 6 MB and halves a sort's time on a
    quiet machine (measured with bench/bench_explorer.py's queries).
    """
    global _db
    import duckdb

    with _db_lock:
        if _db is None:
            _db = duckdb.connect(config={"memory_limit": memory, "threads": 2,
                                         "preserve_insertion_order": True})
        return _db


def _lit(path: Path) -> str:
    """A path as an SQL literal (cache paths are hex names; quotes doubled anyway)."""
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """A query's rows as dicts of plain Python values (no pyarrow: it costs ~70 MB a worker)."""
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class VariantTable:
    """One job's variants.parquet and genes.parquet on local disk."""

    @classmethod
    def open(cls, variants: Path, genes: Path, memory: str = "128MB") -> VariantTable:
        """The table for these files, its schema read once per process."""
        key = (str(variants), str(genes))
        with _db_lock:
            if key in _tables:
                _tables.move_to_end(key)
                return _tables[key]
        table = cls(variants, genes, memory)
        with _db_lock:
            _tables[key] = table
            while len(_tables) > MAX_TABLES:
                _tables.popitem(last=False)
        return table

    def __init__(self, variants: Path, genes: Path, memory: str = "128MB"):
        self.variants, self.genes_path, self.memory = variants, genes, memory
        cur = self._cursor()
        described = cur.sql(f"DESCRIBE SELECT * FROM read_parquet({_lit(variants)})").fetchall()
        self.columns = [row[0] for row in described]
        types = {row[0]: row[1] for row in described}
        self.rows = int(cur.sql(f"SELECT num_rows FROM parquet_file_metadata({_lit(variants)})"
                                ).fetchall()[0][0])
        meta = dict(cur.sql(f"SELECT key, value FROM parquet_kv_metadata({_lit(variants)})"
                            ).fetchall())
        self.build = meta.get(b"gas.build", b"").decode()
        self.terms: list[str] | None = (json.loads(meta[b"gas.consequences"])
                                        if b"gas.consequences" in meta else None)
        # Tables written before the annotator said otherwise may hold `rs1;rs2` IDs.
        self.id_lists = meta.get(b"gas.id_lists") != b"no"
        self.af_columns = [n for n in self.columns if _AF_COLUMN.search(n)
                           and types[n] in ("DOUBLE", "FLOAT")]
        self.clinvar_columns = [n for n in self.columns if _CLINVAR_COLUMN.search(n)]
        self.source = f"read_parquet({_lit(variants)}, file_row_number = true)"

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return database(self.memory).cursor()

    def where(self, f: Filters) -> tuple[str, dict[str, Any]]:
        """The WHERE clause and its parameters."""
        parts: list[str] = []
        p: dict[str, Any] = {}
        if f.genes:
            parts.append("(list_contains($genes, gene) OR list_contains($genes, gene_id))")
            p["genes"] = f.genes
        if f.consequences:
            parts.append("list_has_any(string_split(consequence, '&'), $terms)")
            p["terms"] = f.consequences
        if f.coding:
            parts.append("list_has_any(string_split(consequence, '&'), $coding)")
            p["coding"] = sorted(CODING)
        if f.impacts:
            parts.append("list_contains($impacts, impact)")
            p["impacts"] = f.impacts
        if f.region:
            chrom, lo, hi = f.region
            bare = chrom[3:] if chrom.lower().startswith("chr") else chrom
            parts.append("list_contains($chroms, chrom) AND pos <= $hi "
                         "AND pos + length(ref) - 1 >= $lo")
            p.update(chroms=[chrom, bare, "chr" + bare], lo=lo, hi=hi)
        if f.rsid:
            # One ID a record: an equality the file's Bloom filter answers without a scan.
            parts.append("list_contains(string_split(id, ';'), $rsid)" if self.id_lists
                         else "id = $rsid")
            p["rsid"] = f.rsid
        if f.clinvar:
            if not self.clinvar_columns:
                raise BadQuery("this job has no ClinVar significance to filter on")
            parts.append("(" + " OR ".join(f"{_ident(c)} ILIKE $clinvar"
                                            for c in self.clinvar_columns) + ")")
            p["clinvar"] = f"%{f.clinvar}%"
        if f.max_af is not None:
            if not self.af_columns:
                raise BadQuery("this job has no allele frequencies to filter on")
            # Absent from the population source counts as rare.
            parts += [f"({_ident(c)} IS NULL OR {_ident(c)} <= $af)" for c in self.af_columns]
            p["af"] = f.max_af
        if f.picked:
            parts.append("pick")
        return (" WHERE " + " AND ".join(parts)) if parts else "", p

    def order(self, sort: str) -> str:
        """ORDER BY for `sort` (a column, `-` for descending); position order by default."""
        desc = sort.startswith("-")
        name = sort.lstrip("-") or "pos"
        way = " DESC" if desc else ""
        if name == "pos":
            # The file is in position order and DuckDB keeps a scan's order (insertion
            # order is preserved): no sort, and a page stops reading once it is full.
            return " ORDER BY file_row_number DESC" if desc else ""
        if name == "impact":
            return (f" ORDER BY list_position({list(IMPACTS)!r}, impact){way} NULLS LAST, "
                    "file_row_number")
        if name not in self.columns or name == "variant":
            raise BadQuery(f"cannot sort by {name[:40]!r}")
        return f" ORDER BY {_ident(name)}{way} NULLS LAST, file_row_number"

    def count(self, f: Filters) -> int:
        """How many rows match (remembered per file and filter: paging asks again)."""
        where, p = self.where(f)
        if not where:
            return int(self.rows)
        key = (str(self.variants), f.fingerprint(""))
        with _counts_lock:
            if key in _counts:
                _counts.move_to_end(key)
                return _counts[key]
        rows = self._cursor().sql(f"SELECT count(*) FROM {self.source}{where}",
                                  params=p).fetchall()
        with _counts_lock:
            _counts[key] = int(rows[0][0])
            while len(_counts) > MAX_COUNTS:
                _counts.popitem(last=False)
        return int(rows[0][0])

    def page(self, f: Filters, sort: str, offset: int, limit: int,
             columns: list[str] | None = None) -> list[dict[str, Any]]:
        """Rows offset..offset+limit of the filtered, sorted table."""
        where, p = self.where(f)
        cols = ", ".join(_ident(c) for c in (columns or self.columns))
        sql = f"SELECT {cols} FROM {self.source}{where}{self.order(sort)} LIMIT $n OFFSET $o"
        return _dicts(self._cursor().execute(sql, {**p, "n": limit, "o": offset}))

    def variant(self, number: int) -> list[dict[str, Any]]:
        """Every row (transcript entry) of one VCF record, the picked ones first."""
        sql = (f"SELECT * EXCLUDE (file_row_number) FROM {self.source} WHERE variant = $v "
               "ORDER BY alt, pick DESC, file_row_number")
        return _dicts(self._cursor().execute(sql, {"v": number}))

    def batches(self, f: Filters, sort: str) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row (values in `columns` order), in batches (exports stream these)."""
        where, p = self.where(f)
        cols = ", ".join(_ident(c) for c in self.columns)
        yield from _chunks(self._cursor().execute(
            f"SELECT {cols} FROM {self.source}{where}{self.order(sort)}", p), EXPORT_BATCH)

    def variant_numbers(self, f: Filters) -> Iterator[list[int]]:
        """The matching VCF records' numbers, ascending, in chunks."""
        where, p = self.where(f)
        for rows in _chunks(self._cursor().execute(
                f"SELECT DISTINCT variant FROM {self.source}{where} ORDER BY variant", p),
                65_536):
            yield [r[0] for r in rows]

    def consequence_terms(self) -> list[str]:
        """The consequence terms this job has, most severe first (listed by the annotator)."""
        if self.terms is not None:
            return self.terms
        rows = self._cursor().sql(
            f"SELECT DISTINCT unnest(string_split(consequence, '&')) FROM {self.source} "
            "WHERE consequence IS NOT NULL").fetchall()
        return sorted((r[0] for r in rows if r[0]), key=lambda t: (RANK.get(t, 999), t))

    def gene_page(self, query: str, sort: str, offset: int, limit: int
                  ) -> tuple[list[dict[str, Any]], int]:
        """Genes (name or ID containing `query`), sorted; and how many match."""
        sort = sort or "-variants"
        name = sort.lstrip("-")
        if name not in GENE_SORTS:
            raise BadQuery(f"cannot sort genes by {name[:40]!r}")
        way = " DESC" if sort.startswith("-") else " ASC"
        where = " WHERE gene ILIKE $q OR gene_id ILIKE $q" if query else ""
        p = {"q": f"%{query}%"} if query else {}
        source = f"read_parquet({_lit(self.genes_path)})"
        cur = self._cursor()
        total = cur.sql(f"SELECT count(*) FROM {source}{where}", params=p).fetchall()[0][0]
        rows = _dicts(cur.execute(
            f"SELECT * FROM {source}{where} ORDER BY {_ident(name)}{way}, gene "
            "LIMIT $n OFFSET $o", {**p, "n": limit, "o": offset}))
        return rows, int(total)


def _chunks(cursor: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[tuple[Any, ...]]]:
    while rows := cursor.fetchmany(size):
        yield rows
