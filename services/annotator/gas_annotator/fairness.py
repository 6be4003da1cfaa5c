"""Which waiting job runs next: the oldest job of the user who is running the fewest.

One user's 200 queued jobs must not starve another user's one: each free slot
goes to the user with the fewest jobs RUNNING (across every replica, from the
job table), among those to the user served longest ago, and within a user to the
oldest submission.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from gas_common.jobstates import RUNNING
from gas_common.settings import Settings
from gas_common.stores import JobStore

from gas_annotator import claims


def fair_order(pending: Iterable[dict[str, Any]], running: Counter[str],
               served: Mapping[str, float] | None = None) -> Iterator[dict[str, Any]]:
    """Pending jobs in the order free slots should go to them.

    Each turn goes to the user with the fewest jobs running, then the one served
    longest ago (`served`: when each user last had a job started here), then the
    oldest submission; a user's own jobs go oldest first.
    """
    served = served or {}
    queues: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
    for job in sorted(pending, key=lambda j: (int(j.get("submit_time") or 0), j["job_id"])):
        queues[job["user_id"]].append(job)
    heap = [(running[user], served.get(user, float("-inf")), _age(q), user)
            for user, q in queues.items()]
    heapq.heapify(heap)
    turn = max(served.values(), default=0.0)
    while heap:
        count, _, _, user = heapq.heappop(heap)
        queue = queues[user]
        yield queue.popleft()
        turn += 1
        if queue:
            heapq.heappush(heap, (count + 1, turn, _age(queue), user))


def _age(queue: deque[dict[str, Any]]) -> int:
    return int(queue[0].get("submit_time") or 0)


class Claimer(Protocol):
    """What claiming needs of a runner (the real one, or a test's stand-in)."""

    settings: Settings
    store: JobStore
    served: dict[str, float]

    @property
    def stopping(self) -> bool: ...
    def free_slots(self) -> int: ...
    def accept(self, claim: claims.Claim, source: str) -> bool: ...


def running_by_user(jobs: Iterable[dict[str, Any]]) -> Counter[str]:
    """How many of `jobs` each user has RUNNING."""
    return Counter(j["user_id"] for j in jobs if j.get("job_status") == RUNNING)


def claim_in_fair_order(runner: Claimer, pending: Iterable[dict[str, Any]],
                        running: Counter[str], source: str) -> int:
    """Claim pending jobs in fair order while slots are free; returns how many were left."""
    order = list(fair_order(pending, running, runner.served))
    for done, job in enumerate(order):
        if runner.stopping or runner.free_slots() <= 0:
            return len(order) - done
        claim = claims.claim_pending(runner.store, job["job_id"],
                                     runner.settings.job_lease_seconds, job)
        if claim is None:
            claims.CLAIMS.labels(source, "refused").inc()
            continue
        runner.accept(claim, source)
    return 0
