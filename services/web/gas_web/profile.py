"""Profile (view, edit, email preference) and premium: upgrade and cancel."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from gas_common import retention
from gas_common.jobstates import FREE, PREMIUM
from gas_common.messages import ThawRequested
from gas_common.publish import publish
from gas_common.service import current_settings
from gas_common.settings import Settings
from gas_common.stores import TransitionRefused, UserStore, now

from gas_web.security import current_user, login_required, safe_next
from gas_web.uploads import human_size, plural

log = logging.getLogger(__name__)

bp = Blueprint("profile", __name__)


@bp.get("/profile")
@login_required
def view() -> Any:
    """Show the signed-in user's profile and tier."""
    s = current_settings()
    user = current_user()
    return render_template(
        "profile.html", user=user,
        free_limit=human_size(s.free_upload_limit_bytes),
        premium_limit=human_size(s.premium_upload_limit_bytes),
        retention=retention_text(s),
    )


def retention_text(s: Settings) -> str:
    """How long a free user's results stay hot: '5 minutes', '2 hours', '3 days'."""
    seconds = max(60, s.free_retention_seconds)
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size and seconds % size == 0:
            return plural(seconds // size, unit)
    return plural(seconds // 60, "minute")


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit() -> Any:
    """Edit name, institution and the job-completed email preference."""
    user = current_user()
    assert user is not None
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:100]
        institution = request.form.get("institution", "").strip()[:200]
        if not name:
            flash("Please enter your name.", "danger")
            return render_template("profile_edit.html", user=user,
                                   next=request.form.get("next", "")), 400
        UserStore(current_settings()).update(user["user_id"], set={
            "name": name, "institution": institution,
            "notify_completed": request.form.get("notify_completed") == "on",
            "updated": now(),
        })
        flash("Profile saved.", "success")
        target = request.form.get("next")
        return redirect(safe_next(target) if target else url_for("profile.view"))
    return render_template("profile_edit.html", user=user, next=request.args.get("next", ""))


@bp.get("/subscribe")
@login_required
def subscribe() -> Any:
    """Show what premium gives, with the upgrade button."""
    s = current_settings()
    return render_template(
        "subscribe.html", user=current_user(),
        premium_limit=human_size(s.premium_upload_limit_bytes),
        free_limit=human_size(s.free_upload_limit_bytes),
    )


def _change_role(role: str, already: str) -> dict[str, Any] | None:
    """Set the signed-in user's role; None (with `already` flashed) when it was set."""
    user = current_user()
    assert user is not None
    try:
        changed = UserStore(current_settings()).set_role(user["user_id"], role)
    except TransitionRefused:
        flash(already, "info")
        return None
    g.user = changed  # the page drawn now (its navbar too) shows the new plan
    return changed


@bp.post("/subscribe")
@login_required
def upgrade() -> Any:
    """Make the user premium and ask for their archived results to be restored."""
    upgraded = _change_role(PREMIUM, "You are already premium.")
    if upgraded is None:
        return redirect(url_for("profile.view"))
    try:
        publish(ThawRequested(user_id=upgraded["user_id"]), current_settings())
    except Exception:  # noqa: BLE001 - the role is set; the thawer's reconciler catches up
        log.exception("publishing thaw.requested failed")
    return render_template("subscribed.html", user=upgraded)


@bp.post("/subscribe/cancel")
@login_required
def cancel() -> Any:
    """Go back to the free tier; hot results are scheduled for cold storage again."""
    s = current_settings()
    if request.form.get("confirm") != "yes":
        flash("Premium was not cancelled: please confirm in the dialog first.", "warning")
        return redirect(url_for("profile.view"))
    user = _change_role(FREE, "You are on the free plan already.")
    if user is None:
        return redirect(url_for("profile.view"))
    retention.schedule_user(user["user_id"], s)
    flash(f"Premium cancelled. Finished results will move to cold storage in "
          f"{retention_text(s)}.", "info")
    return redirect(url_for("profile.view"))
