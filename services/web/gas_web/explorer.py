"""A job's results tables for the pages and the API: open, query, link out, export."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from gas_common import aws
from gas_common.settings import Settings
from werkzeug.datastructures import MultiDict

from gas_web.results import ResultsUnavailable, results_state
from gas_web.table_cache import local_copy
from gas_web.variant_query import (
    PAGE_COLUMNS,
    BadQuery,
    Cursors,
    Filters,
    VariantTable,
    parse_filters,
    parse_limit,
)


def open_table(job: dict[str, Any], s: Settings) -> VariantTable:
    """The job's tables from the local cache; ResultsUnavailable when they cannot be read."""
    state = results_state(job)
    if state == "archived":
        raise ResultsUnavailable("These results are archived. Upgrade to premium to browse "
                                 "them.")
    if state == "restoring":
        raise ResultsUnavailable("These results are being restored; they will be back soon.")
    if state == "none":
        raise ResultsUnavailable("This job has no results yet.")
    if not (job.get("s3_key_variants_file") and job.get("s3_key_genes_file")):
        raise ResultsUnavailable("This job was annotated before GAS made browsable tables; "
                                 "run it again to browse its variants.", status=404)
    bucket = job["s3_results_bucket"]
    return VariantTable.open(local_copy(bucket, job["s3_key_variants_file"], s),
                             local_copy(bucket, job["s3_key_genes_file"], s),
                             s.table_query_memory)


def variants_page(table: VariantTable, args: MultiDict, s: Settings,
                  columns: list[str] | None = None) -> dict[str, Any]:
    """One page of filtered, sorted rows with cursors to the pages around it."""
    f = parse_filters(args)
    sort = args.get("sort", "").strip() or "pos"
    table.order(sort)  # refuse a bad sort before anything runs
    limit = parse_limit(args)
    cursors, fingerprint = Cursors(s.secret_key), f.fingerprint(sort)
    offset = cursors.offset(args.get("cursor"), fingerprint)
    total = table.count(f)
    shown = [c for c in (columns or table.columns) if c in table.columns]
    rows = table.page(f, sort, offset, limit, shown)
    return {
        "total": total, "offset": offset, "limit": limit, "sort": sort, "columns": shown,
        "rows": [_plain(r) for r in rows], "filters": f,
        "next_cursor": cursors.make(offset + limit, fingerprint)
        if offset + limit < total else None,
        "prev_cursor": cursors.make(max(0, offset - limit), fingerprint) if offset else None,
    }


def browse_columns(table: VariantTable) -> list[str]:
    """What the browser's table shows: the fixed columns, then ClinVar and frequencies."""
    return [*PAGE_COLUMNS, *table.clinvar_columns, *table.af_columns]


def genes_page(table: VariantTable, args: MultiDict, s: Settings) -> dict[str, Any]:
    """One page of the gene summary."""
    query = args.get("q", "").strip()[:64]
    sort = args.get("sort", "").strip() or "-variants"
    limit = parse_limit(args)
    cursors, fingerprint = Cursors(s.secret_key), Filters(genes=[query]).fingerprint(sort)
    offset = cursors.offset(args.get("cursor"), fingerprint)
    rows, total = table.gene_page(query, sort, offset, limit)
    return {
        "total": total, "offset": offset, "limit": limit, "sort": sort, "q": query,
        "rows": [_plain(r) for r in rows],
        "next_cursor": cursors.make(offset + limit, fingerprint)
        if offset + limit < total else None,
        "prev_cursor": cursors.make(max(0, offset - limit), fingerprint) if offset else None,
    }


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values (NaN and infinities become null)."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in row.items()}


def variant_rows(table: VariantTable, number: int) -> list[dict[str, Any]]:
    """Every transcript entry of VCF record `number` (empty when there is none)."""
    if number < 0:
        raise BadQuery("a variant number is 0 or more")
    return [_plain(r) for r in table.variant(number)]


# --- links out --------------------------------------------------------------------------

def links(row: dict[str, Any], build: str) -> list[tuple[str, str]]:
    """(label, URL) pairs to public resources, built from IDs and the position."""
    grch37 = "37" in build or "hg19" in build.lower()
    chrom = str(row["chrom"])
    bare = chrom[3:] if chrom.lower().startswith("chr") else chrom
    pos, ref, alt = int(row["pos"]), str(row["ref"]), str(row["alt"])
    ensembl = "https://grch37.ensembl.org" if grch37 else "https://www.ensembl.org"
    out: list[tuple[str, str]] = []
    if row.get("gene_id"):
        out.append((f"Ensembl gene {row['gene_id']}", f"{ensembl}/id/{quote(row['gene_id'])}"))
    if row.get("transcript"):
        stable = str(row["transcript"]).split(".")[0]
        out.append((f"Ensembl transcript {row['transcript']}", f"{ensembl}/id/{quote(stable)}"))
    rsids = [i for i in str(row.get("id") or "").split(";") if i.startswith("rs")]
    for rs in rsids[:3]:
        out.append((f"dbSNP {rs}", f"https://www.ncbi.nlm.nih.gov/snp/{quote(rs)}"))
        out.append((f"ClinVar {rs}", f"https://www.ncbi.nlm.nih.gov/clinvar/?term={quote(rs)}"))
    if not rsids:
        term = f"{bare}[chr] AND {pos}[chrpos{'37' if grch37 else '38'}]"
        out.append(("ClinVar at this position",
                    f"https://www.ncbi.nlm.nih.gov/clinvar/?term={quote(term)}"))
    if alt not in (".", "*") and not alt.startswith("<"):
        dataset = "gnomad_r2_1" if grch37 else "gnomad_r4"
        out.append(("gnomAD", f"https://gnomad.broadinstitute.org/variant/"
                              f"{quote(f'{bare}-{pos}-{ref}-{alt}')}?dataset={dataset}"))
    db = "hg19" if grch37 else "hg38"
    ucsc_chrom = "chrM" if bare in ("M", "MT") else f"chr{bare}"
    span = f"{ucsc_chrom}:{max(1, pos - 25)}-{pos + len(ref) + 25}"
    out.append(("UCSC Genome Browser",
                f"https://genome.ucsc.edu/cgi-bin/hgTracks?db={db}&position={quote(span)}"))
    return out


# --- exports ----------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    return str(value).replace("\t", " ").replace("\n", " ")


def tsv_export(table: VariantTable, f: Filters, sort: str) -> Iterator[bytes]:
    """The matching rows as TSV with a header line, a batch at a time."""
    yield ("\t".join(table.columns) + "\n").encode()
    for rows in table.batches(f, sort):
        yield "".join("\t".join(map(_cell, row)) + "\n" for row in rows).encode()


def vcf_export(job: dict[str, Any], table: VariantTable, f: Filters,
               s: Settings) -> Iterator[bytes]:
    """The annotated VCF's header and the original records of the matching rows.

    Records are numbered as the tables number them (each line after #CHROM); the
    matching numbers come ascending, so one pass over the VCF streamed from S3 does.
    """
    numbers = (n for chunk in table.variant_numbers(f) for n in chunk)
    wanted = next(numbers, None)
    body = aws.client("s3", s).get_object(Bucket=job["s3_results_bucket"],
                                          Key=job["s3_key_result_file"])["Body"]
    record, out = -1, []
    try:
        for line in body.iter_lines(chunk_size=1 << 16, keepends=True):
            if record < 0:
                out.append(line)
                if line.startswith(b"#CHROM"):
                    record = 0
                continue
            while wanted is not None and wanted < record:
                wanted = next(numbers, None)
            if wanted is None:
                break
            if wanted == record:
                out.append(line)
            record += 1
            if len(out) >= 2_000:
                yield b"".join(out)
                out = []
        yield b"".join(out)
    finally:
        body.close()
