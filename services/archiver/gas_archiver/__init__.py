"""The archiver: moves free users' results to cold storage after the retention window."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage
from gas_common.app import create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the archiver service (its SNS endpoint is declared on Archiver) and start it."""
    from gas_archiver.service import Archiver

    return create_service_app(Archiver(settings or get_settings()),
                              cold_storage.ready_checks(), start=loops)
