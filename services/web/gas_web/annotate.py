"""The upload page and the submission S3 redirects back to."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError
from flask import Blueprint, flash, redirect, render_template, request, url_for
from gas_common import aws
from gas_common.keys import input_key, split_key
from gas_common.service import current_settings
from gas_common.stores import JobStore

from gas_web.builds import installed, upload_warning
from gas_web.example import NAME as EXAMPLE_NAME
from gas_web.example import example_vcf
from gas_web.security import current_user, login_required
from gas_web.uploads import UploadRefused, human_size, parse_key, submit, upload_limit

bp = Blueprint("annotate", __name__)


def _form_page(user: dict[str, Any], status: int = 200) -> Any:
    limit = upload_limit(user, current_settings())
    return render_template("annotate.html", user=user, limit=limit, limit_text=human_size(limit),
                           references=installed(current_settings())), status


@bp.get("/annotate")
@login_required
def form() -> Any:
    """Show the upload form (the file goes straight from the browser to S3)."""
    user = current_user()
    assert user is not None
    return _form_page(user)


STORAGE_UNREACHABLE = (
    "Your browser could not reach the storage service, so the file was not uploaded. "
    "A network problem, a firewall, a blocked port or a browser extension can cause this; "
    "check the connection and try again.")


def _held_upload(user: dict[str, Any], bucket: str, key: str) -> bool:
    """Whether bucket/key is an upload GAS made for this user and no job has yet."""
    s = current_settings()
    try:
        job_id, _ = parse_key(key, user["user_id"], s)
    except UploadRefused:
        return False  # submit says why
    return bucket == s.inputs_bucket and JobStore(s).get(job_id) is None


def _build_warning(user: dict[str, Any], bucket: str, key: str) -> str | None:
    """A warning when the upload's contigs match no installed reference (None: go ahead)."""
    if not _held_upload(user, bucket, key):
        return None  # not this user's, or already queued (a reload): nothing to hold
    try:
        return upload_warning(bucket, key, current_settings())
    except ClientError:
        return None  # no such upload: submit answers that


@bp.route("/annotate/job", methods=["GET", "POST"])
@login_required
def job() -> Any:
    """Check the uploaded file and create its job (S3 redirects the browser here).

    A file whose contigs match no installed reference is not queued at once: the page
    says so and offers to submit it anyway (a POST, with the CSRF token) or delete it.
    """
    user = current_user()
    assert user is not None
    values = request.form if request.method == "POST" else request.args
    bucket, key = values.get("bucket", ""), values.get("key", "")
    if not key:
        flash("No upload was received. Please choose a file.", "warning")
        return redirect(url_for("annotate.form"))
    if request.method == "GET":
        warning = _build_warning(user, bucket, key)
        if warning:
            return render_template("annotate_check.html", user=user, warning=warning,
                                   bucket=bucket, key=key, name=split_key(key)[1])
    try:
        job, created = submit(user, bucket, key, current_settings())
    except UploadRefused as exc:
        message = str(exc)
        if exc.status == 404 and values.get("unreachable"):
            message = STORAGE_UNREACHABLE  # the browser's post never got an answer
        flash(message, "danger")
        return _form_page(user, exc.status)
    if created:
        flash(f"{job['input_file_name']} was uploaded and is queued for annotation.", "success")
    return redirect(url_for("jobs.detail", job_id=job["job_id"]))


@bp.post("/annotate/discard")
@login_required
def discard() -> Any:
    """Delete an upload the user chose not to annotate (after the build warning)."""
    user = current_user()
    assert user is not None
    bucket, key = request.form.get("bucket", ""), request.form.get("key", "")
    if not _held_upload(user, bucket, key):
        flash("That upload is not one of yours waiting to be queued.", "danger")
        return _form_page(user, 403)
    aws.client("s3", current_settings()).delete_object(Bucket=bucket, Key=key)
    flash("The upload was deleted.", "info")
    return redirect(url_for("annotate.form"))


@bp.post("/annotate/example")
@login_required
def example() -> Any:
    """Queue the generated GRCh38 example as one of the user's jobs, like an upload."""
    user = current_user()
    assert user is not None
    s = current_settings()
    key = input_key(user["user_id"], str(uuid.uuid4()), EXAMPLE_NAME, s)
    aws.client("s3", s).put_object(Bucket=s.inputs_bucket, Key=key, Body=example_vcf(),
                                   ServerSideEncryption="AES256")
    try:
        job, _ = submit(user, s.inputs_bucket, key, s)
    except UploadRefused as exc:  # e.g. too many jobs running: the file is deleted
        flash(str(exc), "danger")
        return _form_page(user, exc.status)
    flash(f"The example ({EXAMPLE_NAME}) is queued for annotation.", "success")
    return redirect(url_for("jobs.detail", job_id=job["job_id"]))
