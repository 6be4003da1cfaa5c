"""The bounded job pool: each job in its own process, leases kept alive, clean shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from gas_common.jobstates import PENDING
from gas_common.messages import JobRequested
from gas_common.service import Service, Subscription
from gas_common.settings import Settings
from gas_common.stores import JobStore, TransitionRefused
from prometheus_client import Counter, Gauge

from gas_annotator import child, claims, fairness
from gas_annotator.claims import CLAIMS, Claim
from gas_annotator.job import Held, Job

log = logging.getLogger(__name__)

JOBS = Counter("gas_annotator_jobs_total", "Job attempts by outcome", ["outcome"])
HELD = Gauge("gas_annotator_jobs_held", "Jobs this process holds (queued or running)")


class JobRunner(Service):
    """The annotator's Service: run claimed jobs, at most `annotator_workers` at a time,
    each in a new process; keep their leases; hand them back on stop."""

    name = "annotator"
    subscriptions = (Subscription("/sns/job-requests", "job_requests_topic", "on_job_requested",
                                  frozenset({"job.requested"})),)

    def __init__(self, settings: Settings, target: Callable[..., None] = child.annotate):
        super().__init__(settings)
        self.target = target
        self.store = JobStore(settings)
        self.size = max(1, settings.annotator_workers)
        # Threads only watch; the engine runs in a child process per job.
        self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="gas-job")
        self._held: dict[str, Held] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stop_requested = False  # set from a signal handler: no locks there
        self._drain: threading.Thread | None = None
        self.every("lease-keeper", settings.job_progress_seconds, self.renew_leases)
        # Jobs wait PENDING when every slot is busy; the dispatcher hands each slot that
        # frees to the user running the fewest jobs (fairness.py).
        self.backlog = False
        self.served: dict[str, float] = {}  # user -> when a job of theirs last started here
        self._wake = threading.Event()

    # --- taking work ------------------------------------------------------------------

    def on_job_requested(self, message: JobRequested) -> None:
        """Claim the job and queue it: gas_annotator.handlers."""
        from gas_annotator import handlers  # it imports this module

        handlers.on_job_requested(message)

    def start(self) -> JobRunner:
        super().start()
        threading.Thread(target=self._watch_for_stop, name="gas-stop-watch", daemon=True).start()
        threading.Thread(target=self._dispatch_loop, name="gas-dispatch", daemon=True).start()
        return self

    # --- sharing slots fairly ---------------------------------------------------------

    def defer(self) -> None:
        """A job was left PENDING for want of a fair slot: dispatch as soon as one frees."""
        self.backlog = True
        self._wake.set()

    def dispatch(self) -> int:
        """Claim waiting jobs in fair order while slots are free; returns how many wait on."""
        if self.stopping or self.free_slots() <= 0:
            return 0
        active = claims.active(self.store)
        pending = [j for j in active if j["job_status"] == PENDING
                   and int(j.get("attempts", 0)) < self.settings.job_max_attempts]
        left = fairness.claim_in_fair_order(self, pending, fairness.running_by_user(active),
                                            "dispatcher")
        self.backlog = left > 0
        return left

    def _dispatch_loop(self) -> None:
        # Woken when a job ends with a backlog; also every reconcile interval, for jobs
        # another replica deferred.
        while not self.stopping:
            self._wake.wait(self.settings.reconcile_interval_seconds)
            self._wake.clear()
            try:
                self.dispatch()
            except Exception:  # noqa: BLE001 - the next wake or interval tries again
                log.exception("dispatch pass failed")

    def request_stop(self) -> None:
        """Ask for a stop; safe in a signal handler (takes no lock, starts no thread).

        Two SIGTERMs arrive close together (the server's own and the process group's):
        a handler that locked or started a thread could deadlock against itself.
        """
        self._stop_requested = True

    def _watch_for_stop(self) -> None:
        while not self._stop_requested:
            time.sleep(0.1)
        self.begin_stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def free_slots(self) -> int:
        """How many more jobs this process can start now."""
        with self._lock:
            return self.size - len(self._held)

    def holds(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._held

    def accept(self, claim: Claim, source: str) -> bool:
        """Queue a claimed job; when shutting down, hand it straight back instead."""
        CLAIMS.labels(source, "claimed").inc()
        with self._lock:
            if not self._stopping.is_set():
                held = self._held[claim.job_id] = Held(claim)
                self.served[str(claim.job.get("user_id"))] = time.monotonic()
                HELD.set(len(self._held))
                self._pool.submit(self._run, held)
                log.info("job claimed (attempt %d, %s)", claim.attempt, source,
                         extra={"job_id": claim.job_id})
                return True
        self._release(claim)
        return False

    def _run(self, held: Held) -> None:
        if not held.start():
            return
        outcome = "lost"
        try:
            outcome = Job(held, self.settings, self.target).run()
        except Exception:  # noqa: BLE001 - Job.run already turns failures into states
            log.exception("job supervisor crashed", extra={"job_id": held.claim.job_id})
        finally:
            self._forget(held)
            JOBS.labels(outcome).inc()

    def _forget(self, held: Held) -> None:
        with self._lock:
            if self._held.get(held.claim.job_id) is held:
                del self._held[held.claim.job_id]
            HELD.set(len(self._held))
        if self.backlog:
            self._wake.set()  # a slot is free: give it to whoever is waiting

    def _release(self, claim: Claim) -> None:
        try:
            claims.release(self.store, claim)
            JOBS.labels("released").inc()
        except TransitionRefused:
            pass
        except Exception:  # noqa: BLE001 - the lease runs out and the reconciler re-drives it
            log.exception("could not release job", extra={"job_id": claim.job_id})

    # --- keeping claims ---------------------------------------------------------------

    def renew_leases(self) -> None:
        """Extend the lease of every job held (queued ones too) and record progress."""
        with self._lock:
            held = list(self._held.values())
        for h in held:
            try:
                h.renew(partial(claims.renew, self.store, h.claim,
                                self.settings.job_lease_seconds, h.progress))
            except TransitionRefused:
                log.warning("lost the claim on a job", extra={"job_id": h.claim.job_id})
                h.lost.set()
            except Exception:  # noqa: BLE001 - try again next pass; the lease has slack
                log.exception("could not renew a lease", extra={"job_id": h.claim.job_id})

    # --- stopping ---------------------------------------------------------------------

    def begin_stop(self) -> None:
        """Stop taking work and start handing back what is held (returns at once)."""
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
            # Not a daemon: the interpreter waits for it before exiting.
            self._drain = threading.Thread(target=self._drain_and_release, name="gas-drain")
            self._drain.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop, finish or release every held job, and wait for that."""
        self.begin_stop()
        if self._drain is not None:
            self._drain.join(timeout)

    def _drain_and_release(self) -> None:
        log.info("stopping: no new jobs; running jobs get %.0f s to finish",
                 self.settings.job_drain_seconds)
        keeper, others = self.loops[0], self.loops[1:]  # leases are kept to the end
        for loop in others:
            loop.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            held = list(self._held.values())
        for h in held:
            if h.cancel():  # queued, never started: hand it back now
                h.settle(partial(self._release, h.claim))
                self._forget(h)
        deadline = time.monotonic() + self.settings.job_drain_seconds
        while self._count() and time.monotonic() < deadline:
            time.sleep(0.1)
        with self._lock:
            for h in self._held.values():
                h.abort.set()  # the job kills its process and releases itself
        deadline = time.monotonic() + 10
        while self._count() and time.monotonic() < deadline:
            time.sleep(0.1)
        keeper.stop()
        log.info("stopped; %d job(s) still held", self._count())

    def _count(self) -> int:
        with self._lock:
            return len(self._held)
