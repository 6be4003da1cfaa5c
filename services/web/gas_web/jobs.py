"""The user's jobs: list, live status, details with charts, log, downloads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from gas_common import cursors
from gas_common.service import current_settings
from gas_common.stores import JobStore

from gas_web.deletion import delete_job
from gas_web.results import (
    ResultsUnavailable,
    input_url,
    log_text,
    public_view,
    results_url,
    summary_facts,
)
from gas_web.security import current_user, login_required

bp = Blueprint("jobs", __name__)

PAGE_SIZE = 20
# What the list page shows (and results_state needs); summaries stay in the table.
LIST_ATTRIBUTES = (
    "job_id", "user_id", "submit_time", "input_file_name", "job_status", "progress_variants",
    "complete_time", "archive_status", "results_file_archive_id", "s3_key_result_file",
    "archive_due_at", "summary",
)
MAX_POLL_IDS = 50


def owned_job(job_id: str) -> dict[str, Any]:
    """The signed-in user's job, or 404 (another user's job does not exist for you)."""
    user = current_user()
    job = JobStore(current_settings()).get_owned(job_id, user["user_id"]) if user else None
    if job is None:
        abort(404)
    return job


@bp.get("/annotations")
@login_required
def index() -> Any:
    """List the user's jobs, newest first, a page at a time."""
    user = current_user()
    assert user is not None
    cursor = request.args.get("cursor") or None
    try:
        jobs, next_cursor = JobStore(current_settings()).list_for_user(
            user["user_id"], limit=PAGE_SIZE, cursor=cursor, attributes=LIST_ATTRIBUTES)
    except cursors.CursorError:
        abort(400)
    return render_template("annotations.html", user=user, jobs=[public_view(j) for j in jobs],
                           next_cursor=next_cursor, first_page=cursor is None)


@bp.get("/annotations/status")
@login_required
def status() -> Any:
    """Current status of some of the user's jobs (the list page polls this)."""
    user = current_user()
    assert user is not None
    ids = [i for i in request.args.get("ids", "").split(",") if i][:MAX_POLL_IDS]
    store = JobStore(current_settings())
    found = {}
    for job_id in ids:
        job = store.get_owned(job_id, user["user_id"])
        if job:
            view = public_view(job)
            found[job_id] = {k: view.get(k) for k in
                             ("job_status", "progress_variants", "results", "complete_time",
                              "not_annotated")}
    return jsonify(jobs=found)


@bp.get("/annotations/<job_id>")
@login_required
def detail(job_id: str) -> Any:
    """Show one job: status, times, downloads or archive state, log link, charts."""
    job = owned_job(job_id)
    return render_template("annotation.html", user=current_user(), job=public_view(job),
                           facts=summary_facts(job.get("summary")))


@bp.get("/annotations/<job_id>/log")
@login_required
def log(job_id: str) -> Any:
    """Show the job's log inline."""
    job = owned_job(job_id)
    return render_template("log.html", user=current_user(), job=public_view(job),
                           log=log_text(job, current_settings()))


@bp.get("/annotations/<job_id>/results")
@login_required
def download(job_id: str) -> Any:
    """Redirect to a short-lived download URL of the annotated VCF."""
    job = owned_job(job_id)
    try:
        return redirect(results_url(job, current_settings()))
    except ResultsUnavailable as exc:
        flash(str(exc), "warning")
        return redirect(url_for("jobs.detail", job_id=job_id))


@bp.post("/annotations/<job_id>/delete")
@login_required
def delete(job_id: str) -> Any:
    """Delete the job, its files and its cold copy (the page asks to confirm first)."""
    job = owned_job(job_id)
    try:
        delete_job(job, current_settings())
    except ResultsUnavailable as exc:
        flash(str(exc), "warning")
        return redirect(url_for("jobs.detail", job_id=job_id))
    flash(f"{job.get('input_file_name', 'The job')} and its results were deleted.", "success")
    return redirect(url_for("jobs.index"))


@bp.get("/annotations/<job_id>/input")
@login_required
def download_input(job_id: str) -> Any:
    """Redirect to a short-lived download URL of the uploaded file."""
    return redirect(input_url(owned_job(job_id), current_settings()))
