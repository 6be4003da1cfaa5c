"""One job, start to finish, in the service process: fetch, annotate elsewhere, store, tell."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from gas_common import tiers
from gas_common.jobstates import COMPLETED, FAILED
from gas_common.keys import ResultKeys, base_name, sanitise_filename
from gas_common.messages import JobCompleted, JobFailed
from gas_common.publish import publish
from gas_common.settings import Settings
from gas_common.stores import JobStore, TransitionRefused, UserStore, now

from gas_annotator import claims
from gas_annotator.claims import Claim
from gas_annotator.files import (
    JobFailure,
    fetch_input,
    item_summary,
    reference_label,
    upload,
)
from gas_annotator.process import Outcome, Stopped, run_in_process
from gas_annotator.refdata import reference_choice

log = logging.getLogger(__name__)
MAX_REASON = 500
REQUIRED = ("user_id", "input_file_name", "s3_inputs_bucket", "s3_key_input_file")


class Held:
    """A claim this process holds, from queueing to its last write."""

    def __init__(self, claim: Claim):
        self.claim = claim
        self.progress: int | None = None
        self.lost = threading.Event()  # someone else holds the job now: write nothing
        self.abort = threading.Event()  # shutting down: stop and hand the job back
        self._lock = threading.Lock()
        self._state = "queued"  # queued -> running | cancelled
        # The last write (finish or release) and the lease keeper's renewals take turns:
        # a renewal that raced the finish used to be refused and logged "lost the claim".
        self._writing = threading.Lock()
        self._settled = False

    def start(self) -> bool:
        """Move queued -> running; False when shutdown cancelled it first."""
        return self._leave_queue("running")

    def cancel(self) -> bool:
        """Move queued -> cancelled; False when it already started."""
        return self._leave_queue("cancelled")

    def _leave_queue(self, state: str) -> bool:
        with self._lock:
            if self._state != "queued":
                return False
            self._state = state
            return True

    def settle(self, write: Callable[[], Any]) -> Any:
        """Make the claim's last write; no renewal is attempted after it."""
        with self._writing:
            self._settled = True
            return write()

    def renew(self, write: Callable[[], Any]) -> bool:
        """Renew the lease unless the last write was made; False when it was."""
        with self._writing:
            if self._settled:
                return False
            write()
            return True

    def should_stop(self) -> bool:
        return self.lost.is_set() or self.abort.is_set()

    def set_progress(self, done: int) -> None:
        self.progress = done


class Job:
    """Run a held job; `run()` returns the outcome label (completed, failed, released, lost)."""

    def __init__(self, held: Held, settings: Settings, target: Callable[..., None]):
        self.held, self.settings, self.target = held, settings, target
        self.claim = held.claim
        self.item = held.claim.job
        self.store = JobStore(settings)
        self.missing = [name for name in REQUIRED if not self.item.get(name)]
        if not self.missing:
            self.keys = ResultKeys.of(self.item, settings)

    def run(self) -> str:
        if self.missing:
            return self.fail(f"the job record is incomplete (no {', '.join(self.missing)})",
                             None)
        try:
            return self._run()
        except Stopped:
            return self.hand_back(count_attempt=False)
        except Exception as exc:  # noqa: BLE001 - an AWS hiccup must not lose the job
            log.exception("job attempt %d failed unexpectedly", self.claim.attempt,
                          extra={"job_id": self.claim.job_id})
            if self.claim.attempt < self.settings.job_max_attempts:
                return self.hand_back(count_attempt=True)
            return self.fail(f"internal error in the annotator ({type(exc).__name__}); "
                             "please submit the job again", None)

    def _run(self) -> str:
        s = self.settings
        deadline = time.monotonic() + s.job_timeout_seconds
        throttle = s.annotator_throttle_seconds if s.local else 0.0
        with tempfile.TemporaryDirectory(prefix="gas-job-") as tmp:
            local = Path(tmp) / sanitise_filename(self.item["input_file_name"])
            try:
                reference = self.reference()
                fetch_input(self.item, local, s)
                outcome = run_in_process(
                    self.target,
                    (str(local), str(Path(tmp) / "out"), base_name(self.item["input_file_name"]),
                     reference, throttle, self.limits()),
                    self.held.set_progress, self.held.should_stop, deadline,
                    s.job_timeout_seconds,
                )
            except JobFailure as exc:
                return self.fail(str(exc), None)
            return self.store_outcome(outcome)

    def reference(self) -> tuple[str, str | None]:
        """The bundle choice for this job: the one a re-run names, else by the input's build."""
        try:
            return reference_choice(self.settings, self.item.get("requested_reference"))
        except ValueError as exc:
            raise JobFailure(str(exc)) from None

    def limits(self) -> tuple[int, int, int]:
        """The (expanded, header, output) byte bounds of the job owner's tier."""
        role = UserStore(self.settings).role(self.item["user_id"])
        return (tiers.limit(self.settings, role, "max_expanded_bytes"),
                tiers.limit(self.settings, role, "max_header_bytes"),
                tiers.limit(self.settings, role, "max_output_bytes"))

    def store_outcome(self, outcome: Outcome) -> str:
        """Upload what the engine wrote and record COMPLETED or FAILED."""
        self.check_claim()
        if not outcome.ok or outcome.result is None:
            log_file = Path(outcome.log_path) if outcome.log_path else None
            return self.fail(outcome.error, log_file if log_file and log_file.is_file() else None)
        r = outcome.result
        upload(Path(r["result"]), self.keys.result, "result", self.settings)
        upload(Path(r["log"]), self.keys.log, "log", self.settings)
        upload(Path(r["summary_path"]), self.keys.summary, "summary", self.settings)
        upload(Path(r["variants_table"]), self.keys.variants, "table", self.settings)
        upload(Path(r["genes_table"]), self.keys.genes, "table", self.settings)
        fields = {
            "complete_time": now(),
            "s3_results_bucket": self.settings.results_bucket,
            "s3_key_result_file": self.keys.result,
            "s3_key_log_file": self.keys.log,
            "s3_key_summary_file": self.keys.summary,
            "s3_key_variants_file": self.keys.variants,
            "s3_key_genes_file": self.keys.genes,
            "summary": item_summary(r["summary"]),
            "progress_variants": int(r["variants"]),
            "reference": reference_label(r["summary"]),
        }
        if not self.finish(COMPLETED, fields):
            return "lost"
        self.tell(JobCompleted(
            job_id=self.claim.job_id, user_id=self.item["user_id"],
            complete_time=fields["complete_time"], s3_results_bucket=self.settings.results_bucket,
            s3_key_result_file=self.keys.result, s3_key_log_file=self.keys.log,
            s3_key_summary_file=self.keys.summary, input_file_name=self.item["input_file_name"],
            submit_time=self.item.get("submit_time"),
        ))
        return "completed"

    def fail(self, reason: str, log_file: Path | None) -> str:
        """Record FAILED with a one-line reason (and the log when there is one)."""
        reason = " ".join(reason.split())[:MAX_REASON] or "the job failed"
        fields: dict[str, Any] = {"error": reason, "complete_time": now()}
        if log_file is not None:
            self.check_claim()
            upload(log_file, self.keys.log, "log", self.settings)
            fields.update(s3_results_bucket=self.settings.results_bucket,
                          s3_key_log_file=self.keys.log)
        if not self.finish(FAILED, fields):
            return "lost"
        if "user_id" in self.missing:
            return "failed"  # nobody to tell
        extra = {"s3_key_log_file": fields["s3_key_log_file"]} if log_file else {}
        self.tell(JobFailed(
            job_id=self.claim.job_id, user_id=self.item["user_id"],
            complete_time=fields["complete_time"], reason=reason,
            input_file_name=self.item.get("input_file_name"),
            submit_time=self.item.get("submit_time"), **extra,
        ))
        log.info("job failed: %s", reason, extra={"job_id": self.claim.job_id})
        return "failed"

    def check_claim(self) -> None:
        """Before writing outputs: prove we still hold the job (else Stopped)."""
        if self.held.should_stop():
            raise Stopped
        try:
            claims.renew(self.store, self.claim, self.settings.job_lease_seconds,
                         self.held.progress)
        except TransitionRefused:
            self.held.lost.set()
            raise Stopped from None

    def finish(self, status: str, fields: dict[str, Any]) -> bool:
        try:
            self.held.settle(partial(claims.finish, self.store, self.claim, status, fields))
        except TransitionRefused:
            self.held.lost.set()
            log.warning("claim lost before %s; another worker owns the job", status,
                        extra={"job_id": self.claim.job_id})
            return False
        return True

    def hand_back(self, count_attempt: bool) -> str:
        """Give the job back as PENDING (shutdown, or a retryable error); or nothing if lost."""
        if self.held.lost.is_set():
            return "lost"
        try:
            self.held.settle(partial(claims.release, self.store, self.claim, count_attempt))
        except TransitionRefused:
            return "lost"
        log.info("job released for another attempt", extra={"job_id": self.claim.job_id})
        return "released"

    def tell(self, message: JobCompleted | JobFailed) -> None:
        """Publish the outcome; the job item is already final, so a failure here is only logged."""
        try:
            publish(message, self.settings)
        except Exception:  # noqa: BLE001 - the state is recorded; readers poll the job item
            log.exception("could not publish %s", message.type,
                          extra={"job_id": self.claim.job_id})
