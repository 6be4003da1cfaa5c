"""The thawer: restores archived results when a user upgrades to premium."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage
from gas_common.app import create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the thawer service (SNS endpoints declared on Thawer) and start its poller."""
    from gas_thawer.service import Thawer

    thawer = Thawer(settings or get_settings())
    return create_service_app(thawer, cold_storage.ready_checks(), start=loops)
