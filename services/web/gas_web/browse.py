"""Browsing a job's results in the browser: Variants and Genes tabs, a variant, exports."""

from __future__ import annotations

import functools
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


def _tab(rule: str, tab: str) -> Callable[[Callable[..., Any]], Any]:
    """Register a signed-in user's page over their job's tables: the view is called with
    (job, table, URL values...); when the tables cannot be read, a page says why instead."""
    def register(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def opened(job_id: str, **values: Any) -> Any:
            job = owned_job(job_id)
            try:
                table = open_table(job, current_settings())
            except ResultsUnavailable as exc:
                return _render("browse_unavailable.html", job, tab, message=str(exc)), exc.status
            return view(job, table, **values)
        return bp.get(rule)(login_required(opened))
    return register


def _render(template: str, job: dict[str, Any], tab: str, **context: Any) -> str:
    return render_template(template, user=current_user(), job=public_view(job), tab=tab,
                           **context)


def _attempt(make_page: Callable[..., dict[str, Any]], *args: Any
             ) -> tuple[dict[str, Any] | None, str | None, int]:
    """(page, None, 200), or (None, the reason, 400) for a bad parameter."""
    try:
        return make_page(*args), None, 200
    except BadQuery as exc:
        return None, str(exc), 400


@_tab("/annotations/<job_id>/variants", "variants")
def variants(job: dict[str, Any], table: VariantTable) -> Any:
    """The Variants tab: filters, a sorted page of rows, export links."""
    page, error, status = _attempt(variants_page, table, request.args, current_settings(),
                                   browse_columns(table))
    return _render(
        "variants.html", job, "variants", page=page, error=error, args=request.args,
        terms=table.consequence_terms(), impacts=IMPACTS, sorts=SORTS,
        has_clinvar=bool(table.clinvar_columns), has_af=bool(table.af_columns),
        filter_args=page["filters"].as_args() if page else [],
    ), status


@_tab("/annotations/<job_id>/variants/<int:number>", "variants")
def variant(job: dict[str, Any], table: VariantTable, number: int) -> Any:
    """One VCF record: every transcript entry, every field, links out."""
    rows = variant_rows(table, number)
    if not rows:
        abort(404)
    return _render("variant.html", job, "variants", rows=rows,
                   links=links(rows[0], table.build), number=number, columns=table.columns)


@_tab("/annotations/<job_id>/genes", "genes")
def genes(job: dict[str, Any], table: VariantTable) -> Any:
    """The Genes tab: per-gene counts by impact, each linking to its variants."""
    page, error, status = _attempt(genes_page, table, request.args, current_settings())
    return _render("genes.html", job, "genes", page=page, error=error, args=request.args,
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
