"""The JSON API (/api/v1): a session or a Globus bearer token, same rules as the pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, jsonify, request, url_for
from gas_common import bundles, cursors
from gas_common.service import current_settings
from gas_common.stores import JobStore, UserStore

from gas_web import globus
from gas_web.browse import export_response
from gas_web.deletion import delete_job
from gas_web.errors import fail
from gas_web.explorer import genes_page, links, open_table, variant_rows, variants_page
from gas_web.manage import rename, rerun
from gas_web.openapi import document
from gas_web.results import ResultsUnavailable, log_text, public_view, results_url
from gas_web.security import csrf, current_user
from gas_web.uploads import UploadRefused, presign_upload, submit
from gas_web.variant_query import BadQuery, VariantTable

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked in api_auth: bearer requests carry no cookie, session writes need it

MAX_PAGE = 100


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_auth(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate by bearer token (Globus introspection) or by session plus CSRF header."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        s = current_settings()
        token = _bearer()
        if token:
            if not globus.configured(s):
                raise fail(401, "Bearer tokens are not accepted: Globus Auth is not configured.")
            try:
                identity = globus.introspect(s, token)
            except globus.GlobusError as exc:
                raise fail(503, str(exc)) from None
            if identity is None:
                raise fail(401, "The bearer token is not valid.")
            users = UserStore(s)
            g.api_user = users.get(identity["sub"]) or users.create(
                identity["sub"], identity["name"], identity["email"])
        else:
            user = current_user()
            if user is None:
                raise fail(401, "Sign in, or send a Globus bearer token.")
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                csrf.protect()  # a cookie alone must not be enough to write
            g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise fail(400, "Send a JSON object.")
    return data


def _owned(job_id: str) -> dict[str, Any]:
    job = JobStore(current_settings()).get_owned(job_id, g.api_user["user_id"])
    if job is None:
        abort(404)
    return job


@bp.get("/openapi.json")
def openapi() -> Any:
    """Describe this API (OpenAPI 3.1)."""
    return jsonify(document(current_settings().public_url))


@bp.get("/me")
@api_auth
def me() -> Any:
    """Who the caller is."""
    u = g.api_user
    return jsonify({k: u.get(k) for k in ("user_id", "name", "email", "institution", "role")})


@bp.post("/uploads")
@api_auth
def create_upload() -> Any:
    """A presigned S3 POST for one VCF; POST the file to `url` with `fields`, then submit."""
    data = _body()
    filename = data.get("filename")
    size = data.get("size")
    if not isinstance(filename, str) or not filename:
        raise fail(400, "`filename` is required.")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise fail(400, "`size` must be a whole number of bytes.")
    # The public URL, not the Host header: S3 sends the browser exactly here.
    redirect_to = (current_settings().public_url.rstrip("/") + url_for("annotate.job")
                   if data.get("redirect") else None)
    try:
        upload = presign_upload(g.api_user, filename, size, current_settings(), redirect_to)
    except UploadRefused as exc:
        raise fail(exc.status, str(exc)) from None
    upload["submit_url"] = url_for("annotate.job", bucket=upload["bucket"], key=upload["key"])
    return jsonify(upload), 201


@bp.post("/jobs")
@api_auth
def create_job() -> Any:
    """Submit an uploaded file: checks it and creates the PENDING job."""
    data = _body()
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise fail(400, "`key` is required.")
    bucket = data.get("bucket") or current_settings().inputs_bucket
    try:
        job, created = submit(g.api_user, str(bucket), key, current_settings())
    except UploadRefused as exc:
        raise fail(exc.status, str(exc)) from None
    return jsonify(public_view(job)), 201 if created else 200


@bp.get("/jobs")
@api_auth
def list_jobs() -> Any:
    """The caller's jobs, newest first; pass `next_cursor` back as `cursor`."""
    try:
        limit = cursors.page_size(request.args.get("limit"), 20, MAX_PAGE)
        jobs, cursor = JobStore(current_settings()).list_for_user(
            g.api_user["user_id"], limit=limit, cursor=request.args.get("cursor") or None)
    except cursors.CursorError as exc:
        raise fail(400, f"Bad `limit` or `cursor`: {exc}.") from None
    return jsonify(jobs=[public_view(j) for j in jobs], next_cursor=cursor)


@bp.get("/jobs/<job_id>")
@api_auth
def get_job(job_id: str) -> Any:
    """One of the caller's jobs."""
    return jsonify(public_view(_owned(job_id), current_settings()))


@bp.get("/jobs/<job_id>/log")
@api_auth
def get_log(job_id: str) -> Any:
    """The job's log as text."""
    text = log_text(_owned(job_id), current_settings())
    if text is None:
        raise fail(404, "This job has no log yet.")
    return jsonify(job_id=job_id, log=text)


@bp.get("/jobs/<job_id>/download")
@api_auth
def download(job_id: str) -> Any:
    """A short-lived URL of the annotated VCF (409 when archived or restoring)."""
    job = _owned(job_id)
    try:
        url = results_url(job, current_settings())
    except ResultsUnavailable as exc:
        raise fail(exc.status, str(exc)) from None
    return jsonify(job_id=job_id, url=url, expires_in=current_settings().presigned_url_seconds)


@bp.delete("/jobs/<job_id>")
@api_auth
def delete_job_route(job_id: str) -> Any:
    """Delete a finished job: its record, input, results, log and cold copy (409 if busy)."""
    try:
        delete_job(_owned(job_id), current_settings())
    except ResultsUnavailable as exc:
        raise fail(exc.status, str(exc)) from None
    return "", 204


@bp.patch("/jobs/<job_id>")
@api_auth
def rename_job(job_id: str) -> Any:
    """Set the job's `label` (an empty one clears it)."""
    data = _body()
    if "label" not in data:
        raise fail(400, "`label` is required.")
    try:
        job = rename(_owned(job_id), data["label"], current_settings())
    except UploadRefused as exc:
        raise fail(exc.status, str(exc)) from None
    return jsonify(public_view(job, current_settings()))


@bp.post("/jobs/<job_id>/rerun")
@api_auth
def rerun_job(job_id: str) -> Any:
    """A new job over the same input with another installed `reference`; the original stays."""
    data = _body()
    try:
        job = rerun(g.api_user, _owned(job_id), data.get("reference"), current_settings())
    except UploadRefused as exc:
        raise fail(exc.status, str(exc)) from None
    return jsonify(public_view(job, current_settings())), 201


@bp.get("/references")
@api_auth
def references() -> Any:
    """The installed references a job can be re-run with, and their builds."""
    return jsonify(references=[{"name": name, "build": build or None} for name, build in
                               sorted(bundles.installed(current_settings()).items())])


def _table(job_id: str) -> tuple[dict[str, Any], VariantTable]:
    job = _owned(job_id)
    try:
        return job, open_table(job, current_settings())
    except ResultsUnavailable as exc:
        raise fail(exc.status, str(exc)) from None


def _table_page(job_id: str, make_page: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """One page of the job's table for this request's parameters (400 for a bad one)."""
    _, table = _table(job_id)
    try:
        return make_page(table, request.args, current_settings())
    except BadQuery as exc:
        raise fail(400, str(exc)) from None


@bp.get("/jobs/<job_id>/variants")
@api_auth
def variants(job_id: str) -> Any:
    """Filtered, sorted variant rows a page at a time (see the parameters in the document)."""
    page = _table_page(job_id, variants_page)
    page.pop("filters")
    return jsonify(job_id=job_id, **page)


@bp.get("/jobs/<job_id>/variants/<int:number>")
@api_auth
def variant(job_id: str, number: int) -> Any:
    """Every transcript entry of one VCF record, and links to public resources."""
    _, table = _table(job_id)
    rows = variant_rows(table, number)
    if not rows:
        raise fail(404, "This job has no such variant.")
    return jsonify(job_id=job_id, variant=number, rows=rows,
                   links=[{"label": label, "url": url} for label, url in
                          links(rows[0], table.build)])


@bp.get("/jobs/<job_id>/genes")
@api_auth
def genes(job_id: str) -> Any:
    """Per-gene variant counts by impact and the most severe consequence."""
    page = _table_page(job_id, genes_page)
    return jsonify(job_id=job_id, **page)


@bp.get("/jobs/<job_id>/export")
@api_auth
def export(job_id: str) -> Any:
    """The filtered rows as TSV, or the matching VCF records (streamed)."""
    return export_response(_owned(job_id))
