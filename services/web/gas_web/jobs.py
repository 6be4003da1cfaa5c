"""The user's jobs: list, live status, details with charts, log, downloads, rename, re-run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from gas_common import cursors
from gas_common.service import current_settings
from gas_common.stores import JobStore

from gas_web.charts import summary_charts
from gas_web.deletion import delete_job
from gas_web.manage import rename, rerun, rerun_choices
from gas_web.results import (
    ResultsUnavailable,
    input_url,
    log_text,
    public_view,
    results_url,
    summary_facts,
)
from gas_web.security import current_user, login_required
from gas_web.uploads import UploadRefused

bp = Blueprint("jobs", __name__)

PAGE_SIZE = 20
# What the list page shows (and results_state needs); summaries stay in the table.
LIST_ATTRIBUTES = (
    "job_id", "user_id", "submit_time", "input_file_name", "job_status", "progress_variants",
    "complete_time", "archive_status", "results_file_archive_id", "s3_key_result_file",
    "archive_due_at", "summary", "label", "restore_tier", "archive_backend",
)
MAX_POLL_IDS = 50
# What the live pages need of a job to tell that it changed.
POLLED = ("job_status", "progress_variants", "results", "complete_time", "not_annotated",
          "restore_tier")


def owned_job(job_id: str) -> dict[str, Any]:
    """The signed-in user's job, or 404 (another user's job does not exist for you)."""
    user = current_user()
    job = JobStore(current_settings()).get_owned(job_id, user["user_id"]) if user else None
    if job is None:
        abort(404)
    return job


def back_to_job(job_id: str, message: str, category: str = "warning") -> Any:
    """Back to the job's page, saying why what was asked did not happen."""
    flash(message, category)
    return redirect(url_for("jobs.detail", job_id=job_id))


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
    return render_template("annotations.html", user=user,
                           jobs=[public_view(j, current_settings()) for j in jobs],
                           next_cursor=next_cursor, first_page=cursor is None)


@bp.get("/annotations/status")
@login_required
def status() -> Any:
    """Current status of some of the user's jobs (the list and job pages poll this).

    With `newest` (the job at the top of the list page, '' for an empty list) it also says
    how many jobs are newer than it: submitted elsewhere since the page was drawn.
    """
    user = current_user()
    assert user is not None
    s = current_settings()
    ids = [i for i in request.args.get("ids", "").split(",") if i][:MAX_POLL_IDS]
    store = JobStore(s)
    found = {}
    for job_id in ids:
        job = store.get_owned(job_id, user["user_id"])
        if job:
            view = public_view(job, s)
            found[job_id] = {k: view.get(k) for k in POLLED}
    answer: dict[str, Any] = {"jobs": found}
    if "newest" in request.args:
        answer["new_jobs"] = newer_than(request.args["newest"], user["user_id"])
    return jsonify(answer)


def newer_than(job_id: str, user_id: str) -> int:
    """How many of the user's jobs are newer than `job_id` (all of the first page if it is
    not on it: it was deleted, or the list was empty)."""
    first, _ = JobStore(current_settings()).list_for_user(
        user_id, limit=PAGE_SIZE, attributes=("job_id", "user_id", "submit_time"))
    ids = [j["job_id"] for j in first]
    return ids.index(job_id) if job_id in ids else len(ids)


@bp.get("/annotations/<job_id>")
@login_required
def detail(job_id: str) -> Any:
    """Show one job: status, times, downloads or archive state, log link, charts."""
    job = owned_job(job_id)
    s = current_settings()
    view = public_view(job, s)
    charts = summary_charts(job.get("summary"))
    return render_template("annotation.html", user=current_user(), job=view,
                           facts=summary_facts(job.get("summary")),
                           references=rerun_choices(job, s), charts=charts,
                           chart_data=[c.as_json() for c in charts],
                           genes_empty=genes_unavailable(job, view))


def genes_unavailable(job: dict[str, Any], view: dict[str, Any]) -> str:
    """Why the top-genes chart cannot be drawn ('' when it can)."""
    if view["results"] == "archived":
        return "The results are in cold storage; upgrade to premium to get them back."
    if view["results"] == "restoring":
        return "The results are on their way back from cold storage."
    if view["not_annotated"]:
        return "No variant was annotated, so none falls in a gene."
    if not job.get("s3_key_genes_file"):
        return "This job was annotated before GAS counted variants per gene."
    return ""


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
        return back_to_job(job_id, str(exc))


@bp.post("/annotations/<job_id>/delete")
@login_required
def delete(job_id: str) -> Any:
    """Delete the job, its files and its cold copy (the page asks to confirm first)."""
    job = owned_job(job_id)
    try:
        delete_job(job, current_settings())
    except ResultsUnavailable as exc:
        return back_to_job(job_id, str(exc))
    flash(f"{job.get('input_file_name', 'The job')} and its results were deleted.", "success")
    return redirect(url_for("jobs.index"))


@bp.get("/annotations/<job_id>/input")
@login_required
def download_input(job_id: str) -> Any:
    """Redirect to a short-lived download URL of the uploaded file."""
    return redirect(input_url(owned_job(job_id), current_settings()))


@bp.post("/annotations/<job_id>/rename")
@login_required
def rename_job(job_id: str) -> Any:
    """Give the job a label of the user's choosing (an empty one shows the file name)."""
    job = owned_job(job_id)
    try:
        rename(job, request.form.get("label", ""), current_settings())
    except UploadRefused as exc:
        return back_to_job(job_id, str(exc), "danger")
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.post("/annotations/<job_id>/rerun")
@login_required
def rerun_job(job_id: str) -> Any:
    """Annotate the job's input again with another installed reference, as a new job."""
    job = owned_job(job_id)
    user = current_user()
    assert user is not None
    try:
        new = rerun(user, job, request.form.get("reference", ""), current_settings())
    except UploadRefused as exc:
        return back_to_job(job_id, str(exc), "danger")
    flash(f"{job['input_file_name']} is queued again with {new['requested_reference']}; "
          "the original job is unchanged.", "success")
    return redirect(url_for("jobs.detail", job_id=new["job_id"]))
