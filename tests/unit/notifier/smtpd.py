"""A local SMTP server for tests (aiosmtpd) that can refuse the first attempts."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.harness import free_port


class Inbox:
    """Keeps what the server accepted; answers `refuse_with` to the first `refusals` DATA."""

    def __init__(self, refusals: int = 0, refuse_with: str = "451 4.3.0 Try again later"):
        self.refusals = refusals
        self.refuse_with = refuse_with
        self.attempts = 0
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.attempts += 1
        if self.attempts <= self.refusals:
            return self.refuse_with
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def only(user: str, password: str) -> Any:
    """An authenticator accepting exactly one login."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and (
            auth_data.password == password.encode())
        return AuthResult(success=ok)

    return check


@contextmanager
def smtp_server(inbox: Inbox, **options: Any) -> Iterator[Controller]:
    """Run an SMTP server on 127.0.0.1 on a free port while the block runs."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
