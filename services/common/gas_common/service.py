"""The one shape of a service: a Service object per app owns settings, worker pool and loops.

Each service's `create_app(settings=None)` builds its Service and hands it to
`gas_common.app.create_service_app`, which keeps it in `app.extensions`, registers the
SNS endpoints its class declares in `subscriptions`, and starts it. Handlers reach it
through `current_service()`: nothing lives in module globals, so two apps with different
settings can share a process (tests/unit/test_service_shape.py checks that).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app

from gas_common.settings import Settings
from gas_common.workers import BackgroundPool, Loop

EXTENSION = "gas"
S = TypeVar("S", bound="Service")


@dataclass(frozen=True)
class Subscription:
    """An SNS topic delivered to POST `path`: the topic's setting name, the name of the
    Service method that handles a message (it must return quickly), the message types
    acted on (others are acknowledged and ignored), and raw=True for AWS-generated notices."""

    path: str
    topic_setting: str
    handler: str
    acts_on: frozenset[str] = frozenset()
    raw: bool = False


class Service:
    """What one running service owns; subclasses add their stores and handlers' state."""

    name = "service"
    pool_size = 0  # threads for background work (0: no pool)
    subscriptions: tuple[Subscription, ...] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = BackgroundPool(self.pool_size, self.name) if self.pool_size else None
        self.loops: list[Loop] = []

    def every(self, name: str, seconds: float, fn: Callable[[], Any]) -> None:
        """Run `fn` every `seconds` once the service starts (a reconciler, a scheduler...)."""
        self.loops.append(Loop(name, seconds, fn))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run `fn(*args)` on the pool; failures are logged, never raised."""
        if self.pool is None:
            raise RuntimeError(f"the {self.name} service has no worker pool")
        return self.pool.submit(fn, *args)

    def start(self: S) -> S:
        for loop in self.loops:
            loop.start()
        return self

    def stop(self) -> None:
        """Stop the loops and the pool; unfinished work is re-driven by a reconciler later."""
        for loop in self.loops:
            loop.stop()
        if self.pool is not None:
            self.pool.shutdown(wait=False)


def current_service() -> Any:
    """The Service of the app handling this request (or running this loop's app context)."""
    return current_app.extensions[EXTENSION]


def current_settings() -> Settings:
    """The settings of the app handling this request."""
    settings: Settings = current_service().settings
    return settings
