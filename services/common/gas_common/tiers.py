"""Tier-aware settings: each limit has a GAS_FREE_<NAME> and a GAS_PREMIUM_<NAME>."""

from __future__ import annotations

from gas_common.jobstates import PREMIUM
from gas_common.settings import Settings


def tier_of(role: str | None) -> str:
    """`premium` or `free` (an unknown or missing role is free)."""
    return "premium" if role == PREMIUM else "free"


def limit(settings: Settings, role: str | None, name: str) -> int:
    """The setting `<tier>_<name>` for a user of `role`."""
    return int(getattr(settings, f"{tier_of(role)}_{name}"))
