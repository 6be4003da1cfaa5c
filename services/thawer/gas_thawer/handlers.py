"""What the thawer does with each message (the archive issue fills this in)."""

from __future__ import annotations

import logging
from typing import Any

from gas_common.messages import ThawRequested

log = logging.getLogger(__name__)


def on_thaw_requested(message: ThawRequested) -> None:
    """Acknowledge a thaw request."""
    log.info("thaw requested for user %s", message.user_id)


def on_restore_notice(notice: Any) -> None:
    """Acknowledge an AWS restore-completion notice."""
    log.info("restore notice: %.200s", notice)
