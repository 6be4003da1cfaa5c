"""The upload page and the submission S3 redirects back to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from gas_common.service import current_settings

from gas_web.security import current_user, login_required
from gas_web.uploads import UploadRefused, human_size, submit, upload_limit

bp = Blueprint("annotate", __name__)


@bp.get("/annotate")
@login_required
def form() -> Any:
    """Show the upload form (the file goes straight from the browser to S3)."""
    user = current_user()
    assert user is not None
    limit = upload_limit(user, current_settings())
    return render_template("annotate.html", user=user, limit=limit, limit_text=human_size(limit))


STORAGE_UNREACHABLE = (
    "Your browser could not reach the storage service, so the file was not uploaded. "
    "A network problem, a firewall, a blocked port or a browser extension can cause this; "
    "check the connection and try again.")


@bp.get("/annotate/job")
@login_required
def job() -> Any:
    """Check the uploaded file and create its job (S3 redirects the browser here)."""
    user = current_user()
    assert user is not None
    bucket, key = request.args.get("bucket", ""), request.args.get("key", "")
    if not key:
        flash("No upload was received. Please choose a file.", "warning")
        return redirect(url_for("annotate.form"))
    try:
        job, created = submit(user, bucket, key, current_settings())
    except UploadRefused as exc:
        message = str(exc)
        if exc.status == 404 and request.args.get("unreachable"):
            message = STORAGE_UNREACHABLE  # the browser's post never got an answer
        flash(message, "danger")
        limit = upload_limit(user, current_settings())
        return render_template("annotate.html", user=user, limit=limit,
                               limit_text=human_size(limit)), exc.status
    if created:
        flash(f"{job['input_file_name']} was uploaded and is queued for annotation.", "success")
    return redirect(url_for("jobs.detail", job_id=job["job_id"]))
