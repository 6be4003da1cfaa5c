"""Browsing a job's results in the browser: Variants and Genes tabs, a variant, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from gas_common.consequences import IMPACTS
from gas_common.service import current_settings

from gas_web.errors import fail
from gas_web.explorer import (
    browse_columns,
    genes_page,
    links,
    open_table,
    tsv_export,
    variant_rows,
    variants_page,
    vcf_export,
)
from gas_web.jobs import owned_job
from gas_web.results import ResultsUnavailable, public_view
from gas_web.security import current_user, login_required
from gas_web.variant_query import BadQuery, VariantTable, parse_filters

bp = Blueprint("browse", __name__)

SORTS = (("pos", "Position"), ("-pos", "Position, last first"), ("gene", "Gene"),
         ("impact", "Impact, most severe first"), ("consequence", "Consequence"),
         ("id", "ID"))


def _open(job_id: str, tab: str) -> tuple[dict[str, Any], VariantTable | None, Any]:
    """The user's job and its tables; or, instead of the tables, a page saying why not."""
    job = owned_job(job_id)
    try:
        return job, open_table(job, current_settings()), None
    except ResultsUnavailable as exc:
        return job, None, (render_template(
            "browse_unavailable.html", user=current_user(), job=public_view(job), tab=tab,
            message=str(exc)), exc.status)


def _attempt(make_page: Callable[..., dict[str, Any]], *args: Any
             ) -> tuple[dict[str, Any] | None, str | None, int]:
    """(page, None, 200), or (None, the reason, 400) for a bad parameter."""
    try:
        return make_page(*args), None, 200
    except BadQuery as exc:
        return None, str(exc), 400


@bp.get("/annotations/<job_id>/variants")
@login_required
def variants(job_id: str) -> Any:
    """The Variants tab: filters, a sorted page of rows, export links."""
    job, table, refused = _open(job_id, "variants")
    if table is None:
        return refused
    page, error, status = _attempt(variants_page, table, request.args, current_settings(),
                                   browse_columns(table))
    return render_template(
        "variants.html", user=current_user(), job=public_view(job), tab="variants",
        page=page, error=error, args=request.args, terms=table.consequence_terms(),
        impacts=IMPACTS, sorts=SORTS, has_clinvar=bool(table.clinvar_columns),
        has_af=bool(table.af_columns),
        filter_args=page["filters"].as_args() if page else [],
    ), status


@bp.get("/annotations/<job_id>/variants/<int:number>")
@login_required
def variant(job_id: str, number: int) -> Any:
    """One VCF record: every transcript entry, every field, links out."""
    job, table, refused = _open(job_id, "variants")
    if table is None:
        return refused
    rows = variant_rows(table, number)
    if not rows:
        abort(404)
    return render_template("variant.html", user=current_user(), job=public_view(job),
                           tab="variants", rows=rows, links=links(rows[0], table.build),
                           number=number, columns=table.columns)


@bp.get("/annotations/<job_id>/genes")
@login_required
def genes(job_id: str) -> Any:
    """The Genes tab: per-gene counts by impact, each linking to its variants."""
    job, table, refused = _open(job_id, "genes")
    if table is None:
        return refused
    page, error, status = _attempt(genes_page, table, request.args, current_settings())
    return render_template("genes.html", user=current_user(), job=public_view(job),
                           tab="genes", page=page, error=error, args=request.args,
                           impacts=IMPACTS), status


@bp.get("/annotations/<job_id>/export")
@login_required
def export(job_id: str) -> Any:
    """Download the current filter's rows as TSV, or its VCF records (streamed)."""
    return export_response(owned_job(job_id))


def export_response(job: dict[str, Any]) -> Response:
    """The streamed export of `job` for the request's filters (pages and API share it)."""
    fmt = request.args.get("format", "tsv").lower()
    if fmt not in ("tsv", "vcf"):
        raise fail(400, "format is tsv or vcf")
    try:
        table = open_table(job, current_settings())
        f = parse_filters(request.args)
        sort = request.args.get("sort", "").strip() or "pos"
        table.order(sort)
        table.where(f)  # a filter this job cannot answer fails now, not mid-stream
    except ResultsUnavailable as exc:
        raise fail(exc.status, str(exc)) from None
    except BadQuery as exc:
        raise fail(400, str(exc)) from None
    name = job["s3_key_result_file"].rsplit("~", 1)[-1].removesuffix(".annot.vcf")
    if fmt == "tsv":
        body, mime, filename = tsv_export(table, f, sort), "text/tab-separated-values", \
            f"{name}.variants.tsv"
    else:
        body, mime, filename = vcf_export(job, table, f, current_settings()), "text/x-vcf", \
            f"{name}.filtered.vcf"
    return Response(stream_with_context(body), mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff"})
