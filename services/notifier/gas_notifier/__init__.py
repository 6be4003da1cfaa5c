"""The notifier: emails users when jobs finish, fail or are restored."""

from __future__ import annotations

import atexit

from flask import Flask
from gas_common.app import check_table, create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the notifier service."""
    from gas_notifier.delivery import Notifier

    notifier = Notifier(settings or get_settings())
    s = notifier.settings
    if s.mail_backend == "smtp" and s.smtp_username:
        s.require("smtp_password")
    app = create_service_app(notifier, [check_table("jobs_table"), check_table("users_table")])
    atexit.register(notifier.stop)
    return app
